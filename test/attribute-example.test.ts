// The main job end to end on the bundled example organisation, on both stores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Money, Store, type Report } from '../attribution/index.js';
import { attributeFolder } from '../cli/attribute-command.js';
import { freshPostgres, type TestDatabase } from './databases.js';

const EXAMPLE = 'examples/acme';
// Text that sits in request and response bodies of the example's invocation logs.
const BODY_TEXT = ['replacement gripper pads', 'Order the passages by relevance'];
const TABLES = ['cost_rows', 'usage_events', 'people', 'groups', 'allocations', 'quarantine'];

async function runOn(databaseUrl: string | undefined) {
  const store = await Store.open(databaseUrl);
  try {
    const run = await attributeFolder(EXAMPLE, store);
    const dump: string[] = [];
    for (const table of TABLES) {
      const rows = await store.sql.query<{ t: string }>(`SELECT t::text AS t FROM ${table} t`);
      dump.push(...rows.map((r) => r.t));
    }
    return { ...run, dump: dump.join('\n') };
  } finally {
    await store.close();
  }
}

function costByCenter(report: Report): Record<string, string> {
  const sums = new Map<string, Money>();
  for (const row of report.rows) {
    const key = row.costCenter ?? '(unattributed)';
    sums.set(key, (sums.get(key) ?? new Money(0)).plus(row.cost));
  }
  return Object.fromEntries([...sums].map(([k, v]) => [k, v.toFixed(2)]));
}

describe('argmin attribute on the example organisation', () => {
  let embedded: Awaited<ReturnType<typeof runOn>>;
  let postgres: Awaited<ReturnType<typeof runOn>>;
  let db: TestDatabase;

  beforeAll(async () => {
    db = await freshPostgres();
    [embedded, postgres] = await Promise.all([runOn(undefined), runOn(db.url)]);
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('gives the same report, byte for byte, on the embedded store and on PostgreSQL', () => {
    expect(JSON.stringify(postgres.result.report)).toBe(JSON.stringify(embedded.result.report));
  });

  it('reads every input without quarantining any', () => {
    expect(embedded.quarantined).toEqual([]);
  });

  it('reconciles to the AI part of the bill exactly, with credits, fees and tax signed', () => {
    const { totals, outOfScope } = embedded.result.report;
    expect(totals.billed).toBe('196.34097087');
    expect(new Money(totals.attributed).plus(totals.unattributed).toFixed()).toBe(totals.billed);
    expect(totals.byChargeCategory).toEqual({
      Usage: '256.33097087',
      Purchase: '3.9',
      Tax: '11.11',
      Credit: '-75',
    });
    expect(outOfScope).toEqual({ rows: 1, cost: '0.8855' });
  });

  it('lands each cost center where the example organisation says it should', () => {
    expect(costByCenter(embedded.result.report)).toEqual({
      'data-science': '121.76',
      support: '25.44',
      search: '10.86',
      platform: '7.17',
      payments: '7.05',
      '(unattributed)': '24.06',
    });
  });

  it.each([
    ['a workload annotation', /argmin\.io\/cost-center=\S+ on Deployment/],
    ['a namespace annotation', /argmin\.io\/cost-center=\S+ on Namespace/],
    ['a CostCenter selector', /CostCenter \S+ selects/],
    ['IRSA', /^IRSA: caller assumed arn:aws:iam::\d+:role\/workloads\//],
    ['CODEOWNERS at a monorepo path', /CODEOWNERS \S+:\d+ '\/services\//],
    ['CODEOWNERS at a repository root', /CODEOWNERS \S+:\d+ '\*'/],
    ['a SCIM costCenter', /^SCIM costCenter CC-\d+ of/],
    ['the manager chain', /^manager chain /],
    ['the caller a bill line names', /^bill line names its caller$/],
    ['an IAM user', /^IAM user dana\.kim/],
    ['an Identity Center role session', /^role session priya\.shah@acme\.example/],
    ['the account owner', /^account 345678901234 is listed by CostCenter data-science/],
  ])('attributes some spend through %s', (_kind, pattern) => {
    const rows = embedded.result.report.rows.filter((r) => r.evidence.some((e) => pattern.test(e)));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.costCenter !== null && r.confidence > 0)).toBe(true);
  });

  it('keeps what nothing attributes in the unattributed bucket, with the reason', () => {
    const unattributed = embedded.result.report.rows.filter((r) => r.costCenter === null);
    expect(unattributed.every((r) => r.confidence === 0 && r.evidence.length > 0)).toBe(true);
    expect(unattributed.some((r) => r.person === 'sam.okafor@acme.example')).toBe(true);
  });

  it('puts a confidence in [0, 0.95] on every row', () => {
    for (const row of embedded.result.report.rows) {
      expect(row.confidence).toBeGreaterThanOrEqual(0);
      expect(row.confidence).toBeLessThanOrEqual(0.95);
    }
  });

  it('stores no prompt or completion text from the invocation logs anywhere', () => {
    expect(embedded.dump.length).toBeGreaterThan(0);
    for (const text of BODY_TEXT) {
      expect(embedded.dump).not.toContain(text);
      expect(postgres.dump).not.toContain(text);
    }
  });

  it('syncs the same delivery twice without counting it twice', async () => {
    const again = await runOn(db.url);
    expect(again.result.report.totals).toEqual(postgres.result.report.totals);
  });
});
