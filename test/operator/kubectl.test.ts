// kubectl, a second and independent client, against the API the operator runs on: what a platform
// team sees with `kubectl apply`, `kubectl get` and `kubectl annotate`, and the operator's
// `/healthz`, `/readyz` and `/metrics` answering over HTTP.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningOperator } from '../../operator/index.js';
import { installCrds, startTestCluster, type TestCluster } from '../kube-double/index.js';
import { eventually, runOperator, ScriptedEngine } from './harness.js';

let cluster: TestCluster;
let operator: RunningOperator;
const engine = new ScriptedEngine();
const name = `kubectl-${Date.now().toString(36)}`;

/** Runs kubectl without blocking the event loop the double answers on. */
function kubectl(args: string[], input?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      'kubectl',
      ['--kubeconfig', cluster.kubeconfigPath, ...args],
      { encoding: 'utf8' },
      (err, stdout, stderr) => resolve({ code: err ? 1 : 0, out: `${stdout}${stderr}` }),
    );
    child.stdin?.end(input ?? '');
  });
}

beforeAll(async () => {
  cluster = await startTestCluster();
  await installCrds(cluster.kubeConfig);
  // A call after the annotation below is made, so the annotation's cost center owns it.
  const later = new Date(Date.now() + 60_000).toISOString();
  engine.usage = [{ at: later, workload: `${name}/web`, cost: '12.5' }];
  operator = await runOperator(cluster, engine, { metricsListen: '127.0.0.1:0' });
});
afterAll(async () => {
  await operator.stop();
  await cluster.close();
});

const manifest = (budgetAmount: string) =>
  JSON.stringify({
    apiVersion: 'argmin.io/v1alpha1',
    kind: 'CostCenter',
    metadata: { name },
    spec: {
      code: 'KCTL',
      displayName: 'kubectl team',
      budget: { amount: budgetAmount, currency: 'USD', period: 'Monthly' },
    },
  });

describe('kubectl against the operator', () => {
  it('rejects an invalid CostCenter with the CEL rule message', async () => {
    const result = await kubectl(['apply', '--validate=false', '-f', '-'], manifest('-5'));
    expect(result.code).toBe(1);
    expect(result.out).toContain('budget amount must not be negative');
  });

  it('shows an applied CostCenter Ready with its spend in `kubectl get`', async () => {
    const applied = await kubectl(['apply', '--validate=false', '-f', '-'], manifest('100'));
    expect(applied.out).toContain(`costcenter.argmin.io/${name} created`);
    const namespace = JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    await kubectl(['apply', '--validate=false', '-f', '-'], namespace);
    const deployment = JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: name },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'registry.example/web:1' }] },
        },
      },
    });
    await kubectl(['apply', '--validate=false', '-f', '-'], deployment);
    const annotated = await kubectl([
      'annotate',
      'deployment',
      'web',
      '-n',
      name,
      `argmin.io/cost-center=${name}`,
    ]);
    expect(annotated.code).toBe(0);

    const ready = await eventually(async () => {
      const got = await kubectl([
        'get',
        'costcenter',
        name,
        '-o',
        'jsonpath={.status.spend} {.status.conditions[?(@.type=="Ready")].status}',
      ]);
      return got.out === '12.5 True' ? got.out : undefined;
    });
    expect(ready).toBe('12.5 True');

    const table = await kubectl(['get', 'argmin']);
    expect(table.out).toMatch(new RegExp(`${name}\\s+KCTL\\s+100\\s+USD\\s+12\\.5\\s+12\\.50`));
  });

  it('serves /healthz, /readyz and /metrics with reconcile counts', async () => {
    const base = `http://${operator.healthAddress}`;
    await eventually(async () =>
      (await fetch(`${base}/readyz`)).status === 200 ? true : undefined,
    );
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(
      /argmin_operator_reconciles_total\{controller="costcenter",result="success"\} [1-9]/,
    );
    expect(metrics).toContain('argmin_operator_queue_depth');
  });
});
