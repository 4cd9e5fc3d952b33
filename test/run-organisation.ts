// A small organisation for the run-inputs and run-changes tests: two CostCenters, one namespace
// and Deployment each, a bill of Bedrock input tokens over two days and the requests behind it.
import {
  emptyClusterState,
  type ClusterState,
  type CostCenter,
  type CostRow,
  type Store,
  type UsageEvent,
} from '../attribution/index.js';

export const PERIOD = { start: '2026-11-01T00:00:00Z', end: '2026-12-01T00:00:00Z' };
export const MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';

export function costCenter(name: string, namespace: string, line: number): CostCenter {
  return {
    metadata: { name, labels: {}, annotations: {} },
    spec: { code: name.toUpperCase(), displayName: name, namespaces: [namespace] },
    origin: { file: 'manifests/cost-centers.yaml', line },
  };
}

export function clusterState(): ClusterState {
  const state = emptyClusterState();
  state.costCenters.push(costCenter('cc-search', 'search', 1), costCenter('cc-ads', 'ads', 12));
  for (const [ns, line] of [
    ['search', 1],
    ['ads', 6],
  ] as const) {
    state.namespaces.push({
      metadata: { name: ns, labels: {}, annotations: { 'argmin.io/cost-center': `cc-${ns}` } },
      origin: { file: 'manifests/namespaces.yaml', line },
    });
    state.serviceAccounts.push({
      metadata: { name: 'app', namespace: ns, labels: {}, annotations: {} },
      origin: { file: 'manifests/service-accounts.yaml', line },
    });
    state.workloads.push({
      kind: 'Deployment',
      metadata: { name: 'app', namespace: ns, labels: {}, annotations: {} },
      podLabels: {},
      podAnnotations: {},
      serviceAccountName: 'app',
      images: [`registry.example.com/${ns}:1`],
      origin: { file: 'manifests/workloads.yaml', line },
    });
  }
  return state;
}

export function costRow(id: string, day: string, billedCost: string, kTokens = '3'): CostRow {
  return {
    id,
    source: { connector: 'aws', file: 'cur.csv', line: 2 },
    provider: 'aws',
    billingAccountId: '111122223333',
    subAccountId: '444455556666',
    billingPeriodStart: PERIOD.start,
    billingPeriodEnd: PERIOD.end,
    chargePeriodStart: `${day}T00:00:00Z`,
    chargePeriodEnd: `${day}T23:59:59Z`,
    chargeCategory: 'Usage',
    chargeType: 'Usage',
    serviceName: 'Amazon Bedrock',
    usageType: 'USE1-Claude3.5Sonnet-input-tokens',
    region: 'us-east-1',
    resourceId: null,
    model: MODEL,
    tokenClass: 'inputTokens',
    quantity: kTokens,
    unit: '1K tokens',
    billedCost,
    currency: 'USD',
    principal: null,
    tags: {},
  };
}

export function usageEvent(id: string, timestamp: string, namespace: string): UsageEvent {
  return {
    requestId: id,
    timestamp,
    provider: 'aws',
    model: MODEL,
    inputTokens: 1000,
    outputTokens: 100,
    region: 'us-east-1',
    identity: { serviceAccount: `${namespace}/app` },
  };
}

export const BILL = [
  costRow('line-1', '2026-11-14', '12.30'),
  costRow('line-2', '2026-11-15', '4.50', '1'),
];

/** The bill and three requests: two from search and one from ads on the 14th, one on the 15th. */
export async function seed(store: Store): Promise<void> {
  await store.replaceCostRows('aws', 'cur', [PERIOD.start], BILL);
  await store.insertUsageEvents(
    [
      usageEvent('req-1', '2026-11-14T09:00:00Z', 'search'),
      usageEvent('req-2', '2026-11-14T10:00:00Z', 'search'),
      usageEvent('req-3', '2026-11-14T11:00:00Z', 'ads'),
      usageEvent('req-4', '2026-11-15T11:00:00Z', 'ads'),
    ],
    'test',
  );
}
