// Checks YAML configuration against Envoy's own protos the way Envoy reads it (the proto3 JSON
// mapping), more strictly than protobufjs's `fromObject`, which drops what it does not know: every
// key must name a field, every value must have the field's type, every `typed_config` must name a
// type that exists and match it, and no field may be deprecated.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { ENVOY_PROTO_INCLUDE_DIRS, loadEnvoyProtos } from '../../ext-authz/index.js';

const TYPE_URL_PREFIX = 'type.googleapis.com/';
const DURATION = /^-?\d+(\.\d{1,9})?s$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const INTEGER_TEXT = /^-?\d+$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

const WRAPPERS: Record<string, string> = {
  '.google.protobuf.BoolValue': 'bool',
  '.google.protobuf.StringValue': 'string',
  '.google.protobuf.BytesValue': 'bytes',
  '.google.protobuf.Int32Value': 'int32',
  '.google.protobuf.UInt32Value': 'uint32',
  '.google.protobuf.Int64Value': 'int64',
  '.google.protobuf.UInt64Value': 'uint64',
  '.google.protobuf.DoubleValue': 'double',
  '.google.protobuf.FloatValue': 'float',
};

/** Every `@type` in a parsed document. */
export function typeUrls(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) typeUrls(item, found);
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === '@type' && typeof item === 'string') found.add(item);
      else typeUrls(item, found);
    }
  }
  return found;
}

/**
 * Loads the protos that define `typeNames` and those that `@type` URLs name: all files of each
 * type's package, since Envoy's file names do not follow from its type names.
 */
export async function loadProtosFor(typeNames: Iterable<string>): Promise<protobuf.Root> {
  const files = new Set<string>();
  for (const name of typeNames) {
    const dir = name.split('.').slice(0, -1).join('/');
    for (const include of ENVOY_PROTO_INCLUDE_DIRS) {
      let entries: string[];
      try {
        entries = readdirSync(path.join(include, dir));
      } catch {
        continue; // the package lives in another of the include folders
      }
      for (const file of entries) if (file.endsWith('.proto')) files.add(`${dir}/${file}`);
    }
  }
  return loadEnvoyProtos([...files]);
}

/** Problems of `value` read as `type`, each with the path to the field at fault. */
export function checkMessage(root: protobuf.Root, type: protobuf.Type, value: unknown): string[] {
  const problems: string[] = [];
  message(root, type, value, '', problems);
  return problems;
}

function message(
  root: protobuf.Root,
  type: protobuf.Type,
  value: unknown,
  at: string,
  problems: string[],
): void {
  const special = specialJson(root, type.fullName, value, at, problems);
  if (special) return;
  if (!isRecord(value)) {
    problems.push(`${at || '(root)'}: ${type.fullName.slice(1)} must be a mapping`);
    return;
  }
  const byName = new Map<string, protobuf.Field>();
  for (const field of type.fieldsArray) {
    byName.set(field.name, field);
    byName.set(protobuf.util.camelCase(field.name), field);
  }
  const oneofsSet = new Map<string, string>();
  for (const [key, item] of Object.entries(value)) {
    const where = at ? `${at}.${key}` : key;
    const field = byName.get(key);
    if (!field) {
      problems.push(`${where}: ${type.fullName.slice(1)} has no field "${key}"`);
      continue;
    }
    if (field.options?.deprecated) problems.push(`${where}: is deprecated`);
    const oneof = field.partOf?.name;
    if (oneof) {
      const other = oneofsSet.get(oneof);
      if (other) problems.push(`${where}: "${other}" is already set in oneof ${oneof}`);
      oneofsSet.set(oneof, key);
    }
    fieldValue(root, field, item, where, problems);
  }
}

function fieldValue(
  root: protobuf.Root,
  field: protobuf.Field,
  value: unknown,
  at: string,
  problems: string[],
): void {
  field.resolve();
  if (field instanceof protobuf.MapField) {
    if (!isRecord(value)) {
      problems.push(`${at}: must be a mapping`);
      return;
    }
    for (const [key, item] of Object.entries(value))
      single(root, field, item, `${at}.${key}`, problems);
    return;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) {
      problems.push(`${at}: must be a list`);
      return;
    }
    value.forEach((item, i) => single(root, field, item, `${at}[${i}]`, problems));
    return;
  }
  single(root, field, value, at, problems);
}

function single(
  root: protobuf.Root,
  field: protobuf.Field,
  value: unknown,
  at: string,
  problems: string[],
): void {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) message(root, resolved, value, at, problems);
  else if (resolved instanceof protobuf.Enum) enumValue(resolved, value, at, problems);
  else scalar(field.type, value, at, problems);
}

function enumValue(type: protobuf.Enum, value: unknown, at: string, problems: string[]): void {
  const known =
    typeof value === 'string'
      ? value in type.values
      : Number.isInteger(value) && Object.values(type.values).includes(value as number);
  if (!known) problems.push(`${at}: ${JSON.stringify(value)} is not a value of ${type.name}`);
}

function scalar(kind: string, value: unknown, at: string, problems: string[]): void {
  const wrong = (what: string) => problems.push(`${at}: ${JSON.stringify(value)} is not ${what}`);
  switch (kind) {
    case 'string':
      if (typeof value !== 'string') wrong('a string');
      return;
    case 'bool':
      if (typeof value !== 'boolean') wrong('a boolean');
      return;
    case 'bytes':
      if (typeof value !== 'string' || !BASE64.test(value)) wrong('base64 bytes');
      return;
    case 'double':
    case 'float':
      if (typeof value !== 'number') wrong('a number');
      return;
    default: {
      // Integer kinds; 64-bit ones may be written as strings.
      const unsigned = kind.startsWith('u') || kind.startsWith('fixed');
      const n = typeof value === 'string' && INTEGER_TEXT.test(value) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || (unsigned && n < 0)) {
        wrong(unsigned ? 'a non-negative integer' : 'an integer');
      }
    }
  }
}

/** Well-known types with their own JSON form; true when `typeName` is one of them. */
function specialJson(
  root: protobuf.Root,
  typeName: string,
  value: unknown,
  at: string,
  problems: string[],
): boolean {
  const wrong = (what: string) => problems.push(`${at}: ${JSON.stringify(value)} is not ${what}`);
  switch (typeName) {
    case '.google.protobuf.Duration':
      if (typeof value !== 'string' || !DURATION.test(value)) wrong('a duration such as "0.25s"');
      return true;
    case '.google.protobuf.Timestamp':
      if (typeof value !== 'string' || !TIMESTAMP.test(value)) wrong('an RFC 3339 timestamp');
      return true;
    case '.google.protobuf.Struct':
      if (!isRecord(value)) wrong('a mapping');
      return true;
    case '.google.protobuf.Value':
      return true;
    case '.google.protobuf.ListValue':
      if (!Array.isArray(value)) wrong('a list');
      return true;
    case '.google.protobuf.Empty':
      if (!isRecord(value) || Object.keys(value).length > 0) wrong('an empty mapping');
      return true;
    case '.google.protobuf.Any':
      anyValue(root, value, at, problems);
      return true;
  }
  const wrapped = WRAPPERS[typeName];
  if (wrapped) {
    scalar(wrapped, value, at, problems);
    return true;
  }
  return false;
}

function anyValue(root: protobuf.Root, value: unknown, at: string, problems: string[]): void {
  if (!isRecord(value) || typeof value['@type'] !== 'string') {
    problems.push(`${at}: a typed config needs "@type"`);
    return;
  }
  const url = value['@type'];
  if (!url.startsWith(TYPE_URL_PREFIX)) {
    problems.push(`${at}.@type: "${url}" does not start with ${TYPE_URL_PREFIX}`);
    return;
  }
  let type: protobuf.Type;
  try {
    type = root.lookupType(url.slice(TYPE_URL_PREFIX.length));
  } catch {
    problems.push(`${at}.@type: no message type ${url.slice(TYPE_URL_PREFIX.length)}`);
    return;
  }
  const { '@type': _type, ...fields } = value;
  // A well-known type inside Any keeps its own JSON form under "value".
  if (hasOwnJsonForm(type.fullName)) message(root, type, fields.value, `${at}.value`, problems);
  else message(root, type, fields, at, problems);
}

function hasOwnJsonForm(typeName: string): boolean {
  return (
    typeName.startsWith('.google.protobuf.') &&
    (typeName in WRAPPERS || OWN_JSON_FORM.has(typeName))
  );
}

const OWN_JSON_FORM = new Set(
  ['Duration', 'Timestamp', 'Struct', 'Value', 'ListValue', 'Empty', 'Any'].map(
    (name) => `.google.protobuf.${name}`,
  ),
);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
