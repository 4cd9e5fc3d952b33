// A bill line that names a model but no token class: shared by what its requests cost, where every
// request's cost is known, and by tokens where one is unpriced.
import { describe, expect, it } from 'vitest';
import { addObject, emptyClusterState } from './cluster-state.js';
import { AttributionGraph } from './graph.js';
import type { CostRow, UsageEvent } from './model.js';
import { Money, moneyText } from './money.js';
import { parsePriceBookFile, PriceBook } from './price-book.js';
import { reconcile } from './reconcile.js';

const MODEL = 'anthropic.claude-sonnet-4-20250514-v1:0';
const state = emptyClusterState();
const origin = { file: 'cluster.yaml', line: 1 };
for (const [namespace, name] of [
  ['search', 'ranker'],
  ['payments', 'scorer'],
] as const) {
  const costCenter = { apiVersion: 'argmin.io/v1alpha1', kind: 'CostCenter' };
  addObject(state, { ...costCenter, metadata: { name: namespace }, spec: {} }, origin);
  addObject(
    state,
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, annotations: { 'argmin.io/cost-center': namespace } },
      spec: { template: { spec: { serviceAccountName: name } } },
    },
    origin,
  );
}
const graph = new AttributionGraph({ state, people: [], groups: [], codeowners: new Map() });
const normalizeModel = (_provider: string, model: string) => model.replace(/^us\./, '');
const book = new PriceBook(
  parsePriceBookFile(
    `provider: aws
currency: USD
perTokens: 1000
source: test list
models:
  - model: ${MODEL}
    versions:
      - effectiveFrom: '2026-01-01'
        inputTokens: '0.003'
        outputTokens: '0.015'
`,
    'book.yaml',
  ).versions,
  { normalizeModel },
);

const line: CostRow = {
  id: 'line-1',
  source: { connector: 'aws', file: 'cur.csv', line: 2 },
  provider: 'aws',
  billingAccountId: '000',
  subAccountId: '111',
  billingPeriodStart: '2026-10-01T00:00:00Z',
  billingPeriodEnd: '2026-11-01T00:00:00Z',
  chargePeriodStart: '2026-10-03T00:00:00Z',
  chargePeriodEnd: '2026-10-04T00:00:00Z',
  chargeCategory: 'Usage',
  chargeType: 'Usage',
  serviceName: 'Amazon Bedrock',
  usageType: 'USE1-Claude4Sonnet',
  region: 'us-east-1',
  resourceId: null,
  model: MODEL,
  tokenClass: null,
  quantity: null,
  unit: null,
  billedCost: '10',
  currency: 'USD',
  principal: null,
  tags: {},
};

function call(requestId: string, service: string, extra: Partial<UsageEvent>): UsageEvent {
  return {
    requestId,
    timestamp: '2026-10-03T12:00:00Z',
    provider: 'aws',
    model: `us.${MODEL}`,
    account: '111',
    service,
    ...extra,
  };
}

function byCenter(events: UsageEvent[]) {
  const allocations = reconcile({
    rows: [line],
    events,
    graph,
    normalizeModel,
    estimateCost: (e) => book.estimateCost(e),
  });
  const sums = new Map<string, Money>();
  for (const a of allocations) {
    const key = String(a.attribution.costCenter);
    sums.set(key, (sums.get(key) ?? new Money(0)).plus(a.cost));
  }
  return {
    costs: Object.fromEntries([...sums].map(([k, v]) => [k, moneyText(v)])),
    evidence: [...new Set(allocations.map((a) => a.attribution.edges[0]!.evidence))],
  };
}

describe('reconciling a line with no token class', () => {
  it("goes by the requests' estimated cost from the price book", () => {
    // Search: 1000 in + 0 out = 0.003. Payments: 0 in + 1000 out = 0.015. Tokens alone would split
    // the line in half; cost splits it 1 : 5.
    const { costs, evidence } = byCenter([
      call('r1', 'search/ranker', { inputTokens: 1000, outputTokens: 0 }),
      call('r2', 'payments/scorer', { inputTokens: 0, outputTokens: 1000 }),
    ]);
    expect(costs).toEqual({ search: '1.666667', payments: '8.333333' });
    expect(evidence).toEqual(['bill line distributed over its requests by their estimated cost']);
  });

  it("takes a request's own cost over the book's estimate", () => {
    const { costs } = byCenter([
      call('r1', 'search/ranker', { inputTokens: 1000, outputTokens: 0, cost: '0.015' }),
      call('r2', 'payments/scorer', { inputTokens: 0, outputTokens: 1000 }),
    ]);
    expect(costs).toEqual({ search: '5', payments: '5' });
  });

  it('goes by tokens, not by a zero cost, when one request is unpriced', () => {
    const { costs, evidence } = byCenter([
      call('r1', 'search/ranker', { inputTokens: 1000, outputTokens: 0 }),
      // Its input count is unknown, so its cost is too; it must not count as free.
      call('r2', 'payments/scorer', { outputTokens: 3000 }),
      call('r3', 'payments/scorer', { inputTokens: 0, outputTokens: 3000 }),
    ]);
    expect(costs).toEqual({ search: '1.428571', payments: '8.571429' });
    expect(evidence).toEqual([
      'bill line distributed over its requests by their tokens (some requests are unpriced)',
    ]);
  });
});
