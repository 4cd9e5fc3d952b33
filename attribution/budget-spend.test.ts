import { describe, expect, it } from 'vitest';
import { spendTimeline } from './budget-spend.js';
import { budgetStatuses } from './budgets.js';
import type { Attribution } from './evidence.js';
import type { ChargeCategory, CostRow, UsageEvent } from './model.js';
import type { Allocation } from './reconcile.js';
import type { CostCenter } from './resources.js';

const MODEL = 'anthropic.claude-sonnet-4-20250514-v1:0';

function line(id: string, chargeCategory: ChargeCategory): CostRow {
  return {
    id,
    source: { connector: 'aws', file: 'cur.csv', line: 2 },
    provider: 'aws',
    billingAccountId: '000',
    subAccountId: '111',
    billingPeriodStart: '2026-03-01T00:00:00Z',
    billingPeriodEnd: '2026-04-01T00:00:00Z',
    chargePeriodStart: '2026-03-31T00:00:00Z',
    chargePeriodEnd: '2026-04-01T00:00:00Z',
    chargeCategory,
    chargeType: chargeCategory,
    serviceName: 'Amazon Bedrock',
    usageType: 'USE1-Claude4Sonnet-input-tokens',
    region: 'us-east-1',
    resourceId: null,
    model: chargeCategory === 'Usage' ? MODEL : null,
    tokenClass: chargeCategory === 'Usage' ? 'inputTokens' : null,
    quantity: null,
    unit: null,
    billedCost: '0',
    currency: 'USD',
    principal: null,
    tags: {},
  };
}

const to = (costCenter: string): Attribution => ({
  costCenter,
  service: null,
  team: null,
  person: null,
  edges: [],
});

function allocation(row: CostRow, costCenter: string, cost: string, requests: number): Allocation {
  return { row, attribution: to(costCenter), model: row.model, requests, cost };
}

function request(id: string, at: string, inputTokens: number, team: string): UsageEvent {
  return {
    requestId: id,
    timestamp: at,
    provider: 'aws',
    model: `us.${MODEL}`,
    inputTokens,
    account: '111',
    attributes: { team },
  };
}

const usage = line('usage-1', 'Usage');
const events = [
  request('a', '2026-03-31T10:05:00Z', 100, 'tokyo'),
  request('b', '2026-03-31T23:40:00Z', 300, 'tokyo'),
  // Another CostCenter's request in the same line does not time this one's slice.
  request('c', '2026-03-31T02:00:00Z', 1000, 'berlin'),
];
const inputs = {
  events,
  normalizeModel: (_provider: string, model: string) => model.replace(/^us\./, ''),
  costCenterOf: (event: UsageEvent) => event.attributes?.team ?? null,
};

describe('spendTimeline', () => {
  it('places request-distributed spend at its requests, to the quarter hour, by their tokens', () => {
    const timeline = spendTimeline({
      ...inputs,
      allocations: [allocation(usage, 'tokyo', '8', 2), allocation(usage, 'berlin', '20', 1)],
    });
    const tokyo = timeline.points
      .filter((p) => p.costCenter === 'tokyo')
      .map((p) => [
        new Date(p.startMs).toISOString(),
        new Date(p.endMs).toISOString(),
        `${p.gross}`,
      ]);
    expect(tokyo).toEqual([
      ['2026-03-31T10:00:00.000Z', '2026-03-31T10:15:00.000Z', '2'],
      ['2026-03-31T23:30:00.000Z', '2026-03-31T23:45:00.000Z', '6'],
    ]);
    expect(timeline.dataThroughMs).toBe(Date.parse('2026-04-01T00:00:00Z'));
  });

  it('spreads spend with no requests over its charge period, and counts credits as net only', () => {
    const credit = { ...line('credit-1', 'Credit') };
    const timeline = spendTimeline({
      allocations: [allocation(usage, 'tokyo', '24', 0), allocation(credit, 'tokyo', '-5', 0)],
    });
    expect(timeline.points.map((p) => [p.startMs, p.endMs, `${p.gross}`, `${p.net}`])).toEqual([
      [Date.parse('2026-03-31T00:00:00Z'), Date.parse('2026-04-01T00:00:00Z'), '24', '19'],
    ]);
  });

  it('lets a budget in Asia/Tokyo count a request at 23:40 UTC on 31 March in April', () => {
    const timeline = spendTimeline({
      ...inputs,
      allocations: [allocation(usage, 'tokyo', '8', 2)],
    });
    const tokyo: CostCenter = {
      metadata: { name: 'tokyo', labels: {}, annotations: {} },
      spec: {
        code: 'T',
        displayName: 'Tokyo',
        timeZone: 'Asia/Tokyo',
        budget: { amount: '100', currency: 'USD', period: 'Monthly' },
      },
      origin: { file: 'cc.yaml', line: 1 },
    };
    const statuses = budgetStatuses({ costCenters: [tokyo], timeline });
    expect(statuses.map((s) => [s.period.start.slice(0, 10), s.spend])).toEqual([
      ['2026-02-28', '2'],
      ['2026-03-31', '6'],
    ]);
  });
});
