// The resource types the double serves: a fixed set of built-in ones and whatever
// CustomResourceDefinitions are created through the API, and the discovery documents that
// describe them to clients such as kubectl.
import type { CustomResourceDefinition } from '../../crds/index.js';

export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  statusSubresource: boolean;
  shortNames: string[];
  categories: string[];
  crd?: CustomResourceDefinition;
}

const builtIn = (
  group: string,
  version: string,
  plural: string,
  kind: string,
  namespaced: boolean,
  statusSubresource: boolean,
  shortNames: string[] = [],
): ResourceType => ({
  group,
  version,
  plural,
  singular: kind.toLowerCase(),
  kind,
  listKind: `${kind}List`,
  namespaced,
  statusSubresource,
  shortNames,
  categories: [],
});

export const BUILT_IN_TYPES: readonly ResourceType[] = [
  builtIn('', 'v1', 'namespaces', 'Namespace', false, true, ['ns']),
  builtIn('', 'v1', 'serviceaccounts', 'ServiceAccount', true, false, ['sa']),
  builtIn('apps', 'v1', 'deployments', 'Deployment', true, true, ['deploy']),
  builtIn('apps', 'v1', 'statefulsets', 'StatefulSet', true, true, ['sts']),
  builtIn('batch', 'v1', 'cronjobs', 'CronJob', true, true, ['cj']),
  builtIn('batch', 'v1', 'jobs', 'Job', true, true),
  builtIn('coordination.k8s.io', 'v1', 'leases', 'Lease', true, false),
  builtIn('events.k8s.io', 'v1', 'events', 'Event', true, false, ['ev']),
  builtIn(
    'apiextensions.k8s.io',
    'v1',
    'customresourcedefinitions',
    'CustomResourceDefinition',
    false,
    true,
    ['crd', 'crds'],
  ),
];

export function typesOfCrd(crd: CustomResourceDefinition): ResourceType[] {
  const { group, names, scope, versions } = crd.spec;
  return versions
    .filter((v) => v.served)
    .map((v) => ({
      group,
      version: v.name,
      plural: names.plural,
      singular: names.singular,
      kind: names.kind,
      listKind: names.listKind,
      namespaced: scope === 'Namespaced',
      statusSubresource: v.subresources?.status !== undefined,
      shortNames: names.shortNames ?? [],
      categories: names.categories ?? [],
      crd,
    }));
}

export const apiVersionOf = (t: { group: string; version: string }): string =>
  t.group ? `${t.group}/${t.version}` : t.version;

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

/** `/api/v1` or `/apis/<group>/<version>`: the resources of one group version. */
export function resourceList(types: readonly ResourceType[], groupVersion: string): unknown {
  const resources = types
    .filter((t) => apiVersionOf(t) === groupVersion)
    .flatMap((t) => [
      {
        name: t.plural,
        singularName: t.singular,
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: VERBS,
        shortNames: t.shortNames,
        categories: t.categories,
      },
      ...(t.statusSubresource
        ? [
            {
              name: `${t.plural}/status`,
              singularName: '',
              namespaced: t.namespaced,
              kind: t.kind,
              verbs: ['get', 'patch', 'update'],
            },
          ]
        : []),
    ]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

/** `/apis`: every group other than the core one. */
export function groupList(types: readonly ResourceType[]): unknown {
  const groups = new Map<string, Set<string>>();
  for (const t of types) {
    if (!t.group) continue;
    groups.set(t.group, (groups.get(t.group) ?? new Set()).add(t.version));
  }
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, versions]) => {
      const list = [...versions].map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
      return { name, versions: list, preferredVersion: list[0] };
    }),
  };
}
