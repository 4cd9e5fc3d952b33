import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CostRow, Quarantined, SourceRecord } from '../attribution/index.js';
import { isAiService } from './ai-services.js';
import { awsCur2Reader } from './aws-cur-2.js';
import type { ReadContext, SourceFile } from './format-reader.js';
import { SourceError } from './source-error.js';

const FIXTURE = new URL('./fixtures/aws-cur-2.0/bedrock-2025-06.csv', import.meta.url).pathname;
const CTX: ReadContext = { connector: 'finops/aws-payer', provider: 'aws' };

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'argmin-cur-'));
  await copyFile(FIXTURE, join(dir, 'part-0.csv'));
  await writeFile(join(dir, 'part-0.csv.gz'), gzipSync(await readFile(FIXTURE)));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function read(path: string, name = 'part-0.csv'): Promise<SourceRecord[]> {
  const file: SourceFile = { path, name };
  const out: SourceRecord[] = [];
  for await (const record of awsCur2Reader.read(file, CTX)) out.push(record);
  return out;
}

function costs(records: SourceRecord[]): CostRow[] {
  return records.flatMap((r) => (r.kind === 'cost' ? [r.row] : []));
}

function quarantined(records: SourceRecord[]): Quarantined[] {
  return records.flatMap((r) => (r.kind === 'quarantine' ? [r.item] : []));
}

function byLine(rows: CostRow[], line: number): CostRow {
  const row = rows.find((r) => r.source.line === line);
  if (row === undefined) throw new Error(`no cost row from line ${line}`);
  return row;
}

async function writeCsv(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('aws-cur-2.0 reader', () => {
  it.each([['part-0.csv'], ['part-0.csv.gz']])('reads %s to the same records', async (name) => {
    const records = await read(join(dir, name), name);
    expect(costs(records)).toHaveLength(10);
    expect(quarantined(records)).toHaveLength(2);
    expect(records[0]).toMatchObject({ kind: 'cost', row: { source: { file: name, line: 2 } } });
  });

  it('turns a Bedrock usage row into a normalized cost row', async () => {
    const row = byLine(costs(await read(FIXTURE)), 2);
    expect(row).toEqual({
      id: 'li-0001/2025-06-03T00:00:00Z/2025-06-04T00:00:00Z',
      source: { connector: 'finops/aws-payer', file: 'part-0.csv', line: 2 },
      provider: 'aws',
      billingAccountId: '111111111111',
      subAccountId: '222222222222',
      billingPeriodStart: '2025-06-01T00:00:00Z',
      billingPeriodEnd: '2025-07-01T00:00:00Z',
      chargePeriodStart: '2025-06-03T00:00:00Z',
      chargePeriodEnd: '2025-06-04T00:00:00Z',
      chargeCategory: 'Usage',
      chargeType: 'Usage',
      serviceName: 'Amazon Bedrock',
      usageType: 'USE1-Claude4Sonnet-input-tokens',
      region: 'us-east-1',
      resourceId: null,
      model: 'anthropic.claude-sonnet-4-20250514-v1:0',
      tokenClass: 'inputTokens',
      quantity: '1200',
      unit: '1K tokens',
      billedCost: '3.6',
      effectiveCost: '3.6',
      currency: 'USD',
      principal: 'arn:aws:sts::222222222222:assumed-role/checkout-api/botocore-session-17',
      tags: {
        cost_center: 'cc-payments',
        team: 'checkout',
        'aws:created_by': 'arn:aws:iam::222222222222:user/ops',
      },
    });
  });

  it.each([
    [6, 'Fee', 'Purchase', '25'],
    [7, 'Tax', 'Tax', '0.41'],
    [8, 'Credit', 'Credit', '-0.0015'],
    [9, 'EdpDiscount', 'Credit', '-0.36'],
    [13, 'SomethingNew', 'Adjustment', '0.01'],
  ])(
    'keeps the line on line %i (%s) as %s with its signed cost %s',
    async (line, type, category, cost) => {
      const row = byLine(costs(await read(FIXTURE)), line);
      expect(row).toMatchObject({ chargeType: type, chargeCategory: category, billedCost: cost });
    },
  );

  it('keeps a tax line that bills no usage type', async () => {
    const row = byLine(costs(await read(FIXTURE)), 7);
    expect(row).toMatchObject({ usageType: '', quantity: null, model: null, tokenClass: null });
  });

  it('leaves principal null where the row names no caller', async () => {
    expect(byLine(costs(await read(FIXTURE)), 3).principal).toBeNull();
  });

  it('reads region from the usage-type code when the product map has none', async () => {
    const rows = costs(await read(FIXTURE));
    expect(byLine(rows, 3)).toMatchObject({ region: 'us-east-1', tokenClass: 'cacheReadTokens' });
    expect(byLine(rows, 4)).toMatchObject({
      region: 'eu-central-1',
      model: 'anthropic.claude-3-7-sonnet-20250219-v1:0',
      resourceId: 'arn:aws:bedrock:eu-central-1:222222222222:application-inference-profile/abc123',
      tags: { cost_center: 'cc-search' },
    });
  });

  it('takes a Marketplace model from its product name and its token class from the meter', async () => {
    const row = byLine(costs(await read(FIXTURE)), 5);
    expect(row).toMatchObject({
      serviceName: 'Claude Sonnet 4.6 (Amazon Bedrock Edition)',
      model: 'Claude Sonnet 4.6 (Amazon Bedrock Edition)',
      tokenClass: 'inputTokens',
    });
    expect(isAiService(row)).toBe(true);
  });

  it('names no model on a non-AI row and does not count it as AI spend', async () => {
    const rows = costs(await read(FIXTURE));
    const ec2 = byLine(rows, 12);
    expect(ec2).toMatchObject({ model: null, tokenClass: null, tags: { cost_center: 'cc-web' } });
    expect(isAiService(ec2)).toBe(false);
    expect(isAiService(byLine(rows, 2))).toBe(true);
  });

  it('quarantines a bad cost and a bad date naming line and column, and reads on', async () => {
    const records = await read(FIXTURE);
    expect(quarantined(records)).toEqual([
      {
        source: { connector: 'finops/aws-payer', file: 'part-0.csv', line: 10 },
        field: 'line_item_unblended_cost',
        reason: 'line_item_unblended_cost "not-a-number" is not a decimal number',
      },
      {
        source: { connector: 'finops/aws-payer', file: 'part-0.csv', line: 11 },
        field: 'line_item_usage_start_date',
        reason: 'line_item_usage_start_date "2025-06-31T00:00:00Z" is not a timestamp',
      },
    ]);
    expect(costs(records).map((r) => r.source.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 12, 13]);
  });

  it('quarantines a row with an empty required value or the wrong number of fields', async () => {
    const text = await readFile(FIXTURE, 'utf8');
    const [header = '', first = ''] = text.split('\n');
    const noCurrency = first.replace(',USD,', ',,');
    const path = await writeCsv(
      'gaps.csv',
      [header, noCurrency, 'li-9,too,few', first, ''].join('\n'),
    );
    const records = await read(path, 'gaps.csv');
    expect(quarantined(records)).toEqual([
      expect.objectContaining({
        field: 'line_item_currency_code',
        reason: 'line_item_currency_code is empty',
      }),
      expect.objectContaining({
        source: expect.objectContaining({ line: 3 }),
        field: null,
        reason: `the row has 3 fields; the header has ${header.split(',').length}`,
      }),
    ]);
    expect(costs(records).map((r) => r.source.line)).toEqual([4]);
  });

  it('quarantines a product map that is not JSON', async () => {
    const text = await readFile(FIXTURE, 'utf8');
    const [header = '', first = ''] = text.split('\n');
    const broken = first.replace(/"\{""product_name"".*?\}"/, '"{product_name=Amazon Bedrock}"');
    const path = await writeCsv('map.csv', `${header}\n${broken}\n`);
    expect(quarantined(await read(path, 'map.csv'))).toEqual([
      expect.objectContaining({ field: 'product' }),
    ]);
  });

  it('refuses a file missing a required column, naming the file and the column', async () => {
    const text = await readFile(FIXTURE, 'utf8');
    const path = await writeCsv('no-cost.csv', text.replace('line_item_unblended_cost', 'cost'));
    const err = await read(path, 'no-cost.csv').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect(err).toMatchObject({ code: 'SOURCE_MISSING_COLUMN', field: 'line_item_unblended_cost' });
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toContain('line_item_unblended_cost');
  });

  it('says so when a legacy CUR header is read as CUR 2.0', async () => {
    const path = await writeCsv('legacy.csv', 'identity/LineItemId,lineItem/UnblendedCost\nx,1\n');
    await expect(read(path, 'legacy.csv')).rejects.toThrow(/legacy CUR/);
  });

  it('refuses an empty file rather than reading it as no charges', async () => {
    const path = await writeCsv('empty.csv', '');
    await expect(read(path, 'empty.csv')).rejects.toMatchObject({ code: 'SOURCE_FORMAT_INVALID' });
  });
});
