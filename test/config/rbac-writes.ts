// The write permissions a set of RBAC objects grants, checked against the only writes Argmin may
// make in a cluster: its own resources' status, Events, and its leader-election Lease.

export const WRITE_VERBS = [
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
  'escalate',
  'bind',
  'impersonate',
  '*',
] as const;

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

export interface RbacObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: PolicyRule[];
}

/** One grant that is not on the allowed list, in words a reviewer can act on. */
export interface ForbiddenWrite {
  role: string;
  verb: string;
  resource: string;
}

interface AllowedWrite {
  apiGroup: string;
  resource: string;
  verbs: readonly string[];
  /** Only in a Role in this namespace; a ClusterRole may not grant it. */
  namespace?: string;
}

export const ARGMIN_NAMESPACE = 'argmin-system';

const ALLOWED: readonly AllowedWrite[] = [
  ...['cloudconnectors', 'costcenters', 'attributionpolicies'].map((r) => ({
    apiGroup: 'argmin.io',
    resource: `${r}/status`,
    verbs: ['update', 'patch'],
  })),
  { apiGroup: 'events.k8s.io', resource: 'events', verbs: ['create', 'patch'] },
  {
    apiGroup: 'coordination.k8s.io',
    resource: 'leases',
    verbs: ['create', 'update'],
    namespace: ARGMIN_NAMESPACE,
  },
];

/** Every write verb any Role or ClusterRole grants beyond the allowed ones. */
export function forbiddenWrites(objects: readonly RbacObject[]): ForbiddenWrite[] {
  const found: ForbiddenWrite[] = [];
  for (const object of objects) {
    if (object.kind !== 'Role' && object.kind !== 'ClusterRole') continue;
    const role = `${object.kind}/${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
    for (const rule of object.rules ?? []) {
      const writes = rule.verbs.filter((v) => (WRITE_VERBS as readonly string[]).includes(v));
      for (const verb of writes) {
        for (const resource of grantedResources(rule)) {
          if (!isAllowed(object, resource, verb)) found.push({ role, verb, resource });
        }
      }
    }
  }
  return found;
}

/** `group/resource` for each pair a rule names; `*` stays `*`, so wildcards never match. */
function grantedResources(rule: PolicyRule): string[] {
  if (rule.nonResourceURLs?.length) return rule.nonResourceURLs.map((u) => `url:${u}`);
  const groups = rule.apiGroups ?? [];
  const resources = rule.resources ?? [];
  return groups.flatMap((g) => resources.map((r) => `${g === '' ? 'core' : g}/${r}`));
}

function isAllowed(object: RbacObject, resource: string, verb: string): boolean {
  return ALLOWED.some(
    (a) =>
      resource === `${a.apiGroup}/${a.resource}` &&
      a.verbs.includes(verb) &&
      (a.namespace === undefined ||
        (object.kind === 'Role' && object.metadata.namespace === a.namespace)),
  );
}
