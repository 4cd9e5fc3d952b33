import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Store,
  type CloudConnector,
  type CostRow,
  type Quarantined,
} from '../attribution/index.js';
import { isAiService } from './ai-services.js';
import { azureCostExportReader } from './azure-cost-export.js';
import { readerFor } from './registry.js';
import { SourceError } from './source-error.js';
import { syncConnector } from './sync.js';

const FIXTURES = 'connectors/fixtures/azure-cost-export';
const EA_ACTUAL = `${FIXTURES}/ea-actual/contoso-openai-actual/20250601-20250630/3c9d1e2f-0a4b-4c5d-8e6f-7a8b9c0d1e2f`;
const EA_AMORTIZED = `${FIXTURES}/ea-amortized/openai-costs/20250601-20250630/openai-costs_0b7e6a51-9f2d-4f4e-a1c3-5d6e7f8a9b0c.csv`;
const MCA_ACTUAL = `${FIXTURES}/mca-actual/fabrikam/research-actual-daily/20250601-20250630/20250615T031500Z/part_0_0001.csv.gz`;
const ctx = { connector: 'finops/azure', provider: 'azure' as const };

async function read(file: string) {
  const rows: CostRow[] = [];
  const quarantined: Quarantined[] = [];
  const name = path.basename(file);
  for await (const record of azureCostExportReader.read({ path: file, name }, ctx)) {
    if (record.kind === 'cost') rows.push(record.row);
    else if (record.kind === 'quarantine') quarantined.push(record.item);
    else throw new Error(`unexpected ${record.kind}`);
  }
  return { rows, quarantined };
}

async function refusal(file: string): Promise<SourceError> {
  try {
    await read(file);
  } catch (err) {
    if (err instanceof SourceError) return err;
    throw err;
  }
  throw new Error(`${file} was read`);
}

function sum(rows: CostRow[], pick: (r: CostRow) => string | undefined): string {
  return rows.reduce((s, r) => s.plus(pick(r) ?? '0'), new Decimal(0)).toFixed();
}

describe('azure-cost-export, Enterprise Agreement actual cost', () => {
  let rows: CostRow[];
  beforeAll(async () => {
    const result = await read(`${EA_ACTUAL}/part_0_0001.csv`);
    expect(result.quarantined).toEqual([]);
    rows = result.rows;
  });

  it('reads every line, signed, and totals the invoice exactly', () => {
    expect(rows).toHaveLength(11);
    expect(sum(rows, (r) => r.billedCost)).toBe('1208.934');
  });

  it('counts nothing of the actual export in the effective view', () => {
    expect(rows.every((r) => r.effectiveCost === '0')).toBe(true);
  });

  it.each([
    [2, 'gpt-4o', 'inputTokens', '1200', '1K tokens', 'Azure OpenAI'],
    [3, 'gpt-4o', 'outputTokens', '150', '1K tokens', 'Azure OpenAI'],
    [4, 'gpt-4o-mini', 'cacheReadTokens', '2000', '1K tokens', 'Azure OpenAI'],
    [5, 'gpt-4o-mini', 'outputTokens', '0.5', '1M tokens', 'Azure OpenAI'],
    [6, 'deepseek-r1', 'inputTokens', '400', '1K tokens', 'Foundry Models'],
    [7, null, null, '24', '1 Hour', 'Azure OpenAI'],
    [11, null, null, '10', '1 GB/Month', 'Storage'],
    [12, 'gpt-4.5', 'cacheReadTokens', '100', '1K tokens', 'Azure OpenAI'],
  ])(
    'reads the meter on line %i as model %s, %s, %s x %s',
    (line, model, tokenClass, q, unit, svc) => {
      const row = rows.find((r) => r.source.line === line)!;
      expect(row).toMatchObject({ model, tokenClass, quantity: q, unit, serviceName: svc });
    },
  );

  it.each([
    [2, 'Usage', 'Usage', '3'],
    [8, 'Purchase', 'Purchase', '1200'],
    [9, 'Refund', 'Credit', '-0.5'],
    [10, 'RoundingAdjustment', 'Adjustment', '0.01'],
  ])('maps the charge type on line %i, %s, to FOCUS %s at %s', (line, type, category, cost) => {
    const row = rows.find((r) => r.source.line === line)!;
    expect(row).toMatchObject({ chargeType: type, chargeCategory: category, billedCost: cost });
  });

  it('reads tags written without their outer braces, keys as the user wrote them', () => {
    expect(rows.find((r) => r.source.line === 2)!.tags).toEqual({ team: 'search', env: 'prod' });
    expect(rows.find((r) => r.source.line === 4)!.tags).toEqual({ team: 'support' });
  });

  it('places each line in its day, its billing month, its subscription and its region', () => {
    expect(rows.find((r) => r.source.line === 12)).toMatchObject({
      billingAccountId: '87654321',
      subAccountId: 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d',
      billingPeriodStart: '2025-06-01T00:00:00Z',
      billingPeriodEnd: '2025-07-01T00:00:00Z',
      chargePeriodStart: '2025-06-04T00:00:00Z',
      chargePeriodEnd: '2025-06-05T00:00:00Z',
      region: 'swedencentral',
      currency: 'USD',
      principal: null,
    });
    expect(rows.find((r) => r.source.line === 2)!.region).toBe('eastus');
  });

  it('prices the usage at the public rate, unit price times quantity', () => {
    expect(rows.find((r) => r.source.line === 2)!.listCost).toBe('3');
    expect(rows.find((r) => r.source.line === 8)!.listCost).toBeUndefined();
  });

  it('counts Azure OpenAI, its reservations and Foundry models as AI spend, storage not', () => {
    const ai = (line: number) => isAiService(rows.find((r) => r.source.line === line)!);
    expect([ai(2), ai(6), ai(7), ai(8), ai(11)]).toEqual([true, true, true, true, false]);
  });

  it('reads the manifest beside the parts for what it says, and yields no rows from it', async () => {
    const { rows: none, quarantined } = await read(`${EA_ACTUAL}/manifest.json`);
    expect([none, quarantined]).toEqual([[], []]);
  });
});

describe('azure-cost-export, amortized cost and commitments', () => {
  let actual: CostRow[];
  let amortized: CostRow[];
  beforeAll(async () => {
    actual = (await read(`${EA_ACTUAL}/part_0_0001.csv`)).rows;
    const result = await read(EA_AMORTIZED);
    expect(result.quarantined).toEqual([]);
    amortized = result.rows;
  });

  it('knows an amortized export by its unused reservation, with no manifest or name to say so', () => {
    expect(amortized.every((r) => r.billedCost === '0')).toBe(true);
    expect(sum(amortized, (r) => r.effectiveCost)).toBe('1204');
  });

  it('keeps the unused part of the reservation as a usage line of its own', () => {
    const unused = amortized.find((r) => r.chargeType === 'UnusedReservation')!;
    expect(unused).toMatchObject({ chargeCategory: 'Usage', effectiveCost: '240' });
  });

  it('counts a 1,200 reservation once in each view, with both exports as sources', () => {
    const both = [...actual, ...amortized];
    const ptu = (r: CostRow) =>
      r.usageType.startsWith('Provisioned') || r.chargeType === 'Purchase';
    expect(sum(both.filter(ptu), (r) => r.billedCost)).toBe('1200');
    expect(sum(both.filter(ptu), (r) => r.effectiveCost)).toBe('1200');
    expect(sum(both, (r) => r.billedCost)).toBe(sum(actual, (r) => r.billedCost));
    expect(sum(both, (r) => r.effectiveCost)).toBe(sum(amortized, (r) => r.effectiveCost));
  });

  it('counts a commitment purchase zero should it appear in amortized data', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'argmin-azure-'));
    const lines = (await readFile(`${EA_ACTUAL}/part_0_0001.csv`, 'utf8')).split('\r\n');
    const file = path.join(dir, 'costs-amortized.csv');
    await writeFile(file, [lines[0], lines[7], ''].join('\r\n'));
    const { rows } = await read(file);
    expect(rows[0]).toMatchObject({ chargeType: 'Purchase', billedCost: '0', effectiveCost: '0' });
  });
});

describe('azure-cost-export, Microsoft Customer Agreement', () => {
  it('reads the camelCase columns of a gzipped MCA export in its billing currency', async () => {
    const { rows, quarantined } = await read(MCA_ACTUAL);
    expect(quarantined).toEqual([]);
    expect(rows.map((r) => [r.model, r.tokenClass, r.billedCost, r.listCost])).toEqual([
      ['gpt-4o-mini', 'inputTokens', '0.138', '0.138'],
      ['gpt-4o-mini', 'outputTokens', '0.1104', '0.1104'],
      [null, null, '92', '92'],
    ]);
    expect(rows[0]).toMatchObject({
      currency: 'EUR',
      region: 'westeurope',
      serviceName: 'Azure OpenAI',
      subAccountId: 'b7c8d9e0-f1a2-4b3c-8d4e-5f6a7b8c9d0e',
      tags: { project: 'labeling', 'cost-center': 'R-204' },
    });
    expect(rows[2]).toMatchObject({ chargeCategory: 'Purchase', subAccountId: '' });
  });
});

describe('azure-cost-export refuses what it cannot read correctly', () => {
  it.each([
    ['refused/ea-missing-cost-actual.csv', 'SOURCE_MISSING_COLUMN', 'CostInBillingCurrency'],
    ['refused/mca-missing-profile-actual.csv', 'SOURCE_MISSING_COLUMN', 'billingProfileId'],
  ])('fails %s naming the missing column', async (name, code, column) => {
    const err = await refusal(`${FIXTURES}/${name}`);
    expect(err).toMatchObject({ code, field: column, file: `${FIXTURES}/${name}`, line: 1 });
    expect(err.message).toContain(column);
  });

  it('points a FOCUS file at the FOCUS format instead of reading another column', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'argmin-azure-'));
    const file = path.join(dir, 'focus-actual.csv');
    await writeFile(
      file,
      'BilledCost,EffectiveCost,BillingCurrency,ChargePeriodStart\n1,1,USD,x\n',
    );
    const err = await refusal(file);
    expect(err.code).toBe('SOURCE_MISSING_COLUMN');
    expect(err.message).toMatch(/CostInBillingCurrency.*focus-1\.0/);
    expect(err.field).toBe('CostInBillingCurrency');
  });

  it('refuses a file that nothing says is actual or amortized cost', async () => {
    const err = await refusal(`${FIXTURES}/refused/undecided-costs.csv`);
    expect(err.code).toBe('SOURCE_FORMAT_INVALID');
    expect(err.message).toMatch(/actual-cost or the amortized-cost/);
  });

  it('refuses an unused reservation in a file its manifest calls actual cost', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'argmin-azure-'));
    await cp(EA_AMORTIZED, path.join(dir, 'part_0_0001.csv'));
    await cp(`${EA_ACTUAL}/manifest.json`, path.join(dir, 'manifest.json'));
    const err = await refusal(path.join(dir, 'part_0_0001.csv'));
    expect(err).toMatchObject({ code: 'SOURCE_FORMAT_INVALID', line: 5, field: 'ChargeType' });
    expect(err.message).toContain('manifest.json exportConfig.type ActualCost');
  });

  it('says that a Parquet export is not read, rather than misreading it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'argmin-azure-'));
    const file = path.join(dir, 'part_0_0001.snappy.parquet');
    await writeFile(file, 'PAR1\u0000\u0000');
    expect((await refusal(file)).message).toMatch(/Parquet/);
  });

  it('quarantines bad rows by line and column and keeps reading', async () => {
    const { rows, quarantined } = await read(`${FIXTURES}/refused/bad-rows-actual.csv`);
    expect(rows).toHaveLength(1);
    expect(quarantined.map((q) => [q.source.line, q.field, q.reason])).toEqual([
      [3, 'Date', 'Date "06/31/2025" is not a date'],
      [4, 'CostInBillingCurrency', 'CostInBillingCurrency "$0.025" is not a decimal number'],
      [5, 'Tags', 'Tags is not a JSON object of string tag values'],
      [6, 'BillingCurrencyCode', 'BillingCurrencyCode is empty'],
    ]);
  });
});

describe('azure-cost-export deliveries', () => {
  let store: Store;
  beforeAll(async () => {
    store = await Store.open(undefined);
  });
  afterAll(async () => {
    await store.close();
  });

  it('keys a run by its time, from the run folder or the manifest beside it', () => {
    const key = (p: string) => azureCostExportReader.deliveryOf!({ path: p, name: p });
    const daily = key(
      `${FIXTURES}/overlap/msexports/daily-mtd-actual/20250601-20250630/20250620T031500Z/part_0_0001.csv`,
    );
    const monthly = key(
      `${FIXTURES}/overlap/msexports/monthly-actual/20250601-20250630/9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a/part_0_0002.csv`,
    );
    expect(daily.startsWith('2025-06-20T03:15:00.000Z|daily-mtd-actual|20250601-20250630|')).toBe(
      true,
    );
    expect(monthly.startsWith('2025-07-03T05:00:00.000Z|monthly-actual|20250601-20250630|')).toBe(
      true,
    );
    expect(monthly > daily).toBe(true);
  });

  it('totals a month once when two overlapping exports and daily re-runs all deliver it', async () => {
    const connector: CloudConnector = {
      metadata: { name: 'overlap', namespace: 'finops', labels: {}, annotations: {} },
      spec: {
        provider: 'azure',
        sources: [{ name: 'actual', format: 'azure-cost-export', url: 'file://msexports/' }],
      },
      origin: { file: 'connector.yaml', line: 1 },
    };
    const baseDir = `${FIXTURES}/overlap`;
    const result = await syncConnector(connector, { store, baseDir, readerFor });
    expect(result.quarantined).toEqual([]);
    const rows = await store.costRows(['finops/overlap']);
    const month = (start: string) => rows.filter((r) => r.billingPeriodStart === start);
    expect(sum(month('2025-05-01T00:00:00Z'), (r) => r.billedCost)).toBe('12');
    expect(sum(month('2025-06-01T00:00:00Z'), (r) => r.billedCost)).toBe('15');
    expect(
      month('2025-06-01T00:00:00Z').every((r) => r.source.file.includes('monthly-actual')),
    ).toBe(true);
  });
});
