// Decides whether a status write is needed and builds it. A reconcile that computes the status the
// object already has writes nothing; otherwise one JSON merge patch to `/status` carries the
// whole new status, nulls for fields that went away, and the resourceVersion it was computed from
// so a concurrent change fails with 409 instead of being overwritten.
import { isDeepStrictEqual } from 'node:util';

export type Status = Record<string, unknown>;

export interface StatusPatch {
  metadata: { resourceVersion: string };
  status: Record<string, unknown>;
}

export function statusPatch(
  current: Status | undefined,
  desired: Status,
  resourceVersion: string,
): StatusPatch | null {
  const before = current ?? {};
  if (isDeepStrictEqual(withoutUndefined(before), withoutUndefined(desired))) return null;
  const status: Record<string, unknown> = {};
  for (const key of Object.keys(before)) {
    if (!(key in desired) || desired[key] === undefined) status[key] = null;
  }
  for (const [key, value] of Object.entries(desired)) {
    if (value === undefined) continue;
    // Merge patch merges nested objects key by key; a nested field that disappeared must be
    // removed explicitly, so nested objects are replaced whole through their own nulls.
    status[key] = replaceWhole(before[key], value);
  }
  return { metadata: { resourceVersion }, status };
}

function replaceWhole(before: unknown, after: unknown): unknown {
  if (!isPlainObject(before) || !isPlainObject(after)) return after;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(before)) if (!(key in after)) out[key] = null;
  for (const [key, value] of Object.entries(after)) out[key] = replaceWhole(before[key], value);
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withoutUndefined(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? {})) as unknown;
}
