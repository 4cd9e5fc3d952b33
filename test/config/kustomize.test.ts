import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadCrds } from '../../crds/index.js';
import {
  ARGMIN_NAMESPACE,
  forbiddenWrites,
  type PolicyRule,
  type RbacObject,
} from './rbac-writes.js';

// Renders config/ with the real kubectl (Debian's kubernetes-client in CI) and checks what a
// `kubectl apply -k config/` would install.

const ROOT = path.resolve(import.meta.dirname, '../..');
const SERVICE_ACCOUNT = {
  kind: 'ServiceAccount',
  name: 'argmin-operator',
  namespace: ARGMIN_NAMESPACE,
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests, read loosely
type Manifest = Record<string, any>;
let rendered: Manifest[];

beforeAll(async () => {
  const { stdout } = await promisify(execFile)('kubectl', ['kustomize', 'config/'], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  rendered = parseAllDocuments(stdout).map((d) => d.toJS() as Manifest);
});

const find = (kind: string, name: string) =>
  rendered.find((o) => o.kind === kind && o.metadata.name === name);

describe('kubectl kustomize config/', () => {
  it('renders the namespace, the CRDs, RBAC and the operator, and no samples', () => {
    const objects = rendered.map((o) =>
      [o.kind, o.metadata.namespace, o.metadata.name].filter(Boolean).join('/'),
    );
    expect(objects.sort()).toEqual(
      [
        'Namespace/argmin-system',
        'CustomResourceDefinition/attributionpolicies.argmin.io',
        'CustomResourceDefinition/cloudconnectors.argmin.io',
        'CustomResourceDefinition/costcenters.argmin.io',
        'ServiceAccount/argmin-system/argmin-operator',
        'ClusterRole/argmin-operator',
        'ClusterRoleBinding/argmin-operator',
        'Role/argmin-system/argmin-operator',
        'RoleBinding/argmin-system/argmin-operator',
        'Role/default/argmin-operator-events',
        'RoleBinding/default/argmin-operator-events',
        'Deployment/argmin-system/argmin-operator',
        'PodDisruptionBudget/argmin-system/argmin-operator',
      ].sort(),
    );
    expect(
      rendered.every((o) => o.metadata.labels?.['app.kubernetes.io/part-of'] === 'argmin'),
    ).toBe(true);
  });

  it('installs the CRDs exactly as crds/ holds them', () => {
    for (const crd of loadCrds()) {
      const installed = find('CustomResourceDefinition', crd.metadata.name)!;
      expect(installed.spec).toEqual(crd.spec);
    }
  });

  it('grants no write beyond its resources’ status, Events and its Lease', () => {
    expect(forbiddenWrites(rendered as RbacObject[])).toEqual([]);
  });

  it.each([
    ['', 'namespaces'],
    ['', 'serviceaccounts'],
    ['apps', 'deployments'],
    ['apps', 'statefulsets'],
    ['batch', 'cronjobs'],
    ['batch', 'jobs'],
    ['argmin.io', 'costcenters'],
    ['argmin.io', 'cloudconnectors'],
    ['argmin.io', 'attributionpolicies'],
  ])('lets the operator get, list and watch %s/%s across the cluster', (group, resource) => {
    const role = find('ClusterRole', 'argmin-operator')!;
    for (const verb of ['get', 'list', 'watch']) {
      expect(grants(role.rules, group, resource, verb), `${verb} ${resource}`).toBe(true);
    }
  });

  it('lets the operator read a Secret only in its own namespace, one by one', () => {
    const secretRules = rendered
      .filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole')
      .flatMap((o) =>
        (o.rules as PolicyRule[])
          .filter((r) => r.resources?.includes('secrets'))
          .map((r) => ({ role: `${o.kind}/${o.metadata.namespace}`, verbs: r.verbs })),
      );
    expect(secretRules).toEqual([{ role: `Role/${ARGMIN_NAMESPACE}`, verbs: ['get'] }]);
  });

  it('binds every role to the operator’s service account', () => {
    const bindings = rendered.filter((o) => o.kind.endsWith('Binding'));
    expect(bindings).toHaveLength(3);
    for (const binding of bindings) {
      expect(binding.subjects).toEqual([SERVICE_ACCOUNT]);
      expect(find(binding.roleRef.kind, binding.roleRef.name), binding.roleRef.name).toBeDefined();
    }
  });

  it('runs the operator as two non-root, read-only, unprivileged replicas with probes', () => {
    const deployment = find('Deployment', 'argmin-operator')!;
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(deployment.spec.replicas).toBe(2);
    expect(pod.serviceAccountName).toBe(SERVICE_ACCOUNT.name);
    expect(container).toMatchObject({
      image: 'ghcr.io/argmin/argmin:0.1.0',
      args: ['operator'],
      livenessProbe: { httpGet: { path: '/healthz' } },
      readinessProbe: { httpGet: { path: '/readyz' } },
      resources: {
        requests: { cpu: expect.any(String), memory: expect.any(String) },
        limits: { cpu: expect.any(String), memory: expect.any(String) },
      },
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      },
    });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    const mounts = container.volumeMounts.map((m: Manifest) => m.mountPath);
    expect(mounts).toEqual(expect.arrayContaining(['/tmp']));
  });

  it('caps the JavaScript heap well inside the container’s memory limit', () => {
    const [container] = find('Deployment', 'argmin-operator')!.spec.template.spec.containers;
    const options = container.env.find((e: Manifest) => e.name === 'NODE_OPTIONS')?.value ?? '';
    const heapMiB = Number(/--max-old-space-size=(\d+)/.exec(options)?.[1]);
    const limit = /^(\d+)(Mi|Gi)$/.exec(container.resources.limits.memory)!;
    const limitMiB = Number(limit[1]) * (limit[2] === 'Gi' ? 1024 : 1);
    expect(heapMiB).toBeGreaterThan(0);
    // Buffers, the code and the young generation live outside the old space.
    expect(heapMiB).toBeLessThanOrEqual(limitMiB * 0.7);
  });

  it('enforces the restricted Pod Security Standard on its namespace', () => {
    const namespace = find('Namespace', ARGMIN_NAMESPACE)!;
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });
});

describe('the write check', () => {
  const clusterRole = (rule: PolicyRule): RbacObject => ({
    kind: 'ClusterRole',
    metadata: { name: 'r' },
    rules: [rule],
  });
  const role = (namespace: string, rule: PolicyRule): RbacObject => ({
    kind: 'Role',
    metadata: { name: 'r', namespace },
    rules: [rule],
  });

  it.each([
    [
      'patch on a resource itself',
      clusterRole({ apiGroups: ['argmin.io'], resources: ['costcenters'], verbs: ['patch'] }),
    ],
    ['a wildcard verb', clusterRole({ apiGroups: [''], resources: ['namespaces'], verbs: ['*'] })],
    [
      'a wildcard resource',
      clusterRole({ apiGroups: ['argmin.io'], resources: ['*'], verbs: ['update'] }),
    ],
    [
      'delete on status',
      clusterRole({
        apiGroups: ['argmin.io'],
        resources: ['costcenters/status'],
        verbs: ['delete'],
      }),
    ],
    [
      'Lease writes across the cluster',
      clusterRole({ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['update'] }),
    ],
    [
      'Lease writes in another namespace',
      role('kube-system', {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        verbs: ['create'],
      }),
    ],
    [
      'writes to a workload',
      clusterRole({ apiGroups: ['apps'], resources: ['deployments'], verbs: ['update'] }),
    ],
    [
      'impersonation',
      clusterRole({ apiGroups: [''], resources: ['users'], verbs: ['impersonate'] }),
    ],
    ['core Events', clusterRole({ apiGroups: [''], resources: ['events'], verbs: ['create'] })],
    ['a non-resource URL', clusterRole({ nonResourceURLs: ['/metrics'], verbs: ['create'] })],
  ])('flags %s', (_, object) => {
    expect(forbiddenWrites([object])).toHaveLength(1);
  });

  it('passes the allowed writes and any read', () => {
    const allowed = [
      clusterRole({
        apiGroups: ['argmin.io'],
        resources: ['costcenters/status'],
        verbs: ['get', 'update', 'patch'],
      }),
      role('default', {
        apiGroups: ['events.k8s.io'],
        resources: ['events'],
        verbs: ['create', 'patch'],
      }),
      role(ARGMIN_NAMESPACE, {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        verbs: ['get', 'create', 'update'],
      }),
      clusterRole({ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch'] }),
    ];
    expect(forbiddenWrites(allowed)).toEqual([]);
  });
});

function grants(rules: PolicyRule[], group: string, resource: string, verb: string): boolean {
  return rules.some(
    (r) =>
      (r.apiGroups?.includes(group) || r.apiGroups?.includes('*')) &&
      (r.resources?.includes(resource) || r.resources?.includes('*')) &&
      (r.verbs.includes(verb) || r.verbs.includes('*')),
  );
}
