import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Money,
  Store,
  addObject,
  attribute,
  costOf,
  emptyClusterState,
  type CostRow,
  type CostView,
  type Quarantined,
  type SourceRecord,
} from '../attribution/index.js';
import { readExportTable, cellText } from './aws-export-table.js';
import type { ReadContext, SourceFile } from './format-reader.js';
import { focusReader, type FocusFormat } from './focus.js';
import { normalizeModelId } from './model-names.js';
import { SourceError } from './source-error.js';
import { syncConnector } from './sync.js';

const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
const FOCUS_10 = join(FIXTURES, 'focus-1.0/aws-2025-06.csv');
const FOCUS_12 = join(FIXTURES, 'focus-1.2/aws-2025-06.csv');
const MICROSOFT = join(FIXTURES, 'focus-1.2/microsoft-2025-06.csv');
const CTX: ReadContext = { connector: 'finops/aws-focus', provider: 'aws' };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'argmin-focus-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function read(path: string, format: FocusFormat = 'focus-1.0'): Promise<SourceRecord[]> {
  const file: SourceFile = { path, name: 'focus.csv' };
  const out: SourceRecord[] = [];
  for await (const record of focusReader(format).read(file, CTX)) out.push(record);
  return out;
}
const costs = (records: SourceRecord[]): CostRow[] =>
  records.flatMap((r) => (r.kind === 'cost' ? [r.row] : []));
const quarantined = (records: SourceRecord[]): Quarantined[] =>
  records.flatMap((r) => (r.kind === 'quarantine' ? [r.item] : []));
const sum = (rows: CostRow[], view: CostView) =>
  rows.reduce((total, r) => total.plus(costOf(r, view)), new Money(0)).toFixed();

async function readError(path: string, format: FocusFormat = 'focus-1.0'): Promise<SourceError> {
  try {
    await read(path, format);
  } catch (err) {
    if (err instanceof SourceError) return err;
    throw err;
  }
  throw new Error('expected a SourceError');
}

/** The fixture with one column dropped from the header and every row. */
async function without(path: string, column: string): Promise<string> {
  const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
  const at = lines[0]!.split(',').indexOf(column);
  // Only the header matters for the check, and it holds no quoted commas.
  const out = join(dir, `without-${column}.csv`);
  const header = lines[0]!.split(',').filter((_, i) => i !== at);
  await writeFile(out, `${header.join(',')}\n`);
  return out;
}

describe('FOCUS 1.0 with AWS columns', () => {
  it('reads every row, quarantining a bad amount and an unknown charge category by column', async () => {
    const records = await read(FOCUS_10);
    expect(costs(records)).toHaveLength(8);
    expect(quarantined(records)).toEqual([
      {
        source: { connector: 'finops/aws-focus', file: 'focus.csv', line: 10 },
        field: 'BilledCost',
        reason: 'BilledCost "n/a" is not a decimal number',
      },
      {
        source: { connector: 'finops/aws-focus', file: 'focus.csv', line: 11 },
        field: 'ChargeCategory',
        reason: 'ChargeCategory "Refund" is not a FOCUS charge category',
      },
    ]);
  });

  it('parses a Bedrock row into model, token class and tokens, in the AWS tag key space', async () => {
    const row = costs(await read(FOCUS_10)).find((r) => r.source.line === 6);
    expect(row).toMatchObject({
      id: 'focus.csv:6',
      provider: 'aws',
      billingAccountId: '111111111111',
      subAccountId: '222222222222',
      chargeCategory: 'Usage',
      chargeType: 'Usage',
      serviceName: 'Amazon Bedrock',
      usageType: 'USE1-Claude4Sonnet-input-tokens',
      region: 'us-east-1',
      model: 'anthropic.claude-sonnet-4-20250514-v1:0',
      tokenClass: 'inputTokens',
      quantity: '1200000',
      unit: 'Tokens',
      billedCost: '3.6',
      effectiveCost: '3.6',
      listCost: '3.6',
      currency: 'USD',
      principal: null,
      tags: { team: 'checkout', 'aws:createdBy': 'arn:aws:iam::222222222222:user/ops' },
    });
  });

  it('counts a commitment of 1,000 once in each view: the purchase billed, its usage effective', async () => {
    const sagemaker = costs(await read(FOCUS_10)).filter(
      (r) => r.serviceName === 'Amazon SageMaker',
    );
    expect(sagemaker.map((r) => `${r.chargeType} ${r.billedCost} ${r.effectiveCost}`)).toEqual([
      'Purchase 1000 0',
      'Usage/Used 0 600',
      'Usage/Used 0 300',
      'Usage/Unused 0 100',
    ]);
    expect(sum(sagemaker, 'billed')).toBe('1000');
    expect(sum(sagemaker, 'effective')).toBe('1000');
  });

  it.each([
    ['EffectiveCost', 'EffectiveCost'],
    ['ProviderName', 'ProviderName'],
    ['BillingPeriodStart', 'BillingPeriodStart'],
  ])('fails naming the file and %s when the header lacks it', async (column, field) => {
    const path = await without(FOCUS_10, column);
    const err = await readError(path);
    expect(err).toMatchObject({ code: 'SOURCE_MISSING_COLUMN', file: path, field });
    expect(err.message).toContain(column);
  });

  it('fails on an AWS FOCUS file that bills Bedrock without its usage type column', async () => {
    const text = await readFile(FOCUS_10, 'utf8');
    const path = join(dir, 'no-usage-type.csv');
    await writeFile(path, text.replace(',x_UsageType\n', ',x_Other\n'));
    const err = await readError(path);
    expect(err).toMatchObject({ code: 'SOURCE_MISSING_COLUMN', field: 'x_UsageType' });
  });

  it('points a CUR header at the CUR formats', async () => {
    const path = join(dir, 'cur.csv');
    await writeFile(path, 'identity_line_item_id,line_item_unblended_cost\na,1\n');
    expect((await readError(path)).message).toContain('use aws-cur-2.0 or aws-cur-legacy');
  });

  it('reads the same rows from a Parquet copy, amounts as doubles', async () => {
    const path = join(dir, 'focus.parquet');
    await toParquet(FOCUS_10, path);
    const strip = (rows: CostRow[]) => rows.map(({ id: _id, source: _source, ...rest }) => rest);
    expect(strip(costs(await read(path)))).toEqual(strip(costs(await read(FOCUS_10))));
  });
});

describe('FOCUS 1.2', () => {
  it('reads the usage type from SkuMeter and cost categories from Tags', async () => {
    const rows = costs(await read(FOCUS_12, 'focus-1.2'));
    expect(rows.map((r) => [r.model, r.tokenClass, r.chargeType, r.tags])).toEqual([
      [
        'anthropic.claude-sonnet-4-20250514-v1:0',
        'inputTokens',
        'Usage',
        { team: 'checkout', 'costCategory/Team': 'Payments' },
      ],
      ['amazon.nova-pro-v1:0', 'cacheReadTokens', 'Usage', { flag: 'true' }],
      [null, null, 'Tax/Correction', {}],
    ]);
  });

  it("reads another provider's file, naming its provider from ServiceProviderName", async () => {
    const [row] = costs(await read(MICROSOFT, 'focus-1.2'));
    expect(row).toMatchObject({
      provider: 'azure',
      serviceName: 'Azure OpenAI',
      subAccountId: '/subscriptions/00000000-0000-0000-0000-000000000001',
      region: 'eastus',
      quantity: '5000',
      unit: '1K Tokens',
      billedCost: '12.5',
      tags: { team: 'support' },
    });
  });
});

describe('FOCUS through attribution', () => {
  it.each([['billed'], ['effective']] as const)(
    'reports the commitment as 1,000 in the %s view, not 2,000',
    async (costView) => {
      const store = await Store.open(undefined);
      try {
        const sync = await syncConnector(
          {
            metadata: { name: 'aws-focus', namespace: 'finops', labels: {}, annotations: {} },
            spec: {
              provider: 'aws',
              sources: [{ name: 'focus', format: 'focus-1.0', url: `file://${FOCUS_10}` }],
            },
            origin: { file: 'connector.yaml', line: 1 },
          },
          {
            store,
            baseDir: dir,
            readerFor: (f) => (f === 'focus-1.0' ? focusReader(f) : undefined),
          },
        );
        expect(sync.costRows).toBe(8);
        const state = emptyClusterState();
        addObject(
          state,
          {
            apiVersion: 'argmin.io/v1alpha1',
            kind: 'CostCenter',
            metadata: { name: 'ml-platform' },
            spec: { code: 'CC-ML', displayName: 'ML platform', accounts: ['222222222222'] },
          },
          { file: 'cluster.yaml', line: 1 },
        );
        const { report } = await attribute({
          store,
          state,
          connectors: ['finops/aws-focus'],
          codeowners: new Map(),
          isAiSpend: (row) => row.serviceName === 'Amazon SageMaker',
          normalizeModel: normalizeModelId,
          costView,
        });
        expect(report.totals.billed).toBe('1000');
        expect(report.totals.attributed).toBe('1000');
        const expected = costView === 'billed' ? { Purchase: '1000' } : { Usage: '1000' };
        expect(report.totals.byChargeCategory).toEqual(expected);
      } finally {
        await store.close();
      }
    },
    30_000,
  );
});

/** A Parquet copy of a FOCUS CSV: amounts as doubles, everything else as text. */
async function toParquet(csv: string, target: string): Promise<void> {
  let header: string[] = [];
  const rows: unknown[][] = [];
  for await (const record of readExportTable({ path: csv, name: 'csv' })) {
    if (record.kind === 'header') header = record.columns;
    if (record.kind === 'row') rows.push(record.cells);
  }
  const doubles = new Set(['EffectiveCost', 'ListCost', 'ConsumedQuantity']);
  const columnData = header.map((name, at) => {
    const texts = rows.map((r) => cellText(r[at]));
    return doubles.has(name)
      ? { name, data: texts.map((t) => (t === '' ? null : Number(t))), type: 'DOUBLE' as const }
      : { name, data: texts.map((t) => (t === '' ? null : t)), type: 'STRING' as const };
  });
  parquetWriteFile({ filename: target, columnData, rowGroupSize: 3 });
}
