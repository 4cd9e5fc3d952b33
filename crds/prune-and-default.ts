// What the API server does to a custom resource before it validates it: fields the schema does
// not know are pruned, nulls where the schema allows none are dropped, and defaults are filled in.
import { isPlainObject, type PathSegment, type StructuralSchema } from './schema.js';

/** Kept at the top level whatever the schema says; metadata is the API server's own to check. */
const ROOT_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

/**
 * Removes, in place, every field `schema` does not declare, and returns where each was. Fields
 * under `x-kubernetes-preserve-unknown-fields` are kept.
 */
export function pruneUnknownFields(value: unknown, schema: StructuralSchema): PathSegment[][] {
  const pruned: PathSegment[][] = [];
  prune(value, schema, [], pruned);
  return pruned;
}

function prune(
  value: unknown,
  schema: StructuralSchema,
  at: PathSegment[],
  pruned: PathSegment[][],
): void {
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((item, i) => prune(item, schema.items!, [...at, i], pruned));
    return;
  }
  if (!isPlainObject(value)) return;

  const additional =
    typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  const keepsUnknown =
    schema['x-kubernetes-preserve-unknown-fields'] === true || schema.additionalProperties === true;
  for (const key of Object.keys(value)) {
    if (at.length === 0 && ROOT_FIELDS.has(key)) continue;
    const child = schema.properties?.[key] ?? additional;
    if (!child) {
      if (keepsUnknown) continue;
      delete value[key];
      pruned.push([...at, key]);
      continue;
    }
    // apiextensions.k8s.io/v1 treats null in a field that is not nullable as absent.
    if (value[key] === null && !child.nullable) {
      delete value[key];
      continue;
    }
    prune(value[key], child, [...at, key], pruned);
  }
}

/** Fills in, in place, the default of every absent field whose parent object is present. */
export function applyDefaults(value: unknown, schema: StructuralSchema, root = true): void {
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) applyDefaults(item, schema.items, false);
    return;
  }
  if (!isPlainObject(value)) return;

  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    if (value[key] === undefined && child.default !== undefined) {
      value[key] = structuredClone(child.default);
    }
  }
  const additional =
    typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  for (const [key, child] of Object.entries(value)) {
    if (root && key === 'metadata') continue;
    const childSchema = schema.properties?.[key] ?? additional;
    if (childSchema) applyDefaults(child, childSchema, false);
  }
}
