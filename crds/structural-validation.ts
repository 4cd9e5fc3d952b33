// Schema validation of a custom resource as the API server does it: the structural schema is
// turned into plain JSON Schema for ajv, and ajv's errors into Kubernetes-style field problems.
import { Ajv, type ErrorObject, type Format, type ValidateFunction } from 'ajv';
import {
  formatPath,
  isPlainObject,
  type PathSegment,
  type ProblemReason,
  type SchemaProblem,
  type StructuralSchema,
} from './schema.js';

/** RFC 3339 as Go's time.RFC3339 parses it, which is what `format: date-time` means here. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const INT32_MAX = 2 ** 31;

/** Formats the API server checks; others are accepted as plain strings, as it does. */
const FORMATS: Record<string, Format> = {
  'date-time': {
    type: 'string',
    validate: (v: string) => RFC3339.test(v) && !Number.isNaN(Date.parse(v)),
  },
  int32: {
    type: 'number',
    validate: (v: number) => Number.isInteger(v) && v >= -INT32_MAX && v < INT32_MAX,
  },
  int64: { type: 'number', validate: (v: number) => Number.isSafeInteger(v) },
};

const COPIED_KEYWORDS = [
  'pattern',
  'minLength',
  'maxLength',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'required',
] as const;

export function newAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    strict: false,
    allowUnionTypes: true,
    logger: false,
  });
  for (const [name, format] of Object.entries(FORMATS)) ajv.addFormat(name, format);
  return ajv;
}

/** Plain JSON Schema for a structural schema node, the Kubernetes extensions translated. */
export function toJsonSchema(node: StructuralSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};

  const types: string[] = node['x-kubernetes-int-or-string']
    ? ['integer', 'string']
    : node.type
      ? [node.type]
      : [];
  if (types.length > 0 && node.nullable) types.push('null');
  if (types.length > 0) out.type = types.length === 1 ? types[0] : types;
  if (node.enum) out.enum = node.nullable ? [...node.enum, null] : node.enum;

  for (const keyword of COPIED_KEYWORDS) {
    if (node[keyword] !== undefined) out[keyword] = node[keyword];
  }
  // OpenAPI 3.0 writes exclusive bounds as booleans beside minimum and maximum.
  if (node.minimum !== undefined) {
    out[node.exclusiveMinimum ? 'exclusiveMinimum' : 'minimum'] = node.minimum;
  }
  if (node.maximum !== undefined) {
    out[node.exclusiveMaximum ? 'exclusiveMaximum' : 'maximum'] = node.maximum;
  }
  if (node.format && node.format in FORMATS) out.format = node.format;
  if (node['x-kubernetes-list-type'] === 'set') out.uniqueItems = true;

  if (node.properties) {
    out.properties = Object.fromEntries(
      Object.entries(node.properties).map(([k, v]) => [k, toJsonSchema(v)]),
    );
  }
  if (typeof node.additionalProperties === 'object') {
    out.additionalProperties = toJsonSchema(node.additionalProperties);
  }
  if (node.items) out.items = toJsonSchema(node.items);
  for (const combinator of ['allOf', 'anyOf', 'oneOf'] as const) {
    if (node[combinator]) out[combinator] = node[combinator].map(toJsonSchema);
  }
  if (node.not) out.not = toJsonSchema(node.not);
  return out;
}

export function compileSchema(ajv: Ajv, schema: StructuralSchema): ValidateFunction {
  return ajv.compile(toJsonSchema(schema));
}

/** Runs `validate` over `object` and describes each error as the API server would. */
export function schemaProblems(
  validate: ValidateFunction,
  object: unknown,
  schema: StructuralSchema,
): SchemaProblem[] {
  if (validate(object)) return [];
  const problems = (validate.errors ?? []).map((e) => toProblem(e, object, schema));
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\0${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Lists with `x-kubernetes-list-type: map` may hold each key combination once. */
export function listMapDuplicates(
  value: unknown,
  schema: StructuralSchema,
  root: StructuralSchema,
  at: PathSegment[] = [],
): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  if (Array.isArray(value) && schema.items) {
    if (schema['x-kubernetes-list-type'] === 'map') {
      const keys = schema['x-kubernetes-list-map-keys'] ?? [];
      const seen = new Set<string>();
      value.forEach((item, i) => {
        if (!isPlainObject(item)) return;
        const id = Object.fromEntries(keys.map((k) => [k, item[k]]));
        const key = JSON.stringify(id);
        if (seen.has(key)) {
          const segments = [...at, i];
          const path = formatPath(segments, root);
          problems.push(problem(segments, path, 'FieldValueDuplicate', `Duplicate value: ${key}`));
        }
        seen.add(key);
      });
    }
    value.forEach((item, i) =>
      problems.push(...listMapDuplicates(item, schema.items!, root, [...at, i])),
    );
  } else if (isPlainObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      const childSchema =
        schema.properties?.[key] ??
        (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (childSchema) problems.push(...listMapDuplicates(child, childSchema, root, [...at, key]));
    }
  }
  return problems;
}

function toProblem(error: ErrorObject, object: unknown, schema: StructuralSchema): SchemaProblem {
  const segments = pointerSegments(error.instancePath, object);
  const data = error.data as unknown;
  const params = error.params as Record<string, unknown>;
  const at = (reason: ProblemReason, message: string, extra: PathSegment[] = []) => {
    const all = [...segments, ...extra];
    return problem(all, formatPath(all, schema), reason, message);
  };

  switch (error.keyword) {
    case 'required':
      return at('FieldValueRequired', 'Required value', [String(params.missingProperty)]);
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(shown).join(', ');
      return at(
        'FieldValueNotSupported',
        `Unsupported value: ${shown(data)}: supported values: ${allowed}`,
      );
    }
    case 'type':
      return at(
        'FieldValueTypeInvalid',
        `Invalid value: ${shown(data)}: must be of type ${typeNames(params.type)}`,
      );
    case 'pattern':
      return at(
        'FieldValueInvalid',
        `Invalid value: ${shown(data)}: must match '${String(params.pattern)}'`,
      );
    case 'format':
      return at(
        'FieldValueInvalid',
        `Invalid value: ${shown(data)}: must be ${formatName(String(params.format))}`,
      );
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return at(
        'FieldValueInvalid',
        `Invalid value: ${shown(data)}: must be ${String(params.comparison)} ${String(params.limit)}`,
      );
    case 'maxLength':
      return at('FieldValueTooLong', `Too long: may not be longer than ${String(params.limit)}`);
    case 'minLength':
      return at(
        'FieldValueInvalid',
        `Invalid value: ${shown(data)}: must be at least ${String(params.limit)} characters long`,
      );
    case 'maxItems':
      return at(
        'FieldValueTooMany',
        `Too many: ${countOf(data)}: must have at most ${String(params.limit)} items`,
      );
    case 'minItems':
      return at(
        'FieldValueInvalid',
        `Invalid value: ${countOf(data)} items: must have at least ${String(params.limit)}`,
      );
    case 'maxProperties':
      return at(
        'FieldValueTooMany',
        `Too many: ${countOf(data)}: must have at most ${String(params.limit)} properties`,
      );
    case 'uniqueItems': {
      const index = Math.max(Number(params.i), Number(params.j));
      const item = Array.isArray(data) ? data[index] : undefined;
      return at('FieldValueDuplicate', `Duplicate value: ${shown(item)}`, [index]);
    }
    default:
      return at(
        'FieldValueInvalid',
        `Invalid value: ${shown(data)}: ${error.message ?? 'is not valid'}`,
      );
  }
}

function problem(
  segments: PathSegment[],
  path: string,
  reason: ProblemReason,
  message: string,
): SchemaProblem {
  return { path, segments, message, reason };
}

/** JSON Pointer segments, with indices as numbers where the data there is a list. */
function pointerSegments(pointer: string, object: unknown): PathSegment[] {
  if (pointer === '') return [];
  const segments: PathSegment[] = [];
  let node = object;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      segments.push(Number(key));
      node = node[Number(key)];
    } else {
      segments.push(key);
      node = isPlainObject(node) ? node[key] : undefined;
    }
  }
  return segments;
}

const SHOWN_LENGTH = 80;

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > SHOWN_LENGTH ? `${text.slice(0, SHOWN_LENGTH)}...` : text;
}

function countOf(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  return isPlainObject(value) ? Object.keys(value).length : 0;
}

function typeNames(type: unknown): string {
  return Array.isArray(type) ? type.join(' or ') : String(type);
}

function formatName(format: string): string {
  return format === 'date-time' ? 'an RFC 3339 date-time' : `a valid ${format}`;
}
