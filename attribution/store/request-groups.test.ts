import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addObject, emptyClusterState } from '../cluster-state.js';
import { AttributionGraph } from '../graph.js';
import type { CostRow, TokenClass, UsageEvent } from '../model.js';
import { Money } from '../money.js';
import { reconcile, type Allocation } from '../reconcile.js';
import { groupBoundaries, VIA_ATTRIBUTE } from '../requests.js';
import { requestGroups } from './request-groups.js';
import { Store } from './store.js';

const MODEL = 'anthropic.claude-sonnet-4-20250514-v1:0';
const origin = { file: 'cluster.yaml', line: 1 };
const state = emptyClusterState();
for (const name of ['search', 'ads']) {
  addObject(
    state,
    { apiVersion: 'argmin.io/v1alpha1', kind: 'CostCenter', metadata: { name }, spec: {} },
    origin,
  );
}
for (const [name, costCenter] of [
  ['ranker', 'search'],
  ['bidder', 'ads'],
] as const) {
  addObject(
    state,
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'prod', annotations: { 'argmin.io/cost-center': costCenter } },
      spec: { template: { spec: { serviceAccountName: name } } },
    },
    origin,
  );
}
// The bidder changes hands at noon on the 3rd: its calls before and after go different ways.
addObject(
  state,
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'bidder',
      namespace: 'prod',
      annotations: { 'argmin.io/cost-center': 'search' },
    },
    spec: { template: { spec: { serviceAccountName: 'bidder' } } },
  },
  { file: 'cluster.yaml', line: 40 },
);
state.workloads.at(-1)!.metadata.since = '2026-10-03T12:00:00Z';

let n = 0;
function line(tokenClass: TokenClass | null, billedCost: string, day: number): CostRow {
  n++;
  const d = String(day).padStart(2, '0');
  const next = String(day + 1).padStart(2, '0');
  return {
    id: `line-${n}`,
    source: { connector: 'aws', file: 'cur.csv', line: n },
    provider: 'aws',
    billingAccountId: '000',
    subAccountId: '111',
    billingPeriodStart: '2026-10-01T00:00:00Z',
    billingPeriodEnd: '2026-11-01T00:00:00Z',
    chargePeriodStart: `2026-10-${d}T00:00:00Z`,
    chargePeriodEnd: `2026-10-${next}T00:00:00Z`,
    chargeCategory: 'Usage',
    chargeType: 'Usage',
    serviceName: 'Amazon Bedrock',
    usageType: 'USE1-Claude4Sonnet-tokens',
    region: 'us-east-1',
    resourceId: null,
    model: MODEL,
    tokenClass,
    quantity: null,
    unit: null,
    billedCost,
    currency: 'USD',
    principal: null,
    tags: {},
  };
}

/** A day's worth of calls from each caller, some priced, some without usage, some via a gateway. */
function eventsOf(): UsageEvent[] {
  const events: UsageEvent[] = [];
  for (let i = 0; i < 240; i++) {
    const caller = ['ranker', 'bidder'][i % 2]!;
    const day = 3 + (i % 3);
    const at = new Date(Date.UTC(2026, 9, day, (i * 7) % 24, i % 60, (i * 13) % 60));
    const event: UsageEvent = {
      requestId: `r-${String(i).padStart(4, '0')}`,
      timestamp: at.toISOString().replace('.000Z', 'Z'),
      provider: 'aws',
      model: MODEL,
      identity: { serviceAccount: `prod/${caller}` },
      account: i % 10 === 0 ? undefined : '111',
      region: 'us-east-1',
    };
    if (i % 17 !== 0) Object.assign(event, { inputTokens: 100 + i, outputTokens: 10 + (i % 7) });
    if (i % 5 === 0) event.cacheReadTokens = 0;
    if (i % 3 === 0) event.cost = `0.00${i % 9}`;
    if (i % 11 === 0) event.attributes = { [VIA_ATTRIBUTE]: 'prod/gateway', feature: 'chat' };
    events.push(event);
  }
  return events;
}

describe('requests summed in the store', () => {
  let store: Store;
  const events = eventsOf();
  const rows = [3, 4, 5].flatMap((day) => [
    line('inputTokens', '12.3456', day),
    line('outputTokens', '4.5', day),
    line(null, '1.01', day),
  ]);

  beforeAll(async () => {
    store = await Store.open(undefined);
    await store.insertUsageEvents(events, 'test');
  });
  afterAll(() => store.close());

  const run = (
    input: { events: UsageEvent[] } | { groups: Awaited<ReturnType<typeof requestGroups>> },
    boundaries: string[],
  ) => {
    const graph = new AttributionGraph({ state, people: [], groups: [], codeowners: new Map() });
    return reconcile({
      rows,
      ...input,
      boundaries,
      graph,
      normalizeModel: (_, model) => model,
      estimateCost: (e) =>
        e.inputTokens === undefined ? null : new Money(e.inputTokens).times('0.001'),
    });
  };
  const summary = (allocations: Allocation[]) =>
    allocations
      .map((a) =>
        [
          a.row.id,
          a.attribution.costCenter,
          a.attribution.service,
          a.requests,
          a.cost.toString(),
        ].join(' '),
      )
      .sort();

  it('attributes exactly as the requests one by one, over far fewer groups', async () => {
    const graph = new AttributionGraph({ state, people: [], groups: [], codeowners: new Map() });
    const boundaries = groupBoundaries(rows, graph.changes());
    const groups = await requestGroups(
      store.sql,
      '2026-10-01T00:00:00Z',
      '2026-11-01T00:00:00Z',
      boundaries,
    );
    expect(groups.length).toBeLessThan(events.length / 4);
    expect(groups.reduce((sum, g) => sum + g.requests, 0)).toBe(events.length);

    const byEvent = run({ events }, boundaries);
    const byGroup = run({ groups }, boundaries);
    expect(summary(byGroup)).toEqual(summary(byEvent));
    // The change of hands at noon shows: the bidder's spend on the 3rd goes two ways.
    const bidderOnThird = byGroup.filter(
      (a) => a.row.id === rows[0]!.id && a.attribution.service === 'prod/bidder',
    );
    expect(new Set(bidderOnThird.map((a) => a.attribution.costCenter))).toEqual(
      new Set(['ads', 'search']),
    );
  });

  it('never lets a group span a boundary, so a line covers a group whole or not at all', async () => {
    const boundaries = ['2026-10-03T12:00:00Z', '2026-10-04T00:00:00Z'];
    const groups = await requestGroups(
      store.sql,
      '2026-10-03T00:00:00Z',
      '2026-10-05T00:00:00Z',
      boundaries,
    );
    const inWindow = events.filter(
      (e) => e.timestamp >= '2026-10-03T00:00:00Z' && e.timestamp < '2026-10-05T00:00:00Z',
    );
    const spans = (from: string, to: string) => (t: string) => t >= from && t < to;
    for (const [from, to] of [
      ['2026-10-03T00:00:00Z', '2026-10-03T12:00:00Z'],
      ['2026-10-03T12:00:00Z', '2026-10-04T00:00:00Z'],
      ['2026-10-04T00:00:00Z', '2026-10-05T00:00:00Z'],
    ] as const) {
      const inside = spans(from, to);
      const summed = groups.filter((g) => inside(g.timestamp)).reduce((s, g) => s + g.requests, 0);
      expect(summed).toBe(inWindow.filter((e) => inside(e.timestamp)).length);
    }
  });

  it('keeps unknown usage, own costs and shared-service calls apart', async () => {
    const groups = await requestGroups(
      store.sql,
      '2026-10-01T00:00:00Z',
      '2026-11-01T00:00:00Z',
      [],
    );
    expect(groups.filter((g) => g.via === 'prod/gateway').reduce((s, g) => s + g.requests, 0)).toBe(
      events.filter((e) => e.attributes?.[VIA_ATTRIBUTE]).length,
    );
    const priced = groups.filter((g) => g.cost !== undefined);
    expect(priced.reduce((s, g) => s + g.requests, 0)).toBe(
      events.filter((e) => e.cost !== undefined).length,
    );
    expect(groups.some((g) => !g.usageKnown && g.cost === undefined)).toBe(true);
    expect(groups.every((g) => g.usageKnown || g.tokens.inputTokens === 0)).toBe(true);
  });
});
