// Validates a custom resource against its CustomResourceDefinition in the API server's order:
// prune unknown fields, default, check the schema, then evaluate the CEL rules.
import type { ValidateFunction } from 'ajv';
import { CelRules } from './cel-rules.js';
import { applyDefaults, pruneUnknownFields } from './prune-and-default.js';
import {
  formatPath,
  isPlainObject,
  type CustomResourceDefinition,
  type CustomResourceDefinitionVersion,
  type PathSegment,
  type ProblemReason,
  type SchemaProblem,
  type StructuralSchema,
} from './schema.js';
import {
  compileSchema,
  listMapDuplicates,
  newAjv,
  schemaProblems,
} from './structural-validation.js';

export interface ValidateOptions {
  /** The stored object an update replaces; transition rules (`oldSelf`) run only with it. */
  oldObject?: unknown;
}

export interface UnknownField {
  path: string;
  segments: PathSegment[];
}

export interface ValidationResult {
  /** A copy of the input, pruned and defaulted: what the API server would store. */
  object: Record<string, unknown>;
  problems: SchemaProblem[];
  /** Fields the schema does not declare, pruned from `object`; `kubectl apply` refuses them. */
  unknownFields: UnknownField[];
  crd?: CustomResourceDefinition;
}

interface CompiledVersion {
  crd: CustomResourceDefinition;
  version: CustomResourceDefinitionVersion;
  schema: StructuralSchema;
  validate: ValidateFunction;
  rules: CelRules;
}

/** The API server's own message when schema errors keep it from evaluating the CEL rules. */
export const RULES_NOT_CHECKED =
  'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';

/** Schema errors after which the API server does not evaluate CEL rules. */
const BLOCKING_REASONS = new Set<ProblemReason>([
  'FieldValueNotSupported',
  'FieldValueRequired',
  'FieldValueTooLong',
  'FieldValueTooMany',
  'FieldValueTypeInvalid',
]);

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_SUBDOMAIN_MAX_LENGTH = 253;

export class CrdValidator {
  private readonly versions = new Map<string, CompiledVersion>();

  /** Compiles every served version's schema and rules; throws CrdError on a rule that won't. */
  constructor(readonly crds: readonly CustomResourceDefinition[]) {
    const ajv = newAjv();
    for (const crd of crds) {
      for (const version of crd.spec.versions.filter((v) => v.served)) {
        const schema = version.schema.openAPIV3Schema;
        this.versions.set(key(`${crd.spec.group}/${version.name}`, crd.spec.names.kind), {
          crd,
          version,
          schema,
          validate: compileSchema(ajv, schema),
          rules: new CelRules(schema, crd.metadata.name),
        });
      }
    }
  }

  /** The CRD and version that serve `apiVersion` and `kind`, if any. */
  find(
    apiVersion: string,
    kind: string,
  ): { crd: CustomResourceDefinition; version: string } | undefined {
    const found = this.versions.get(key(apiVersion, kind));
    return found && { crd: found.crd, version: found.version.name };
  }

  /**
   * Not modelled: validation ratcheting (an update keeping an already invalid value is refused
   * here, accepted by Kubernetes 1.30+), and metadata checks beyond the name.
   */
  validate(object: unknown, options: ValidateOptions = {}): ValidationResult {
    if (!isPlainObject(object)) {
      return failed({}, 'FieldValueTypeInvalid', [], 'a resource must be an object');
    }
    const copy = structuredClone(object);
    const compiled = this.versions.get(key(String(object.apiVersion), String(object.kind)));
    if (!compiled) {
      const message = `no CustomResourceDefinition serves kind ${String(object.kind)} in ${String(object.apiVersion)}`;
      return failed(copy, 'FieldValueNotSupported', ['kind'], message);
    }
    const { schema } = compiled;

    const unknownFields = pruneUnknownFields(copy, schema).map((segments) => ({
      path: formatPath(segments, schema),
      segments,
    }));
    applyDefaults(copy, schema);

    const problems = [
      ...metadataProblems(copy.metadata),
      ...schemaProblems(compiled.validate, copy, schema),
      ...listMapDuplicates(copy, schema, schema),
    ];
    if (problems.some((p) => BLOCKING_REASONS.has(p.reason))) {
      problems.push({
        path: '',
        segments: [],
        message: RULES_NOT_CHECKED,
        reason: 'FieldValueInvalid',
      });
    } else {
      problems.push(...compiled.rules.evaluate(copy, options.oldObject));
    }
    return { object: copy, problems, unknownFields, crd: compiled.crd };
  }
}

function metadataProblems(metadata: unknown): SchemaProblem[] {
  const at = (segments: PathSegment[], reason: ProblemReason, message: string) => [
    { path: segments.join('.'), segments, message, reason },
  ];
  if (!isPlainObject(metadata)) return at(['metadata'], 'FieldValueRequired', 'Required value');
  const { name, generateName } = metadata;
  if (name === undefined || name === '') {
    return generateName ? [] : at(['metadata', 'name'], 'FieldValueRequired', 'Required value');
  }
  if (
    typeof name !== 'string' ||
    name.length > DNS_SUBDOMAIN_MAX_LENGTH ||
    !DNS_SUBDOMAIN.test(name)
  ) {
    return at(
      ['metadata', 'name'],
      'FieldValueInvalid',
      `Invalid value: ${JSON.stringify(name)}: must be a lowercase RFC 1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit`,
    );
  }
  return [];
}

function failed(
  object: Record<string, unknown>,
  reason: ProblemReason,
  segments: PathSegment[],
  message: string,
): ValidationResult {
  return {
    object,
    problems: [{ path: segments.join('.'), segments, message, reason }],
    unknownFields: [],
  };
}

function key(apiVersion: string, kind: string): string {
  return `${apiVersion}\0${kind}`;
}
