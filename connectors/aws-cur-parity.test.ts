// The same month of spend, delivered as a legacy CUR, a CUR 2.0 CSV and a CUR 2.0 Parquet export,
// synced and attributed end to end: every form gives the same report.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addObject,
  attribute,
  emptyClusterState,
  Store,
  type CloudConnector,
  type KubeObject,
  type Report,
  type UsageEvent,
} from '../attribution/index.js';
import { isAiService } from './ai-services.js';
import { awsCur2Reader } from './aws-cur-2.js';
import { awsCurLegacyReader } from './aws-cur-legacy.js';
import { cellText, readExportTable } from './aws-export-table.js';
import type { FormatReader } from './format-reader.js';
import { normalizeModelId } from './model-names.js';
import { syncConnector } from './sync.js';

const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
const CUR2_FILE = 'aws-cur-2.0/acme-export/data/BILLING_PERIOD=2025-06/acme-export-00001.csv.gz';

const READERS: Record<string, FormatReader> = {
  'aws-cur-legacy': awsCurLegacyReader,
  'aws-cur-2.0': awsCur2Reader,
};

const origin = { file: 'cluster.yaml', line: 1 };
const CLUSTER: KubeObject[] = [
  {
    apiVersion: 'argmin.io/v1alpha1',
    kind: 'CostCenter',
    metadata: { name: 'payments' },
    spec: { code: 'CC-PAY', displayName: 'Payments', accounts: ['222222222222'] },
  },
  {
    apiVersion: 'argmin.io/v1alpha1',
    kind: 'CostCenter',
    metadata: { name: 'search' },
    spec: { code: 'CC-SEARCH', displayName: 'Search' },
  },
  ...(['checkout', 'ranker'] as const).map((name): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: name === 'checkout' ? 'payments' : 'search',
      annotations: { 'argmin.io/cost-center': name === 'checkout' ? 'payments' : 'search' },
    },
    spec: { template: { spec: { serviceAccountName: name, containers: [] } } },
  })),
  {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name: 'checkout',
      namespace: 'payments',
      annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::222222222222:role/checkout' },
    },
  },
];

/** Claude Sonnet 4 calls on the day the bill covers, from two services, 3:1 by input tokens. */
const EVENTS: UsageEvent[] = [
  {
    requestId: 'r-1',
    timestamp: '2025-06-03T09:00:00Z',
    provider: 'aws',
    model: 'us.anthropic.claude-sonnet-4-20250514-v1:0',
    inputTokens: 900_000,
    outputTokens: 200_000,
    account: '222222222222',
    region: 'us-east-1',
    identity: { awsPrincipal: 'arn:aws:sts::222222222222:assumed-role/checkout/botocore-1' },
  },
  {
    requestId: 'r-2',
    timestamp: '2025-06-03T10:00:00Z',
    provider: 'aws',
    model: 'anthropic.claude-sonnet-4-20250514-v1:0',
    inputTokens: 300_000,
    outputTokens: 100_000,
    account: '222222222222',
    region: 'us-east-1',
    identity: { serviceAccount: 'search/ranker' },
  },
];

let dir: string;
let store: Store;

function connector(name: string, format: string, url: string): CloudConnector {
  return {
    metadata: { name, namespace: 'finops', labels: {}, annotations: {} },
    spec: { provider: 'aws', sources: [{ name: 'cur', format, url }] },
    origin: { file: 'connector.yaml', line: 1 },
  };
}

async function report(name: string, format: string, url: string): Promise<Report> {
  const sync = await syncConnector(connector(name, format, url), {
    store,
    baseDir: dir,
    readerFor: (f) => READERS[f],
  });
  expect(sync.quarantined).toEqual([]);
  const state = emptyClusterState();
  for (const object of CLUSTER) addObject(state, object, origin);
  const result = await attribute({
    store,
    state,
    connectors: [`finops/${name}`],
    codeowners: new Map(),
    isAiSpend: isAiService,
    normalizeModel: normalizeModelId,
  });
  return result.report;
}

/** The CUR 2.0 CSV fixture rewritten as Parquet, typed as Data Exports types its columns. */
async function writeParquet(target: string): Promise<void> {
  let header: string[] = [];
  const rows: unknown[][] = [];
  for await (const record of readExportTable({ path: join(FIXTURES, CUR2_FILE), name: 'cur' })) {
    if (record.kind === 'header') header = record.columns;
    if (record.kind === 'row') rows.push(record.cells);
  }
  const maps = new Set(['product', 'resource_tags', 'cost_category']);
  const doubles = new Set(['line_item_usage_amount', 'line_item_unblended_cost']);
  const times = new Set([
    'bill_billing_period_start_date',
    'bill_billing_period_end_date',
    'line_item_usage_start_date',
    'line_item_usage_end_date',
  ]);
  const schema: Record<string, unknown>[] = [{ name: 'root', num_children: header.length }];
  const columnData = header.map((name, at) => {
    const texts = rows.map((r) => cellText(r[at]));
    if (maps.has(name)) {
      schema.push(
        { name, repetition_type: 'OPTIONAL', converted_type: 'MAP', num_children: 1 },
        { name: 'key_value', repetition_type: 'REPEATED', num_children: 2 },
        { name: 'key', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
        { name: 'value', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      );
      return { name, data: texts.map((t) => (t === '' ? null : JSON.parse(t))) };
    }
    if (doubles.has(name)) {
      schema.push({ name, type: 'DOUBLE', repetition_type: 'OPTIONAL' });
      return { name, data: texts.map((t) => (t === '' ? null : Number(t))) };
    }
    if (times.has(name)) {
      schema.push({
        name,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MILLIS',
        repetition_type: 'OPTIONAL',
      });
      return { name, data: texts.map((t) => new Date(t)) };
    }
    schema.push({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' });
    return { name, data: texts.map((t) => (t === '' ? null : t)) };
  });
  // Two rows a group, so reading goes through several row groups.
  parquetWriteFile({ filename: target, columnData, schema: schema as never, rowGroupSize: 2 });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'argmin-cur-parity-'));
  await cp(join(FIXTURES, 'aws-cur-legacy/acme-cur'), join(dir, 'legacy'), { recursive: true });
  await cp(join(FIXTURES, 'aws-cur-2.0/acme-export'), join(dir, 'cur2'), { recursive: true });
  await cp(join(FIXTURES, 'aws-cur-legacy/variants/acme-cur-1.zip'), join(dir, 'legacy.zip'));
  await writeParquet(join(dir, 'acme-export-00001.snappy.parquet'));
  store = await Store.open(undefined);
  await store.insertUsageEvents(EVENTS, 'test');
}, 60_000);

afterAll(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('one month of AWS spend in every CUR form', () => {
  let legacy: Report;

  beforeAll(async () => {
    legacy = await report('legacy', 'aws-cur-legacy', 'file://legacy/');
  });

  it('attributes the legacy CUR with signed credits, discount and tax, EC2 left out', () => {
    expect(legacy.totals.billed).toBe('7.65');
    expect(legacy.totals.byChargeCategory).toEqual({
      Usage: '9.1',
      Tax: '0.41',
      Credit: '-1.86',
    });
    expect(legacy.outOfScope).toEqual({ rows: 1, cost: '0.2496' });
    const centers = new Set(legacy.rows.map((r) => r.costCenter));
    expect(centers).toEqual(new Set(['payments', 'search']));
  });

  it.each([
    ['a CUR 2.0 CSV export', 'cur2-csv', 'aws-cur-2.0', 'file://cur2/'],
    [
      'a CUR 2.0 Parquet export',
      'cur2-parquet',
      'aws-cur-2.0',
      'file://acme-export-00001.snappy.parquet',
    ],
    ['a zipped legacy CUR', 'legacy-zip', 'aws-cur-legacy', 'file://legacy.zip'],
  ])('gives the same report from %s as from the legacy CUR', async (_form, name, format, url) => {
    const other = await report(name, format, url);
    expect(other.totals).toEqual(legacy.totals);
    expect(other.rows).toEqual(legacy.rows);
    expect(other.outOfScope).toEqual(legacy.outOfScope);
  });
});
