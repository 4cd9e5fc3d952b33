// What the operator suites share: a faithful stand-in for the attribution engine (the operator's
// contract with it, not its arithmetic), an operator started with short timings, and polling.
import { Decimal } from 'decimal.js';
import pino from 'pino';
import {
  COST_CENTER_ANNOTATION,
  type CloudConnector,
  type ClusterState,
  type Workload,
} from '../../attribution/index.js';
import {
  startOperator,
  type AttributionEngine,
  type AttributionOutcome,
  type AttributionWindow,
  type AttributedSpend,
  type ConnectorSyncResult,
  type OperatorOptions,
  type RunningOperator,
} from '../../operator/index.js';
import type { TestCluster } from '../kube-double/index.js';

/** One billed call of a workload, `namespace/name`, at a moment. */
export interface UsageRecord {
  at: string;
  workload: string;
  cost: string;
  currency?: string;
  account?: string;
}

/**
 * Attributes each record through the workload version in force at the record's moment: its own
 * `argmin.io/cost-center` annotation (0.95), else its namespace's (0.9), else unattributed. Sync
 * results are scripted per connector.
 */
export class ScriptedEngine implements AttributionEngine {
  usage: UsageRecord[] = [];
  syncResults = new Map<string, ConnectorSyncResult | Error>();
  syncCalls: string[] = [];
  attributeCalls = 0;

  async syncConnector(connector: CloudConnector): Promise<ConnectorSyncResult> {
    const name = connector.metadata.name;
    this.syncCalls.push(name);
    const result = this.syncResults.get(name) ?? {
      rowsRead: 0,
      rowsQuarantined: 0,
      quarantineSamples: [],
      accountsSeen: [],
    };
    if (result instanceof Error) throw result;
    return result;
  }

  async attribute(state: ClusterState, window: AttributionWindow): Promise<AttributionOutcome> {
    this.attributeCalls++;
    const start = Date.parse(window.start);
    const end = Date.parse(window.end);
    const groups = new Map<string, AttributedSpend>();
    let dataThrough: number | null = null;
    for (const record of this.usage) {
      const at = Date.parse(record.at);
      if (at < start || at >= end) continue;
      dataThrough = Math.max(dataThrough ?? at, at);
      const [namespace, name] = record.workload.split('/') as [string, string];
      const slice = this.resolve(state, namespace, name, at);
      const currency = record.currency ?? 'USD';
      const key = `${slice.costCenter}|${slice.confidence}|${currency}|${namespace}`;
      const group = groups.get(key) ?? { ...slice, cost: '0', currency, namespace };
      group.cost = new Decimal(group.cost).plus(record.cost).toFixed();
      groups.set(key, group);
    }
    return {
      spend: [...groups.values()],
      dataThrough: dataThrough === null ? null : new Date(dataThrough).toISOString(),
    };
  }

  private resolve(
    state: ClusterState,
    namespace: string,
    name: string,
    at: number,
  ): { costCenter: string | null; confidence: string } {
    const inForce = <T extends { metadata: { since?: string | null } }>(versions: T[]) =>
      versions.filter((v) => !v.metadata.since || Date.parse(v.metadata.since) <= at).pop();
    const workload = inForce(
      state.workloads.filter(
        (w: Workload) => w.metadata.namespace === namespace && w.metadata.name === name,
      ),
    );
    const own = workload?.metadata.annotations[COST_CENTER_ANNOTATION];
    if (own) return { costCenter: own, confidence: '0.95' };
    const ns = inForce(state.namespaces.filter((n) => n.metadata.name === namespace));
    const inherited = ns?.metadata.annotations[COST_CENTER_ANNOTATION];
    if (inherited) return { costCenter: inherited, confidence: '0.9' };
    return { costCenter: null, confidence: '0' };
  }
}

export const silentLogger = pino({ level: 'silent' });

export const FAST: Partial<OperatorOptions> = {
  leaseDurationSeconds: 1,
  renewDeadlineMs: 400,
  retryPeriodMs: 150,
  resyncPeriodMs: 60_000,
  settleMs: 30,
  backoff: { baseMs: 50, capMs: 500 },
};

export function runOperator(
  cluster: TestCluster,
  engine: AttributionEngine,
  options: Partial<OperatorOptions> = {},
): Promise<RunningOperator> {
  const identity = options.identity ?? `operator-${Math.random().toString(36).slice(2, 8)}`;
  return startOperator({
    kubeConfig: cluster.clientConfig(identity),
    engine,
    logger: silentLogger,
    identity,
    leaseNamespace: 'default',
    leaseName: `argmin-test-${Math.random().toString(36).slice(2, 8)}`,
    ...FAST,
    ...options,
  });
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
