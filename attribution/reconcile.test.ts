import { describe, expect, it } from 'vitest';
import { addObject, emptyClusterState } from './cluster-state.js';
import { AttributionGraph } from './graph.js';
import type { ChargeCategory, CostRow, UsageEvent } from './model.js';
import { moneyText, Money } from './money.js';
import { reconcile } from './reconcile.js';
import { buildReport } from './report.js';

const state = emptyClusterState();
const origin = { file: 'cluster.yaml', line: 1 };
addObject(
  state,
  { apiVersion: 'argmin.io/v1alpha1', kind: 'CostCenter', metadata: { name: 'search' }, spec: {} },
  origin,
);
addObject(
  state,
  {
    apiVersion: 'argmin.io/v1alpha1',
    kind: 'CostCenter',
    metadata: { name: 'sandbox' },
    spec: { accounts: ['222'] },
  },
  origin,
);
addObject(
  state,
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'ranker',
      namespace: 'search',
      annotations: { 'argmin.io/cost-center': 'search' },
    },
    spec: { template: { spec: { serviceAccountName: 'ranker' } } },
  },
  origin,
);
const graph = new AttributionGraph({ state, people: [], groups: [], codeowners: new Map() });
const MODEL = 'anthropic.claude-sonnet-4-20250514-v1:0';

let line = 1;
function row(
  chargeCategory: ChargeCategory,
  billedCost: string,
  extra: Partial<CostRow> = {},
): CostRow {
  line++;
  return {
    id: `line-${line}`,
    source: { connector: 'aws', file: 'cur.csv', line },
    provider: 'aws',
    billingAccountId: '000',
    subAccountId: '111',
    billingPeriodStart: '2026-10-01T00:00:00Z',
    billingPeriodEnd: '2026-11-01T00:00:00Z',
    chargePeriodStart: '2026-10-03T00:00:00Z',
    chargePeriodEnd: '2026-10-04T00:00:00Z',
    chargeCategory,
    chargeType: chargeCategory === 'Purchase' ? 'Fee' : chargeCategory,
    serviceName: 'Amazon Bedrock',
    usageType: 'USE1-Claude4Sonnet-input-tokens',
    region: 'us-east-1',
    resourceId: null,
    model: chargeCategory === 'Usage' ? MODEL : null,
    tokenClass: chargeCategory === 'Usage' ? 'inputTokens' : null,
    quantity: null,
    unit: null,
    billedCost,
    currency: 'USD',
    principal: null,
    tags: {},
    ...extra,
  };
}

function event(
  requestId: string,
  inputTokens: number,
  extra: Partial<UsageEvent> = {},
): UsageEvent {
  return {
    requestId,
    timestamp: '2026-10-03T12:00:00Z',
    provider: 'aws',
    model: `us.${MODEL}`,
    inputTokens,
    account: '111',
    service: 'search/ranker',
    ...extra,
  };
}

const normalizeModel = (_provider: string, model: string) => model.replace(/^us\./, '');

function run(rows: CostRow[], events: UsageEvent[]) {
  const allocations = reconcile({ rows, events, graph, normalizeModel });
  const report = buildReport({
    currency: 'USD',
    costView: 'billed',
    period: { start: '2026-10-01T00:00:00Z', end: '2026-11-01T00:00:00Z' },
    allocations,
    outOfScope: { rows: 0, cost: new Money(0) },
    quarantined: [],
  });
  return { allocations, report };
}

describe('reconciliation', () => {
  it('nets usage of +30 and a credit of -30 to 0 while gross usage stays visible', () => {
    const { report } = run([row('Usage', '30'), row('Credit', '-30')], [event('r1', 1000)]);
    expect(report.totals).toMatchObject({ billed: '0', attributed: '0', unattributed: '0' });
    expect(report.totals.byChargeCategory).toEqual({ Usage: '30', Credit: '-30' });
    const search = report.rows.filter((r) => r.costCenter === 'search').map((r) => r.cost);
    expect(search).toEqual(['30', '-30']);
  });

  it('counts a Fee and a Tax line instead of dropping them', () => {
    const { report } = run(
      [row('Usage', '10'), row('Purchase', '2.5'), row('Tax', '1.25')],
      [event('r1', 1000)],
    );
    expect(report.totals.billed).toBe('13.75');
    expect(report.totals.byChargeCategory).toEqual({ Usage: '10', Purchase: '2.5', Tax: '1.25' });
    expect(report.totals.attributed).toBe('13.75');
  });

  it('distributes a line over its requests by tokens of its class, to the cent', () => {
    const events = [
      event('r1', 2000),
      event('r2', 1000, { service: undefined, identity: { serviceAccount: 'other/none' } }),
    ];
    const { report } = run([row('Usage', '0.10')], events);
    const byCenter = Object.fromEntries(report.rows.map((r) => [String(r.costCenter), r.cost]));
    expect(byCenter).toEqual({ search: '0.066667', null: '0.033333' });
    expect(report.totals.billed).toBe('0.1');
  });

  it('leaves billed tokens beyond the requests to the account owner, then unattributed', () => {
    const rows = [
      row('Usage', '4', { quantity: '4', unit: '1K tokens' }),
      row('Usage', '8', { subAccountId: '222', quantity: '4', unit: '1K tokens' }),
    ];
    const events = [event('r1', 1000), event('r2', 1000, { account: '222' })];
    const { report } = run(rows, events);
    const sums = new Map<string, Money>();
    for (const r of report.rows) {
      const key = String(r.costCenter);
      sums.set(key, (sums.get(key) ?? new Money(0)).plus(r.cost));
    }
    expect(Object.fromEntries([...sums].map(([k, v]) => [k, moneyText(v)]))).toEqual({
      search: '3',
      sandbox: '6',
      null: '3',
    });
    expect(report.totals).toMatchObject({ billed: '12', attributed: '9', unattributed: '3' });
  });

  it('puts a line with no matching requests in the unattributed bucket with its reason', () => {
    const { report } = run(
      [row('Usage', '5')],
      [event('r1', 1000, { model: 'amazon.nova-pro-v1:0' })],
    );
    expect(report.rows).toEqual([
      expect.objectContaining({
        costCenter: null,
        cost: '5',
        confidence: 0,
        evidence: ['bill line has no matching requests'],
      }),
    ]);
  });

  it('does not count an unknown token count as zero usage of the wrong class', () => {
    const { report } = run(
      [row('Usage', '1', { tokenClass: 'outputTokens' })],
      [event('r1', 1000, { outputTokens: undefined })],
    );
    expect(report.totals.unattributed).toBe('1');
  });

  it('keeps every confidence within [0, 0.95] and totals equal to the bill', () => {
    const rows = [row('Usage', '0.1234567891'), row('Credit', '-0.0000000001'), row('Tax', '0.01')];
    const { report } = run(rows, [event('r1', 7), event('r2', 3)]);
    for (const r of report.rows) expect(r.confidence).toBeLessThanOrEqual(0.95);
    const sum = report.rows.reduce((s, r) => s.plus(r.cost), new Money(0));
    expect(moneyText(sum)).toBe('0.1334567890'.replace(/0+$/, ''));
    expect(report.totals.billed).toBe(moneyText(sum));
  });
});

describe('reconciliation by region', () => {
  it('meets a line only with requests of its own region, when both are known', () => {
    const rows = [
      row('Usage', '6', { region: 'us-east-1' }),
      row('Usage', '4', { region: 'us-west-2' }),
    ];
    const events = [
      event('east', 1000, { region: 'us-east-1' }),
      event('west', 1000, { region: 'us-west-2', service: undefined }),
    ];
    const { report } = run(rows, events);
    const byCenter = Object.fromEntries(report.rows.map((r) => [String(r.costCenter), r.cost]));
    expect(byCenter).toEqual({ search: '6', null: '4' });
  });
});

describe('cost views', () => {
  it('distributes the amortized cost in the effective view and the invoice in the billed view', () => {
    const rows = [
      row('Usage', '10', { effectiveCost: '7' }),
      row('Purchase', '100', { effectiveCost: '0' }),
    ];
    const events = [event('r1', 1000)];
    const billed = reconcile({ rows, events, graph, normalizeModel });
    const effective = reconcile({ rows, events, graph, normalizeModel, costView: 'effective' });
    const total = (a: typeof billed) => moneyText(a.reduce((s, x) => s.plus(x.cost), new Money(0)));
    expect(total(billed)).toBe('110');
    expect(total(effective)).toBe('7');
  });
});

describe('the graph over time', () => {
  const changing = emptyClusterState();
  addObject(
    changing,
    {
      apiVersion: 'argmin.io/v1alpha1',
      kind: 'CostCenter',
      metadata: { name: 'search' },
      spec: {},
    },
    origin,
  );
  const ranker = (annotations: Record<string, string>) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'ranker', namespace: 'search', annotations },
    spec: { template: { spec: { serviceAccountName: 'ranker' } } },
  });
  addObject(changing, ranker({}), origin);
  addObject(changing, ranker({ 'argmin.io/cost-center': 'search' }), origin);
  changing.workloads[1]!.metadata.since = '2026-10-03T12:00:00Z';
  const timeGraph = new AttributionGraph({
    state: changing,
    people: [],
    groups: [],
    codeowners: new Map(),
  });

  it('splits a day of spend at the moment an annotation was added', () => {
    const events = [
      event('before', 1000, { timestamp: '2026-10-03T10:00:00Z' }),
      event('after', 3000, { timestamp: '2026-10-03T14:00:00Z' }),
    ];
    const allocations = reconcile({
      rows: [row('Usage', '8')],
      events,
      graph: timeGraph,
      normalizeModel,
    });
    const byCenter = Object.fromEntries(
      allocations.map((a) => [String(a.attribution.costCenter), a.cost]),
    );
    expect(byCenter).toEqual({ search: '6', null: '2' });
    const evidence = allocations.find((a) => a.attribution.costCenter)!.attribution.edges;
    expect(evidence.at(-1)?.evidence).toContain('since 2026-10-03T12:00:00Z');
  });
});
