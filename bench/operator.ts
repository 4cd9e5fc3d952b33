// Reconcile throughput of the operator against the Kubernetes API double over HTTP: 1,000
// CostCenters and 5,000 annotated Deployments, from a cold start until every CostCenter is Ready
// with its spend. The engine is scripted, so the figure is the operator's own cost (informers,
// queue, status writes), not attribution arithmetic.
import { AppsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { installCrds, startTestCluster } from '../test/kube-double/index.js';
import { runOperator, ScriptedEngine, type UsageRecord } from '../test/operator/harness.js';

const COST_CENTERS = 1_000;
const WORKLOADS = 5_000;
const NAMESPACES = 50;
const CREATE_CONCURRENCY = 32;

export async function run(): Promise<void> {
  const cluster = await startTestCluster();
  await installCrds(cluster.kubeConfig);
  const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  const apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
  const now = new Date();
  const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1, 1)).toISOString();

  const seedStart = performance.now();
  for (let n = 0; n < NAMESPACES; n++) {
    await core.createNamespace({ body: { metadata: { name: `bench-${n}` } } });
  }
  const usage: UsageRecord[] = [];
  await inParallel(WORKLOADS, async (i) => {
    const namespace = `bench-${i % NAMESPACES}`;
    const name = `svc-${i}`;
    usage.push({ at, workload: `${namespace}/${name}`, cost: '1.25' });
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name, annotations: { 'argmin.io/cost-center': `cc-${i % COST_CENTERS}` } },
        spec: {
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name: 'app', image: `registry.example/${name}:1` }] },
          },
        },
      },
    });
  });
  await inParallel(COST_CENTERS, (i) =>
    custom.createClusterCustomObject({
      group: 'argmin.io',
      version: 'v1alpha1',
      plural: 'costcenters',
      body: {
        apiVersion: 'argmin.io/v1alpha1',
        kind: 'CostCenter',
        metadata: { name: `cc-${i}` },
        spec: {
          code: `CC${i}`,
          displayName: `Cost center ${i}`,
          budget: { amount: '100', currency: 'USD', period: 'Monthly' },
        },
      },
    }),
  );
  const seedSeconds = (performance.now() - seedStart) / 1000;

  const engine = new ScriptedEngine();
  engine.usage = usage;
  const double = cluster.double!;
  const writesBefore = double.writes(/\/status$/).length;
  const start = performance.now();
  const operator = await runOperator(cluster, engine, { workers: 8 });
  const ready = () => {
    for (let i = 0; i < COST_CENTERS; i++) {
      const status = double.peek('argmin.io', 'costcenters', undefined, `cc-${i}`)?.status as
        { spend?: string } | undefined;
      if (status?.spend !== '6.25') return false;
    }
    return true;
  };
  while (!ready()) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - start) / 1000;
  const statusWrites = double.writes(/\/status$/).length - writesBefore;
  await operator.stop();
  await cluster.close();

  console.log(
    `seeded ${WORKLOADS} Deployments and ${COST_CENTERS} CostCenters in ${seedSeconds.toFixed(1)} s`,
  );
  console.log(
    `cold start to ${COST_CENTERS} CostCenters Ready: ${seconds.toFixed(2)} s, ` +
      `${(COST_CENTERS / seconds).toFixed(0)} reconciles/s, ${statusWrites} status writes, ` +
      `${engine.attributeCalls} attribution runs`,
  );
}

async function inParallel(count: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, worker));
}
