// One SCIM 2.0 resource (RFC 7643) to a Person or a Group, with the enterprise extension.
import type { Group, Person, SourceRef } from '../attribution/index.js';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

export type ScimResult =
  | { ok: true; record: { kind: 'person'; person: Person } | { kind: 'group'; group: Group } }
  | { ok: false; field: string | null; reason: string };

class Refusal {
  constructor(
    readonly field: string | null,
    readonly reason: string,
  ) {}
}

export function fromScimResource(value: unknown, source: SourceRef): ScimResult {
  try {
    const resource = object(value, null);
    const kind = resourceKind(resource);
    return kind === 'User'
      ? { ok: true, record: { kind: 'person', person: toPerson(resource, source) } }
      : { ok: true, record: { kind: 'group', group: toGroup(resource, source) } };
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, field: err.field, reason: err.reason };
    throw err;
  }
}

/** By `schemas`, else `meta.resourceType`, else the attribute only one of them requires. */
function resourceKind(resource: Record<string, unknown>): 'User' | 'Group' {
  const schemas = Array.isArray(resource.schemas) ? resource.schemas : [];
  if (schemas.includes(USER_SCHEMA)) return 'User';
  if (schemas.includes(GROUP_SCHEMA)) return 'Group';

  const meta = resource.meta;
  const declared =
    typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>) : {};
  if (declared.resourceType === 'User' || declared.resourceType === 'Group') {
    return declared.resourceType;
  }
  if ('userName' in resource) return 'User';
  if ('members' in resource) return 'Group';
  throw new Refusal('schemas', 'names neither a SCIM User nor a SCIM Group');
}

function toPerson(user: Record<string, unknown>, source: SourceRef): Person {
  const id = requiredText(user, 'id');
  const userName = requiredText(user, 'userName');
  const enterprise =
    user[ENTERPRISE_USER_SCHEMA] === undefined
      ? {}
      : object(user[ENTERPRISE_USER_SCHEMA], ENTERPRISE_USER_SCHEMA);
  const manager =
    enterprise.manager === undefined || enterprise.manager === null
      ? {}
      : object(enterprise.manager, `${ENTERPRISE_USER_SCHEMA}.manager`);
  const name =
    typeof user.name === 'object' && user.name !== null
      ? (user.name as Record<string, unknown>)
      : {};

  return {
    id,
    userName,
    displayName:
      optionalText(user, 'displayName') ?? optionalText(name, 'formatted', 'name.formatted'),
    emails: multiValued(user, 'emails', 'value'),
    active: active(user.active),
    costCenter: optionalText(enterprise, 'costCenter', `${ENTERPRISE_USER_SCHEMA}.costCenter`),
    department: optionalText(enterprise, 'department', `${ENTERPRISE_USER_SCHEMA}.department`),
    managerId: optionalText(manager, 'value', `${ENTERPRISE_USER_SCHEMA}.manager.value`),
    groups: multiValued(user, 'groups', 'display'),
    source,
  };
}

function toGroup(group: Record<string, unknown>, source: SourceRef): Group {
  return {
    id: requiredText(group, 'id'),
    displayName: requiredText(group, 'displayName'),
    memberIds: multiValued(group, 'members', 'value'),
    source,
  };
}

function object(value: unknown, field: string | null): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Refusal(
      field,
      field === null ? 'the resource is not a JSON object' : `${field} is not an object`,
    );
  }
  return value as Record<string, unknown>;
}

function requiredText(resource: Record<string, unknown>, key: string): string {
  const text = optionalText(resource, key);
  if (text === null) throw new Refusal(key, `${key} is required`);
  return text;
}

function optionalText(resource: Record<string, unknown>, key: string, field = key): string | null {
  const value = resource[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new Refusal(field, `${field} is not a string`);
  return value.trim() === '' ? null : value.trim();
}

/** `sub` of each entry of a multi-valued attribute (`emails[].value`, `groups[].display`). */
function multiValued(resource: Record<string, unknown>, key: string, sub: string): string[] {
  const entries = resource[key];
  if (entries === undefined || entries === null) return [];
  if (!Array.isArray(entries)) throw new Refusal(key, `${key} is not a list`);
  return entries.flatMap((entry: unknown, index) => {
    const text = optionalText(object(entry, `${key}[${index}]`), sub, `${key}[${index}].${sub}`);
    return text === null ? [] : [text];
  });
}

/** Absent means active: an inventory lists the people its provider serves. */
function active(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'boolean') return value;
  // Some providers send the boolean as a string.
  if (value === 'true' || value === 'True') return true;
  if (value === 'false' || value === 'False') return false;
  throw new Refusal('active', 'active is not a boolean');
}
