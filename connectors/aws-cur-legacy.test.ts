import { cp, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CostRow, SourceRecord } from '../attribution/index.js';
import { awsCur2Reader } from './aws-cur-2.js';
import { awsCurLegacyReader } from './aws-cur-legacy.js';
import type { ReadContext, SourceFile } from './format-reader.js';
import { SourceError } from './source-error.js';

const FIXTURES = new URL('./fixtures/aws-cur-legacy/', import.meta.url).pathname;
const RANGE = 'acme-cur/20250601-20250701';
const OLD = `${RANGE}/f3b1c2d4-0000-4000-8000-000000000001/acme-cur-1.csv.gz`;
const NEW = `${RANGE}/0a9e8d7c-0000-4000-8000-000000000002/acme-cur-1.csv.gz`;
const CTX: ReadContext = { connector: 'finops/aws-payer', provider: 'aws' };

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'argmin-legacy-cur-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const file = (path: string): SourceFile => ({ path, name: path.slice(path.lastIndexOf('/') + 1) });

async function read(path: string): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const record of awsCurLegacyReader.read(file(path), CTX)) out.push(record);
  return out;
}

const costs = (records: SourceRecord[]): CostRow[] =>
  records.flatMap((r) => (r.kind === 'cost' ? [r.row] : []));

async function csv(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function readError(path: string): Promise<SourceError> {
  try {
    await read(path);
  } catch (err) {
    if (err instanceof SourceError) return err;
    throw err;
  }
  throw new Error('expected a SourceError');
}

describe('aws-cur-legacy reader', () => {
  it.each([['acme-cur-1.csv'], ['acme-cur-1.zip'], [`../${NEW}`]])(
    'reads %s to the same rows',
    async (name) => {
      const rows = costs(await read(join(FIXTURES, 'variants', name)));
      expect(rows.map((r) => `${r.chargeType} ${r.billedCost}`)).toEqual([
        'Usage 3.6',
        'Usage 4.5',
        'Usage 0.1',
        'Usage 0.9',
        'Tax 0.41',
        'Credit -1.5',
        'EdpDiscount -0.36',
        'Usage 0.2496',
      ]);
    },
  );

  it('gathers one column per tag and cost category into the tag key space CUR 2.0 uses', async () => {
    const [row] = costs(await read(join(FIXTURES, 'variants/acme-cur-1.csv')));
    expect(row).toMatchObject({
      id: 'li-0101/2025-06-03T00:00:00Z/2025-06-04T00:00:00Z',
      provider: 'aws',
      billingAccountId: '111111111111',
      subAccountId: '222222222222',
      serviceName: 'Amazon Bedrock',
      region: 'us-east-1',
      model: 'anthropic.claude-sonnet-4-20250514-v1:0',
      tokenClass: 'inputTokens',
      quantity: '1200',
      unit: '1K tokens',
      tags: { team: 'checkout', 'costCategory/Team': 'Payments' },
    });
  });

  it('fails naming the file and the legacy column a header lacks', async () => {
    const path = await csv(
      'no-cost.csv',
      'identity/LineItemId,identity/TimeInterval,bill/PayerAccountId\nli-1,x,1\n',
    );
    const err = await readError(path);
    expect(err.code).toBe('SOURCE_MISSING_COLUMN');
    expect(err.file).toBe(path);
    expect(err.field).toBe('bill/BillingPeriodStartDate');
    expect(err.message).toContain('lineItem/UnblendedCost');
  });

  it('points a CUR 2.0 header at the aws-cur-2.0 format instead of reading it', async () => {
    const path = await csv('cur2.csv', 'identity_line_item_id,line_item_usage_account_id\na,b\n');
    expect((await readError(path)).message).toContain('use the aws-cur-2.0 format');
  });

  it('quarantines a row with a bad cost under its legacy column name', async () => {
    const text = await readFile(join(FIXTURES, 'variants/acme-cur-1.csv'), 'utf8');
    const path = await csv('bad-cost.csv', text.replace(',0.003,3.6,', ',0.003,three,'));
    const item = (await read(path)).find((r) => r.kind === 'quarantine');
    expect(item).toMatchObject({
      kind: 'quarantine',
      item: { field: 'lineItem/UnblendedCost', source: { line: 2 } },
    });
    expect(item?.kind === 'quarantine' && item.item.reason).toMatch(/^lineItem\/UnblendedCost /);
  });

  it('reads nothing from manifests and other export artifacts', async () => {
    expect(await read(join(FIXTURES, `${RANGE}/acme-cur-Manifest.json`))).toEqual([]);
  });

  it('fails on a zip that holds no CSV, naming the zip', async () => {
    const path = join(FIXTURES, 'variants/no-csv.zip');
    const err = await readError(path);
    expect(err).toMatchObject({ code: 'SOURCE_FORMAT_INVALID', file: path });
    expect(err.message).toContain('holds no .csv file');
  });
});

describe('legacy CUR deliveries', () => {
  it('orders the assembly the date range manifest names after every other', () => {
    const delivery = (path: string) => awsCurLegacyReader.deliveryOf!(file(join(FIXTURES, path)));
    expect(delivery(NEW) > delivery(OLD)).toBe(true);
  });

  it('without a manifest, orders assemblies by when their files were written', async () => {
    const copy = join(dir, 'kept');
    await cp(join(FIXTURES, 'acme-cur'), copy, { recursive: true });
    await rm(join(copy, '20250601-20250701/acme-cur-Manifest.json'));
    const oldFile = join(copy, OLD.slice('acme-cur/'.length));
    const newFile = join(copy, NEW.slice('acme-cur/'.length));
    await utimes(oldFile, new Date('2025-06-10T00:00:00Z'), new Date('2025-06-10T00:00:00Z'));
    await utimes(newFile, new Date('2025-06-05T00:00:00Z'), new Date('2025-06-05T00:00:00Z'));
    const delivery = (path: string) => awsCurLegacyReader.deliveryOf!(file(path));
    // The folder names sort the other way, so only the write times can order them.
    expect(delivery(oldFile) > delivery(newFile)).toBe(true);
  });

  it('treats files directly in the date range (overwrite mode) as one delivery', async () => {
    const range = join(dir, 'overwrite/20250601-20250701');
    await mkdir(range, { recursive: true });
    const a = awsCurLegacyReader.deliveryOf!(file(join(range, 'acme-cur-1.csv.gz')));
    const b = awsCurLegacyReader.deliveryOf!(file(join(range, 'acme-cur-2.csv.gz')));
    expect(a).toBe(b);
  });
});

describe('CUR 2.0 deliveries', () => {
  const delivery = (path: string) => awsCur2Reader.deliveryOf!(file(path));

  it('orders the refresh folder the partition manifest lists after an older one', async () => {
    const root = join(dir, 'exports/acme');
    const part = 'BILLING_PERIOD=2025-06';
    await mkdir(join(root, 'data', part, 'refresh-b'), { recursive: true });
    await mkdir(join(root, 'data', part, 'refresh-a'), { recursive: true });
    await mkdir(join(root, 'metadata', part), { recursive: true });
    const listed = `s3://bucket/acme/data/${part}/refresh-a/acme-00001.csv.gz`;
    await writeFile(
      join(root, 'metadata', part, 'acme-Manifest.json'),
      JSON.stringify({ dataFiles: [listed] }),
    );
    const current = delivery(join(root, 'data', part, 'refresh-a/acme-00001.csv.gz'));
    const older = delivery(join(root, 'data', part, 'refresh-b/acme-00001.csv.gz'));
    expect(current > older).toBe(true);
  });

  it('keeps each billing period a delivery of its own in overwrite mode', () => {
    const june = delivery('/x/acme/data/BILLING_PERIOD=2025-06/acme-00001.csv.gz');
    const july = delivery('/x/acme/data/BILLING_PERIOD=2025-07/acme-00001.csv.gz');
    expect(june).not.toBe(july);
    expect(delivery('/x/acme/data/BILLING_PERIOD=2025-06/acme-00002.csv.gz')).toBe(june);
  });
});
