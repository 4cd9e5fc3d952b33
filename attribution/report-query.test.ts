import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, freshDatabase, type TestDatabase } from '../test/databases.js';
import { edge, type Attribution } from './evidence.js';
import type { ChargeCategory, CostRow, UsageEvent } from './model.js';
import { Money, ZERO } from './money.js';
import type { Allocation } from './reconcile.js';
import { buildReport } from './report.js';
import { groupsCsv, groupsTable } from './report-query-format.js';
import {
  parseDay,
  parseGroupBy,
  queryReport,
  ReportQueryError,
  type GroupedReport,
} from './report-query.js';
import { Store } from './store/index.js';
import { saveRun } from './store/runs.js';

const ACCOUNT = '210987654321';
const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';

function line(id: string, category: ChargeCategory, start: string, end: string): CostRow {
  return {
    id,
    source: { connector: 'aws', file: 'cur.csv', line: 2 },
    provider: 'aws',
    billingAccountId: '111122223333',
    subAccountId: ACCOUNT,
    billingPeriodStart: '2026-10-01T00:00:00Z',
    billingPeriodEnd: '2026-11-01T00:00:00Z',
    chargePeriodStart: start,
    chargePeriodEnd: end,
    chargeCategory: category,
    chargeType: category,
    serviceName: 'Amazon Bedrock',
    usageType: 'USE1-Haiku-input-tokens',
    region: 'us-east-1',
    resourceId: null,
    model: category === 'Usage' ? MODEL : null,
    tokenClass: category === 'Usage' ? 'inputTokens' : null,
    quantity: null,
    unit: null,
    billedCost: '0',
    currency: 'USD',
    principal: null,
    tags: {},
  };
}

function to(costCenter: string | null, service: string | null, confidence: string): Attribution {
  return {
    costCenter,
    service,
    team: costCenter,
    person: null,
    edges: costCenter ? [edge(confidence, `evidence for ${service}`)] : [],
  };
}

function slice(row: CostRow, attribution: Attribution, cost: string): Allocation {
  return { row, attribution, model: row.model, requests: 1, cost };
}

const DAY_3 = line('u3', 'Usage', '2026-10-03T00:00:00Z', '2026-10-04T00:00:00Z');
const DAY_4 = line('u4', 'Usage', '2026-10-04T00:00:00Z', '2026-10-05T00:00:00Z');
const TAX = line('tax', 'Tax', '2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z');
const CREDIT = line('credit', 'Credit', '2026-10-03T00:00:00Z', '2026-10-06T00:00:00Z');

const RANKER = to('search', 'search/ranker', '0.9');
const LABELER = to('data-science', 'ml/labeler', '0.5');
const NOBODY = to(null, null, '0');

/** Three usage slices, a month's tax over one of them, a credit over three days, the rest lost. */
const ALLOCATIONS: Allocation[] = [
  slice(DAY_3, RANKER, '3.00000001'),
  slice(DAY_3, LABELER, '1'),
  slice(DAY_4, RANKER, '2.5'),
  slice(DAY_4, NOBODY, '0.25'),
  slice(TAX, RANKER, '0.31'),
  slice(CREDIT, LABELER, '-1'),
];

/**
 * A request after the bill stops, from the ranker's service account; one with no cost; one through a
 * shared service, whose own call is the one billed; and one the bill already covers.
 */
const LATER: UsageEvent[] = [
  {
    requestId: 'later-1',
    timestamp: '2026-11-02T09:00:00Z',
    provider: 'aws',
    model: `us.${MODEL}`,
    inputTokens: 1000,
    cost: '0.125',
    identity: { serviceAccount: 'search/ranker' },
    account: ACCOUNT,
  },
  {
    requestId: 'later-2',
    timestamp: '2026-11-02T10:00:00Z',
    provider: 'aws',
    model: MODEL,
    inputTokens: 1000,
    identity: { serviceAccount: 'search/ranker' },
    account: ACCOUNT,
  },
  {
    requestId: 'through-a-shared-service',
    timestamp: '2026-11-02T11:00:00Z',
    provider: 'aws',
    model: MODEL,
    inputTokens: 1000,
    cost: '5',
    identity: { serviceAccount: 'search/ranker' },
    account: ACCOUNT,
    attributes: { 'argmin.io/via': 'platform/llm-gateway' },
  },
  {
    requestId: 'billed-already',
    timestamp: '2026-10-04T10:00:00Z',
    provider: 'aws',
    model: MODEL,
    inputTokens: 1000,
    cost: '9',
    identity: { serviceAccount: 'search/ranker' },
    account: ACCOUNT,
  },
];

function sum(report: GroupedReport, basis = 'billed'): Money {
  return report.groups
    .filter((g) => g.basis === basis)
    .reduce((total, g) => total.plus(g.cost), ZERO);
}

describe.each(BACKENDS)('grouped reports of a saved run on %s', (backend) => {
  let db: TestDatabase;
  let store: Store;
  let runId: number;

  beforeAll(async () => {
    db = await freshDatabase(backend);
    store = await Store.open(db.url);
    const report = buildReport({
      currency: 'USD',
      costView: 'billed',
      period: { start: '2026-10-01T00:00:00Z', end: '2026-11-01T00:00:00Z' },
      allocations: ALLOCATIONS,
      outOfScope: { rows: 0, cost: ZERO },
      quarantined: [],
    });
    runId = await saveRun(store.sql, report, ALLOCATIONS);
    const caller = {
      identity: { serviceAccount: 'search/ranker' },
      service: null,
      account: ACCOUNT,
    };
    await store.sql.query(
      `INSERT INTO run_paths (run_id, caller, path_key, chosen)
       VALUES ($1, $2::jsonb, 'k', $3::jsonb)`,
      [runId, JSON.stringify(caller), JSON.stringify({ ...RANKER, confidence: 0.9, edges: [] })],
    );
    await store.insertUsageEvents(LATER, 'test');
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('sums each cost center exactly, and the groups add up to the run total', async () => {
    const report = await queryReport(store.sql, { runId, groupBy: ['costCenter'] });
    const billed = report.groups.filter((g) => g.basis === 'billed');
    expect(billed.map((g) => [g.key.costCenter, g.cost])).toEqual([
      ['search', '5.81000001'],
      [null, '0.25'],
      ['data-science', '0'],
    ]);
    expect(report.totals).toMatchObject({
      billed: '6.06000001',
      attributed: '5.81000001',
      unattributed: '0.25',
    });
    expect(sum(report).toFixed()).toBe(report.totals.billed);
  });

  it('weights confidence by gross usage, leaving credits and tax out of the weights', async () => {
    const report = await queryReport(store.sql, { runId, groupBy: ['team'] });
    const search = report.groups.find((g) => g.key.team === 'search' && g.basis === 'billed');
    const unattributed = report.groups.find((g) => g.key.team === null);
    expect(search?.confidence).toBe(0.9);
    expect(unattributed?.confidence).toBe(0);

    const all = await queryReport(store.sql, { runId, groupBy: ['provider'] });
    // (3.00000001 * 0.9 + 1 * 0.5 + 2.5 * 0.9 + 0.25 * 0) / 6.75000001
    expect(all.groups[0]?.confidence).toBe(0.807);
  });

  it('splits a line over the days of its charge period so the days add up to it exactly', async () => {
    const report = await queryReport(store.sql, { runId, groupBy: ['day'] });
    const days = report.groups.filter((g) => g.basis === 'billed');
    expect(days).toHaveLength(31);
    expect(days.map((g) => g.key.day)).toEqual(days.map((g) => g.key.day).sort());
    expect(sum(report).toFixed()).toBe('6.06000001');
    // The tax is 0.01 a day; the credit a third of -1 on each of three days at six decimals, the
    // odd unit on the first.
    const byDay = Object.fromEntries(days.map((g) => [g.key.day, g.cost]));
    expect(byDay['2026-10-01']).toBe('0.01');
    expect(byDay['2026-10-03']).toBe('3.67666601');
    expect(byDay['2026-10-04']).toBe('2.426667');
    expect(byDay['2026-10-05']).toBe('-0.323333');
  });

  it('gives each cost center the same figure whether or not its days are split out', async () => {
    const whole = await queryReport(store.sql, { runId, groupBy: ['costCenter'] });
    const split = await queryReport(store.sql, { runId, groupBy: ['costCenter', 'day'] });
    const byCenter = new Map<string | null | undefined, Money>();
    for (const g of split.groups.filter((g) => g.basis === 'billed')) {
      byCenter.set(g.key.costCenter, (byCenter.get(g.key.costCenter) ?? ZERO).plus(g.cost));
    }
    for (const g of whole.groups.filter((g) => g.basis === 'billed')) {
      expect(byCenter.get(g.key.costCenter)?.toFixed()).toBe(g.cost);
    }
  });

  it('counts from the first day given up to, not including, the last', async () => {
    const report = await queryReport(store.sql, {
      runId,
      groupBy: ['costCenter', 'day'],
      from: '2026-10-04',
      to: '2026-10-05',
    });
    const billed = report.groups.filter((g) => g.basis === 'billed');
    expect(billed.map((g) => [g.key.costCenter, g.key.day, g.cost])).toEqual([
      ['search', '2026-10-04', '2.51'],
      [null, '2026-10-04', '0.25'],
      ['data-science', '2026-10-04', '-0.333333'],
    ]);
    expect(report.totals.billed).toBe('2.426667');
    expect(sum(report).toFixed()).toBe(report.totals.billed);
  });

  it.each([
    ['2026-10-05', '2026-10-05'],
    ['2026-10-10', '2026-10-05'],
  ])('refuses a period from %s to %s, which holds no day', async (from, to) => {
    await expect(
      queryReport(store.sql, { runId, groupBy: ['costCenter'], from, to }),
    ).rejects.toMatchObject({ code: 'BAD_PERIOD' });
  });

  it('reports requests after the bill as estimates on their caller’s path, apart from the totals', async () => {
    const report = await queryReport(store.sql, {
      runId,
      groupBy: ['costCenter', 'model'],
      normalizeModel: (_provider, model) => model.replace(/^us\./, ''),
    });
    const estimates = report.groups.filter((g) => g.basis === 'estimate');
    expect(estimates).toEqual([
      {
        key: { costCenter: 'search', model: MODEL },
        basis: 'estimate',
        cost: '0.125',
        confidence: 0.9,
        requests: 1,
      },
    ]);
    expect(report.billedThrough).toBe('2026-10-05T00:00:00Z');
    expect(report.totals.estimated).toBe('0.125');
    expect(report.totals.unpricedRequests).toBe(1);
    expect(report.totals.billed).toBe('6.06000001');

    const october = await queryReport(store.sql, {
      runId,
      groupBy: ['costCenter'],
      to: '2026-11-01',
    });
    expect(october.totals.estimated).toBe('0');
  });

  it('writes CSV that reads back to the same figures, with each row’s basis', async () => {
    const report = await queryReport(store.sql, {
      runId,
      groupBy: ['costCenter', 'service'],
      normalizeModel: (_p, m) => m,
    });
    const [header, ...rows] = parse(groupsCsv(report)) as string[][];
    expect(header).toEqual([
      'costCenter',
      'service',
      'basis',
      'cost',
      'currency',
      'confidence',
      'requests',
    ]);
    expect(rows).toContainEqual([
      'search',
      'search/ranker',
      'billed',
      '5.81000001',
      'USD',
      '0.9',
      '0',
    ]);
    expect(rows).toContainEqual([
      'search',
      'search/ranker',
      'estimate',
      '0.125',
      'USD',
      '0.9',
      '1',
    ]);
    expect(rows).toContainEqual(['', '', 'billed', '0.25', 'USD', '0', '0']);
    const billed = rows.filter((r) => r[2] === 'billed').reduce((t, r) => t.plus(r[3]!), ZERO);
    expect(billed.toFixed()).toBe(report.totals.billed);

    const table = groupsTable(report);
    expect(table).toContain('(unattributed)');
    expect(table).toMatch(/estimate \(1 requests\)/);
    expect(table).toMatch(/Estimated +0\.12 +requests after 2026-10-05T00:00:00Z, not billed yet/);
  });
});

describe('report options', () => {
  it.each([
    ['costCenter,service', ['costCenter', 'service']],
    [' day , costCenter,day', ['day', 'costCenter']],
  ])('reads the dimensions of %j', (text, expected) => {
    expect(parseGroupBy(text)).toEqual(expected);
  });

  it.each(['', 'region', 'costCenter,cost_center'])('refuses to group by %j', (text) => {
    expect(() => parseGroupBy(text)).toThrow(ReportQueryError);
  });

  it.each(['2026-02-30', '2026-10-1', '2026-10-01T00:00:00Z', 'yesterday'])(
    'refuses %j as a day',
    (text) => {
      expect(() => parseDay(text, '--from')).toThrow(/ISO date/);
    },
  );
});
