// The API double's behaviour as a real client sees it, through @kubernetes/client-node over HTTP.
// The same assertions hold against a real cluster (KUBECONFIG set); the ones that break the API on
// purpose need the double and skip themselves otherwise.
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds, REAL_CLUSTER, startTestCluster, type TestCluster } from './index.js';

let cluster: TestCluster;
let custom: CustomObjectsApi;
const group = 'argmin.io';
const version = 'v1alpha1';
const plural = 'costcenters';
const prefix = `dbl-${Date.now().toString(36)}`;

const costCenter = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'argmin.io/v1alpha1',
  kind: 'CostCenter',
  metadata: { name },
  spec: { code: name.toUpperCase().slice(0, 20), displayName: name, ...spec },
});

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

beforeAll(async () => {
  cluster = await startTestCluster();
  await installCrds(cluster.kubeConfig);
  custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
});
afterAll(async () => {
  await cluster.close();
});

async function create(name: string, spec?: Record<string, unknown>) {
  return (await custom.createClusterCustomObject({
    group,
    version,
    plural,
    body: costCenter(`${prefix}-${name}`, spec),
  })) as { metadata: { name: string; resourceVersion: string; generation: number } };
}

function statusCodeOf(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}

describe('Kubernetes API double', () => {
  it('rejects an update carrying a stale resourceVersion with 409 Conflict', async () => {
    const created = await create('conflict');
    const { name, resourceVersion } = created.metadata;
    await custom.patchClusterCustomObject(
      { group, version, plural, name, body: { spec: { displayName: 'first' } } },
      merge,
    );
    const stale = { ...costCenter(name), metadata: { name, resourceVersion } };
    const err = await custom
      .replaceClusterCustomObject({ group, version, plural, name, body: stale })
      .catch((e: unknown) => e);
    expect(statusCodeOf(err)).toBe(409);
  });

  it('rejects an invalid CostCenter with the CEL rule message and the field at fault', async () => {
    const err = (await custom
      .createClusterCustomObject({
        group,
        version,
        plural,
        body: costCenter(`${prefix}-bad`, {
          budget: { amount: '100', currency: 'USD', period: 'Monthly', alertThresholds: [80, 50] },
        }),
      })
      .catch((e: unknown) => e)) as { code: number; body: string };
    expect(err.code).toBe(422);
    expect(String(err.body)).toContain('alertThresholds must be in strictly ascending order');
  });

  it('prunes unknown fields and applies schema defaults on create', async () => {
    const created = (await custom.createClusterCustomObject({
      group,
      version,
      plural,
      body: { ...costCenter(`${prefix}-pruned`), spec: { ...costCenter('x').spec, bogus: 1 } },
    })) as { spec: Record<string, unknown> };
    expect(created.spec).not.toHaveProperty('bogus');
  });

  it('moves generation on spec changes only, and keeps status out of the main endpoint', async () => {
    const created = await create('generation');
    const { name } = created.metadata;
    const afterStatus = (await custom.patchClusterCustomObjectStatus(
      { group, version, plural, name, body: { status: { spend: '1' } } },
      merge,
    )) as { metadata: { generation: number }; status: { spend: string } };
    expect(afterStatus.metadata.generation).toBe(1);
    expect(afterStatus.status.spend).toBe('1');

    const afterSpec = (await custom.patchClusterCustomObject(
      {
        group,
        version,
        plural,
        name,
        body: { spec: { displayName: 'x' }, status: { spend: '9' } },
      },
      merge,
    )) as { metadata: { generation: number }; status: { spend: string } };
    expect(afterSpec.metadata.generation).toBe(2);
    expect(afterSpec.status.spend).toBe('1');
  });

  it('writes nothing for a no-op patch: the resourceVersion stays', async () => {
    const created = await create('noop');
    const { name, resourceVersion } = created.metadata;
    const same = (await custom.patchClusterCustomObject(
      { group, version, plural, name, body: { spec: { displayName: created.metadata.name } } },
      merge,
    )) as { metadata: { resourceVersion: string } };
    expect(same.metadata.resourceVersion).toBe(resourceVersion);
  });

  it('applies JSON patches and fails them when a test operation does not hold', async () => {
    const created = await create('jsonpatch');
    const { name } = created.metadata;
    const body = [
      { op: 'test', path: '/spec/displayName', value: name },
      { op: 'replace', path: '/spec/displayName', value: 'renamed' },
    ];
    const patched = (await custom.patchClusterCustomObject(
      { group, version, plural, name, body },
      jsonPatch,
    )) as { spec: { displayName: string } };
    expect(patched.spec.displayName).toBe('renamed');
    const err = await custom
      .patchClusterCustomObject({ group, version, plural, name, body }, jsonPatch)
      .catch((e: unknown) => e);
    expect(statusCodeOf(err)).toBe(422);
  });

  it('holds a deleted object until its last finalizer is removed', async () => {
    const created = await create('finalized');
    const { name } = created.metadata;
    await custom.patchClusterCustomObject(
      { group, version, plural, name, body: { metadata: { finalizers: ['test.argmin.io/hold'] } } },
      merge,
    );
    await custom.deleteClusterCustomObject({ group, version, plural, name });
    const held = (await custom.getClusterCustomObject({ group, version, plural, name })) as {
      metadata: { deletionTimestamp?: string };
    };
    expect(held.metadata.deletionTimestamp).toBeTruthy();

    await custom.patchClusterCustomObject(
      {
        group,
        version,
        plural,
        name,
        body: [
          { op: 'test', path: '/metadata/finalizers', value: ['test.argmin.io/hold'] },
          { op: 'remove', path: '/metadata/finalizers' },
        ],
      },
      jsonPatch,
    );
    const err = await custom
      .getClusterCustomObject({ group, version, plural, name })
      .catch((e: unknown) => e);
    expect(statusCodeOf(err)).toBe(404);
  });

  it('refuses a namespaced object in a namespace that does not exist', async () => {
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const err = await core
      .createNamespacedServiceAccount({
        namespace: `${prefix}-missing`,
        body: { metadata: { name: 'sa' } },
      })
      .catch((e: unknown) => e);
    expect(statusCodeOf(err)).toBe(404);
  });

  it('replays changes after the resourceVersion a watch resumes from', async () => {
    const first = await create('resume-a');
    const from = first.metadata.resourceVersion;
    await create('resume-b');
    const seen: string[] = [];
    const watch = new Watch(cluster.kubeConfig);
    const done = new Promise<void>((resolve) => {
      void watch
        .watch(
          `/apis/${group}/${version}/${plural}`,
          { resourceVersion: from },
          (type: string, object: { metadata: { name: string } }) => {
            seen.push(`${type} ${object.metadata.name}`);
            if (object.metadata.name.endsWith('resume-b')) resolve();
          },
          () => undefined,
        )
        .then((controller) => done.finally(() => controller.abort()));
    });
    await done;
    expect(seen).toEqual([`ADDED ${prefix}-resume-b`]);
  });

  it.skipIf(REAL_CLUSTER)('answers a watch from compacted history with 410 Expired', async () => {
    const created = await create('expired');
    cluster.double!.compact();
    await create('after-compaction');
    const watch = new Watch(cluster.kubeConfig);
    const error = await new Promise<{ code: number; reason: string }>((resolve) => {
      void watch.watch(
        `/apis/${group}/${version}/${plural}`,
        { resourceVersion: created.metadata.resourceVersion },
        (type: string, object: { code: number; reason: string }) => {
          if (type === 'ERROR') resolve(object);
        },
        () => undefined,
      );
    });
    expect(error).toMatchObject({ code: 410, reason: 'Expired' });
  });
});
