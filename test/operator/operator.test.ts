// The operator end to end against the Kubernetes API (the double over HTTP, or the cluster that
// KUBECONFIG names), with the attribution engine scripted: status, conditions, Events, the
// annotation timeline, leader election, recovery from dropped watches and 410, and restarts.
import { AppsV1Api, CoreV1Api, CustomObjectsApi, EventsV1Api } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CostCenterStatus } from '../../attribution/index.js';
import type { RunningOperator } from '../../operator/index.js';
import {
  installCrds,
  REAL_CLUSTER,
  startTestCluster,
  type TestCluster,
} from '../kube-double/index.js';
import { delay, eventually, runOperator, ScriptedEngine } from './harness.js';

let cluster: TestCluster;
let custom: CustomObjectsApi;
let core: CoreV1Api;
let apps: AppsV1Api;
const running: RunningOperator[] = [];
const run = `e2e${Date.now().toString(36)}`;
const group = 'argmin.io';
const version = 'v1alpha1';

beforeAll(async () => {
  cluster = await startTestCluster();
  await installCrds(cluster.kubeConfig);
  custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((o) => o.stop()));
  cluster.double?.clearFaults();
});
afterAll(async () => {
  await cluster.close();
});

async function start(engine: ScriptedEngine, options: Parameters<typeof runOperator>[2] = {}) {
  const operator = await runOperator(cluster, engine, options);
  running.push(operator);
  return operator;
}

async function createCostCenter(name: string, budget?: Record<string, unknown>) {
  await custom.createClusterCustomObject({
    group,
    version,
    plural: 'costcenters',
    body: {
      apiVersion: 'argmin.io/v1alpha1',
      kind: 'CostCenter',
      metadata: { name },
      spec: {
        code: name.slice(-12).toUpperCase(),
        displayName: name,
        ...(budget ? { budget } : {}),
      },
    },
  });
}

async function statusOf(name: string): Promise<CostCenterStatus | undefined> {
  const object = (await custom.getClusterCustomObject({
    group,
    version,
    plural: 'costcenters',
    name,
  })) as { status?: CostCenterStatus };
  return object.status;
}

async function createWorkload(namespace: string, name: string, costCenter?: string) {
  await core.createNamespace({ body: { metadata: { name: namespace } } }).catch(() => undefined);
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: {
        name,
        namespace,
        annotations: costCenter ? { 'argmin.io/cost-center': costCenter } : {},
      },
      spec: {
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: 'app', image: `registry.example/${name}:1` }] },
        },
      },
    },
  });
}

const readyWith = (name: string, spend: string) =>
  eventually(
    async () => {
      const status = await statusOf(name);
      const ready = status?.conditions?.find((c) => c.type === 'Ready');
      return ready?.status === 'True' && status?.spend === spend ? status : undefined;
    },
    10_000,
    `${name} Ready with spend ${spend}`,
  );

const thisMonth = (day: number, hour = 0) => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), day, hour)).toISOString();
};

describe('operator', () => {
  it('makes an applied CostCenter Ready with its spend, budget use and confidence', async () => {
    const name = `${run}-ready`;
    const engine = new ScriptedEngine();
    await createWorkload(`${run}-shop`, 'checkout', name);
    engine.usage = [
      { at: thisMonth(1, 1), workload: `${run}-shop/checkout`, cost: '120.50' },
      { at: thisMonth(1, 2), workload: `${run}-shop/checkout`, cost: '79.50' },
    ];
    await start(engine);
    await createCostCenter(name, {
      amount: '1000',
      currency: 'USD',
      period: 'Monthly',
      alertThresholds: [10, 50],
    });

    const status = await readyWith(name, '200');
    expect(status).toMatchObject({
      budgetUsedPercent: '20.00',
      confidence: '0.95',
      currency: 'USD',
    });
    expect(status.conditions?.find((c) => c.type === 'BudgetExceeded')?.status).toBe('False');
    expect(status.lastAttributionTime).toBeTruthy();
  });

  it('announces a crossed budget threshold with a BudgetThresholdCrossed Event', async () => {
    const name = `${run}-alert`;
    const engine = new ScriptedEngine();
    await createWorkload(`${run}-alert`, 'batch', name);
    engine.usage = [{ at: thisMonth(1, 3), workload: `${run}-alert/batch`, cost: '60' }];
    await start(engine);
    await createCostCenter(name, {
      amount: '100',
      currency: 'USD',
      period: 'Monthly',
      alertThresholds: [50, 90],
    });
    await readyWith(name, '60');

    const events = cluster.kubeConfig.makeApiClient(EventsV1Api);
    const notes = await eventually(async () => {
      const list = await events.listNamespacedEvent({ namespace: 'default' });
      const mine = list.items.filter(
        (e) => e.regarding?.name === name && e.reason === 'BudgetThresholdCrossed',
      );
      return mine.length > 0 ? mine.map((e) => e.note) : undefined;
    });
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('past the 50% threshold');
  });

  it('moves spend to the new cost center from the moment an annotation changes', async () => {
    const before = `${run}-before`;
    const after = `${run}-after`;
    const namespace = `${run}-move`;
    const engine = new ScriptedEngine();
    await createWorkload(namespace, 'search', before);
    await createCostCenter(before);
    await createCostCenter(after);
    // One call a minute before the change, one five seconds after it.
    engine.usage = [
      {
        at: new Date(Date.now() - 60_000).toISOString(),
        workload: `${namespace}/search`,
        cost: '10',
      },
      {
        at: new Date(Date.now() + 5_000).toISOString(),
        workload: `${namespace}/search`,
        cost: '7',
      },
    ];
    await start(engine);
    await readyWith(before, '17');
    // The typed client sends a JSON patch.
    await apps.patchNamespacedDeployment({
      namespace,
      name: 'search',
      body: [{ op: 'replace', path: '/metadata/annotations/argmin.io~1cost-center', value: after }],
    });
    await readyWith(after, '7');
    await readyWith(before, '10');
  });

  it('elects exactly one leader of two replicas; the standby takes over when the Lease lapses', async () => {
    const leaseName = `${run}-lease`;
    const engine = new ScriptedEngine();
    const first = await start(engine, { identity: `${run}-a`, leaseName });
    const second = await start(engine, { identity: `${run}-b`, leaseName });
    const leader = await eventually(() =>
      first.isLeader !== second.isLeader ? (first.isLeader ? first : second) : undefined,
    );
    const standby = leader === first ? second : first;
    const leaderIdentity = leader === first ? `${run}-a` : `${run}-b`;
    // Exactly one leads, and keeps leading over several renewals.
    for (let i = 0; i < 5; i++) {
      await delay(100);
      expect([first.isLeader, second.isLeader].filter(Boolean)).toHaveLength(1);
    }
    if (!cluster.double) return;

    // Cut the leader off from the API server: its renewal fails and it stops at once; the standby
    // waits out the Lease's duration and takes over.
    cluster.double.inject({ path: /.*/, status: 503, token: leaderIdentity });
    await eventually(() => (!leader.isLeader ? true : undefined), 2_000, 'leader to step down');
    expect(standby.isLeader).toBe(false);
    await eventually(() => (standby.isLeader ? true : undefined), 5_000, 'standby to lead');
    expect(leader.isLeader).toBe(false);
  });

  it('makes no writes at all in a steady state', async () => {
    const name = `${run}-steady`;
    const engine = new ScriptedEngine();
    await createWorkload(`${run}-steady`, 'api', name);
    engine.usage = [{ at: thisMonth(1, 4), workload: `${run}-steady/api`, cost: '5' }];
    await createCostCenter(name, { amount: '50', currency: 'USD', period: 'Monthly' });
    await start(engine, { resyncPeriodMs: 100 });
    await readyWith(name, '5');
    await delay(300);

    const writesBefore = countWrites();
    // Several resyncs reconcile every object again and find nothing to change.
    await delay(600);
    expect(countWrites()).toBe(writesBefore);
  });

  it.skipIf(REAL_CLUSTER)(
    'recovers from a dropped watch and a 410 without losing a change made meanwhile',
    async () => {
      const name = `${run}-gap`;
      const engine = new ScriptedEngine();
      await createWorkload(`${run}-gap`, 'worker', `${run}-gap-old`);
      // A call just after the change, so it belongs to the annotation the change set.
      const later = new Date(Date.now() + 30_000).toISOString();
      engine.usage = [{ at: later, workload: `${run}-gap/worker`, cost: '3' }];
      const operator = await start(engine);
      await eventually(() => (operator.isLeader && operator.ready() ? true : undefined));

      // The connection drops, history is compacted, and objects change while no watch is open.
      cluster.double!.inject({ path: /^\/apis\/argmin\.io/, method: 'GET', status: 503, times: 3 });
      cluster.double!.dropWatches();
      cluster.double!.compact();
      await createCostCenter(name);
      await apps.patchNamespacedDeployment({
        namespace: `${run}-gap`,
        name: 'worker',
        body: [
          { op: 'replace', path: '/metadata/annotations/argmin.io~1cost-center', value: name },
        ],
      });

      await readyWith(name, '3');
      expect(operator.ready()).toBe(true);
      const restarts = await operator.metrics.registry
        .getSingleMetric('argmin_operator_informer_restarts_total')!
        .get();
      expect(restarts.values.reduce((sum, v) => sum + v.value, 0)).toBeGreaterThan(0);
    },
  );

  it('converges to the same status after a restart, writing nothing', async () => {
    const name = `${run}-restart`;
    const engine = new ScriptedEngine();
    await createWorkload(`${run}-restart`, 'web', name);
    engine.usage = [{ at: thisMonth(1, 6), workload: `${run}-restart/web`, cost: '42.42' }];
    await createCostCenter(name, { amount: '100', currency: 'USD', period: 'Monthly' });
    const leaseName = `${run}-restart-lease`;
    const first = await start(engine, { leaseName });
    const converged = await readyWith(name, '42.42');
    await first.stop();

    const writesBefore = countWrites();
    const second = await start(engine, { leaseName });
    await eventually(() => (second.isLeader ? true : undefined));
    await delay(400);
    expect(await statusOf(name)).toEqual(converged);
    expect(countWrites()).toBe(writesBefore);
  });

  it('syncs a CloudConnector and reports rows read, quarantined and accounts seen', async () => {
    const name = `${run}-aws`;
    const engine = new ScriptedEngine();
    engine.syncResults.set(name, {
      rowsRead: 120,
      rowsQuarantined: 2,
      quarantineSamples: [
        { file: 'cur/part-0.csv', line: 7, reason: 'billed cost is not a number' },
      ],
      accountsSeen: ['222222222222', '111111111111'],
    });
    await start(engine);
    await custom.createClusterCustomObject({
      group,
      version,
      plural: 'cloudconnectors',
      body: {
        apiVersion: 'argmin.io/v1alpha1',
        kind: 'CloudConnector',
        metadata: { name },
        spec: {
          provider: 'aws',
          aws: { roleArn: 'arn:aws:iam::111111111111:role/argmin-read' },
          sources: [{ name: 'cur', format: 'aws-cur-2.0', url: 'file:///exports/cur' }],
          schedule: '1h',
        },
      },
    });
    const status = await eventually(async () => {
      const object = (await custom.getClusterCustomObject({
        group,
        version,
        plural: 'cloudconnectors',
        name,
      })) as { status?: Record<string, unknown> };
      return object.status?.lastSyncTime ? object.status : undefined;
    });
    expect(status).toMatchObject({
      rowsRead: 120,
      rowsQuarantined: 2,
      accountsSeen: ['111111111111', '222222222222'],
      quarantineSamples: [{ file: 'cur/part-0.csv', line: 7 }],
    });
    const degraded = (status.conditions as { type: string; status: string }[]).find(
      (c) => c.type === 'Degraded',
    );
    expect(degraded?.status).toBe('True');
    expect(engine.syncCalls).toEqual([name]);
  });

  it('reports a failed sync as a SyncFailed Event and a Synced=False condition', async () => {
    const name = `${run}-gcp`;
    const engine = new ScriptedEngine();
    engine.syncResults.set(name, new Error('billing export dataset not found'));
    await start(engine);
    await custom.createClusterCustomObject({
      group,
      version,
      plural: 'cloudconnectors',
      body: {
        apiVersion: 'argmin.io/v1alpha1',
        kind: 'CloudConnector',
        metadata: { name },
        spec: {
          provider: 'gcp',
          gcp: { projectId: 'billing-prj', dataset: 'billing-prj.export' },
          sources: [{ name: 'billing', format: 'argmin-events', url: 'file:///exports/gcp' }],
        },
      },
    });
    const synced = await eventually(async () => {
      const object = (await custom.getClusterCustomObject({
        group,
        version,
        plural: 'cloudconnectors',
        name,
      })) as { status?: { conditions?: { type: string; status: string; message: string }[] } };
      return object.status?.conditions?.find((c) => c.type === 'Synced');
    });
    expect(synced).toMatchObject({ status: 'False', message: 'billing export dataset not found' });
    const events = cluster.kubeConfig.makeApiClient(EventsV1Api);
    await eventually(async () => {
      const list = await events.listNamespacedEvent({ namespace: 'default' });
      return list.items.some((e) => e.regarding?.name === name && e.reason === 'SyncFailed')
        ? true
        : undefined;
    });
  });

  it('reports an AttributionPolicy coverage at its minimum confidence', async () => {
    const name = `${run}-policy`;
    const engine = new ScriptedEngine();
    await createWorkload(`${run}-cov`, 'owned', `${run}-cov-cc`);
    await createWorkload(`${run}-cov`, 'orphan');
    engine.usage = [
      { at: thisMonth(1, 7), workload: `${run}-cov/owned`, cost: '30' },
      { at: thisMonth(1, 7), workload: `${run}-cov/orphan`, cost: '10' },
    ];
    await start(engine);
    await custom.createClusterCustomObject({
      group,
      version,
      plural: 'attributionpolicies',
      body: {
        apiVersion: 'argmin.io/v1alpha1',
        kind: 'AttributionPolicy',
        metadata: { name },
        spec: { minConfidence: '0.9', scope: { namespaces: [`${run}-cov`] } },
      },
    });
    const status = await eventually(async () => {
      const object = (await custom.getClusterCustomObject({
        group,
        version,
        plural: 'attributionpolicies',
        name,
      })) as { status?: { coverage?: string } };
      return object.status?.coverage;
    });
    expect(status).toBe('0.75');
  });
});

/** Writes to anything but the Lease, which the leader renews by design. */
function countWrites(): number {
  if (!cluster.double) return 0;
  return cluster.double.writes().filter((r) => !r.path.includes('/leases')).length;
}
