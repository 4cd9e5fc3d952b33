// The shapes of a CustomResourceDefinition that validation reads: the structural openAPIV3Schema
// with its Kubernetes extensions, and where a problem sits inside an object.

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  /** Relative to the node the rule sits on, e.g. `.spec.parent` or `['a.b']`. */
  fieldPath?: string;
  reason?: string;
  optionalOldSelf?: boolean;
}

/** A node of a structural schema (JSONSchemaProps as apiextensions.k8s.io/v1 allows it). */
export interface StructuralSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  format?: string;
  default?: unknown;
  nullable?: boolean;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  required?: string[];
  properties?: Record<string, StructuralSchema>;
  additionalProperties?: StructuralSchema | boolean;
  items?: StructuralSchema;
  allOf?: StructuralSchema[];
  anyOf?: StructuralSchema[];
  oneOf?: StructuralSchema[];
  not?: StructuralSchema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-validations'?: ValidationRule[];
}

export interface CustomResourceDefinitionVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema: { openAPIV3Schema: StructuralSchema };
  subresources?: { status?: Record<string, never>; scale?: unknown };
  additionalPrinterColumns?: {
    name: string;
    type: string;
    jsonPath: string;
    description?: string;
    priority?: number;
  }[];
}

/** The parts of an apiextensions.k8s.io/v1 CustomResourceDefinition that Argmin reads. */
export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    group: string;
    scope: 'Cluster' | 'Namespaced';
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames?: string[];
      categories?: string[];
    };
    versions: CustomResourceDefinitionVersion[];
  };
}

/** Kubernetes' field error types, as `metav1.StatusCause.reason` carries them. */
export type ProblemReason =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueTypeInvalid'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueForbidden';

export interface SchemaProblem {
  /** Where, as Kubernetes prints it: `spec.sources[0].format`, `spec.matchLabels[app/x]`. */
  path: string;
  /** The same place as keys and indices, for tools that look fields up. */
  segments: (string | number)[];
  message: string;
  reason: ProblemReason;
}

export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/**
 * Formats segments the way Kubernetes' field paths print: properties as `.name`, list indices
 * as `[0]`, and keys of a map (a schema with additionalProperties) as `[key]`.
 */
export function formatPath(segments: readonly PathSegment[], schema?: StructuralSchema): string {
  let out = '';
  let node = schema;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      out += `[${segment}]`;
      node = node?.items;
      continue;
    }
    const isProperty = node?.properties?.[segment] !== undefined;
    const isMapKey = !isProperty && typeof node?.additionalProperties === 'object';
    if (isMapKey || (!node && !IDENTIFIER.test(segment))) out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
    node = isProperty
      ? node?.properties?.[segment]
      : isMapKey
        ? (node?.additionalProperties as StructuralSchema)
        : undefined;
  }
  return out;
}

/** The schema node at `segments`, or undefined where the schema says nothing. */
export function schemaAt(
  schema: StructuralSchema,
  segments: readonly PathSegment[],
): StructuralSchema | undefined {
  let node: StructuralSchema | undefined = schema;
  for (const segment of segments) {
    if (!node) return undefined;
    if (typeof segment === 'number') node = node.items;
    else if (node.properties?.[segment]) node = node.properties[segment];
    else if (typeof node.additionalProperties === 'object') node = node.additionalProperties;
    else return undefined;
  }
  return node;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
