// One billing export table, three shapes: the newline-delimited JSON export (the fixture), the rows
// a jobs.getQueryResults response carries, and the Parquet export, the last two written here from
// the fixture's rows by the standard schema, as BigQuery writes them.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CostRow, SourceRecord } from '../attribution/index.js';
import type { BigQueryField } from './gcp-bigquery-rows.js';
import { gcpBillingExportReader } from './gcp-billing-export.js';

const FIXTURES = new URL('./fixtures/gcp-billing-export/', import.meta.url).pathname;
const STANDARD = join(FIXTURES, 'standard-2025-06.jsonl');

type Row = Record<string, unknown>;

let dir: string;
let fields: BigQueryField[];
let rows: Row[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'argmin-gcp-shapes-'));
  const schema = JSON.parse(await readFile(join(FIXTURES, 'schema-standard.json'), 'utf8')) as {
    fields: BigQueryField[];
  };
  fields = schema.fields;
  rows = (await readFile(STANDARD, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Row);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function costRows(path: string): Promise<Omit<CostRow, 'source'>[]> {
  const out: Omit<CostRow, 'source'>[] = [];
  const records: SourceRecord[] = [];
  for await (const r of gcpBillingExportReader.read({ path, name: path }, CTX)) records.push(r);
  expect(records.filter((r) => r.kind === 'quarantine')).toEqual([]);
  for (const r of records) if (r.kind === 'cost') out.push(withoutSource(r.row));
  return out;
}

const CTX = { connector: 'finops/gcp-billing', provider: 'gcp' as const };

function withoutSource({ source: _source, ...rest }: CostRow): Omit<CostRow, 'source'> {
  return rest;
}

/** `2025-06-03 10:00:00.5 UTC` as the instant it names. */
function instant(text: string): Date {
  return new Date(text.replace(' UTC', 'Z').replace(' ', 'T'));
}

/** A row in the API's `{f: [{v}]}` form: every scalar as text, TIMESTAMP as float seconds. */
function apiRow(row: Row, schema: BigQueryField[]): { f: { v: unknown }[] } {
  return { f: schema.map((field) => ({ v: apiCell(row[field.name], field) })) };
}

function apiCell(value: unknown, field: BigQueryField): unknown {
  if (value === undefined || value === null) return null;
  if (field.mode === 'REPEATED') {
    return (value as unknown[]).map((item) => ({ v: apiValue(item, field) }));
  }
  return apiValue(value, field);
}

function apiValue(value: unknown, field: BigQueryField): unknown {
  if (field.type === 'RECORD') return apiRow(value as Row, field.fields ?? []);
  if (field.type === 'TIMESTAMP') return `${instant(value as string).getTime() / 1e12}E9`;
  return String(value);
}

/** The Parquet schema BigQuery writes for a table: records as groups, repeated ones as lists. */
function parquetSchema(schema: BigQueryField[]): object[] {
  return [{ name: 'root', num_children: schema.length }, ...schema.flatMap(parquetElements)];
}

function parquetElements(field: BigQueryField): object[] {
  const optional = { name: field.name, repetition_type: 'OPTIONAL' };
  const record = field.fields ?? [];
  const inner =
    field.type === 'RECORD'
      ? [{ ...optional, num_children: record.length }, ...record.flatMap(parquetElements)]
      : [{ ...optional, ...PARQUET_TYPES[field.type] }];
  if (field.mode !== 'REPEATED') return inner;
  const [element, ...rest] = inner;
  return [
    { ...optional, converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { ...element, name: 'element' },
    ...rest,
  ];
}

const PARQUET_TYPES: Record<string, object> = {
  STRING: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  FLOAT: { type: 'DOUBLE' },
  BOOLEAN: { type: 'BOOLEAN' },
  TIMESTAMP: {
    type: 'INT64',
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
  },
};

function parquetValue(value: unknown, field: BigQueryField): unknown {
  if (field.mode === 'REPEATED') {
    return ((value as unknown[] | undefined) ?? []).map((item) =>
      parquetValue(item, { ...field, mode: 'NULLABLE' }),
    );
  }
  if (value === undefined || value === null) return null;
  if (field.type === 'RECORD') {
    const row = value as Row;
    return Object.fromEntries(
      (field.fields ?? []).map((f) => [f.name, parquetValue(row[f.name], f)]),
    );
  }
  if (field.type === 'TIMESTAMP') return instant(value as string);
  if (field.type === 'FLOAT') return Number(value);
  return value;
}

function parquetBuffer(schema: BigQueryField[], table: Row[]): ArrayBuffer {
  return parquetWriteBuffer({
    columnData: schema.map((field) => ({
      name: field.name,
      data: table.map((row) => parquetValue(row[field.name], field)),
    })),
    schema: parquetSchema(schema) as never,
    rowGroupSize: 5,
  });
}

describe('gcp-billing-export reader, the same table in every shape', () => {
  it('reads a jobs.getQueryResults response of the table as the same cost rows', async () => {
    const path = join(dir, 'query-results.json');
    const response = {
      kind: 'bigquery#getQueryResultsResponse',
      schema: { fields },
      rows: rows.map((r) => apiRow(r, fields)),
      totalRows: String(rows.length),
      jobComplete: true,
    };
    await writeFile(path, JSON.stringify(response, null, 2));
    expect(await costRows(path)).toEqual(await costRows(STANDARD));
  });

  it('reads the same response written on one line', async () => {
    const path = join(dir, 'query-results-compact.json');
    await writeFile(
      path,
      JSON.stringify({ schema: { fields }, rows: rows.map((r) => apiRow(r, fields)) }),
    );
    expect(await costRows(path)).toEqual(await costRows(STANDARD));
  });

  it('reads the Parquet export of the table, row group by row group, as the same cost rows', async () => {
    const path = join(dir, 'export-000000000000.parquet');
    await writeFile(path, Buffer.from(parquetBuffer(fields, rows)));
    expect(await costRows(path)).toEqual(await costRows(STANDARD));
  });

  it('reads a gzipped Parquet file through a temporary copy', async () => {
    const path = join(dir, 'export.parquet.gz');
    await writeFile(path, gzipSync(Buffer.from(parquetBuffer(fields, rows.slice(0, 3)))));
    expect(await costRows(path)).toEqual((await costRows(STANDARD)).slice(0, 5));
  });

  it('numbers Parquet rows from 1 across row groups', async () => {
    const path = join(dir, 'numbered.parquet');
    await writeFile(path, Buffer.from(parquetBuffer(fields, rows)));
    const lines = new Set<number>();
    for await (const r of gcpBillingExportReader.read({ path, name: path }, CTX)) {
      if (r.kind === 'cost') lines.add(r.row.source.line);
    }
    expect([...lines]).toEqual(rows.map((_, i) => i + 1));
  });

  it('refuses a Parquet export without credits, naming the file and the field', async () => {
    const path = join(dir, 'no-credits.parquet');
    const schema = fields.filter((f) => f.name !== 'credits');
    await writeFile(path, Buffer.from(parquetBuffer(schema, rows)));
    await expect(costRows(path)).rejects.toMatchObject({
      code: 'SOURCE_MISSING_COLUMN',
      field: 'credits',
      file: path,
    });
  });

  it('tells the detailed schema by its resource and price fields, and requires all of them', async () => {
    const resource: BigQueryField = {
      name: 'resource',
      type: 'RECORD',
      fields: [
        { name: 'name', type: 'STRING' },
        { name: 'global_name', type: 'STRING' },
      ],
    };
    const price: BigQueryField = {
      name: 'price',
      type: 'RECORD',
      fields: [{ name: 'effective_price', type: 'FLOAT' }],
    };
    const withResource = rows.map((r) => ({
      ...r,
      resource: { name: 'vm-1', global_name: '//compute.googleapis.com/vm-1' },
      price: { effective_price: 0.5 },
    }));
    const detailed = join(dir, 'detailed.parquet');
    await writeFile(
      detailed,
      Buffer.from(parquetBuffer([...fields, resource, price], withResource)),
    );
    const read = await costRows(detailed);
    expect(read[0]?.resourceId).toBe('//compute.googleapis.com/vm-1');

    const partial = join(dir, 'detailed-without-price.parquet');
    await writeFile(partial, Buffer.from(parquetBuffer([...fields, resource], withResource)));
    await expect(costRows(partial)).rejects.toMatchObject({
      code: 'SOURCE_MISSING_COLUMN',
      field: 'price.effective_price',
    });
  });
});
