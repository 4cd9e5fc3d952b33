import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CostRow, Quarantined, SourceRecord } from '../attribution/index.js';
import type { ReadContext } from './format-reader.js';
import { gcpBillingExportReader } from './gcp-billing-export.js';
import { SourceError } from './source-error.js';

const FIXTURES = new URL('./fixtures/gcp-billing-export/', import.meta.url).pathname;
const STANDARD = join(FIXTURES, 'standard-2025-06.jsonl');
const DETAILED = join(FIXTURES, 'detailed-query-results-2025-06.json');
const CTX: ReadContext = { connector: 'finops/gcp-billing', provider: 'gcp' };

let dir: string;
let standardLines: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'argmin-gcp-billing-'));
  standardLines = (await readFile(STANDARD, 'utf8')).trim().split('\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function read(path: string): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const record of gcpBillingExportReader.read({ path, name: path }, CTX)) {
    out.push(record);
  }
  return out;
}

const costs = (records: SourceRecord[]): CostRow[] =>
  records.flatMap((r) => (r.kind === 'cost' ? [r.row] : []));
const quarantined = (records: SourceRecord[]): Quarantined[] =>
  records.flatMap((r) => (r.kind === 'quarantine' ? [r.item] : []));
const sum = (rows: CostRow[], pick: (r: CostRow) => string | undefined = (r) => r.billedCost) =>
  rows.reduce((total, r) => total.plus(pick(r) ?? '0'), new Decimal(0)).toFixed();

/** The fixture's rows as objects, to be changed one field at a time. */
function fixtureRow(line: number): Record<string, unknown> {
  return JSON.parse(standardLines[line - 1]!) as Record<string, unknown>;
}

async function writeLines(name: string, rows: unknown[]): Promise<string> {
  const path = join(dir, name);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return path;
}

describe('gcp-billing-export reader, newline-delimited JSON', () => {
  it('keeps gross usage of 10 and credits of -2 and -3 as rows of their own, netting to 5', async () => {
    const rows = costs(await read(STANDARD)).filter((r) => r.source.line === 1);
    const usage = rows.filter((r) => r.chargeCategory === 'Usage');
    const credits = rows.filter((r) => r.chargeCategory === 'Credit');

    expect(sum(usage)).toBe('10');
    expect(sum(credits)).toBe('-5');
    expect(sum(rows)).toBe('5');
    expect(credits.map((r) => r.chargeType)).toEqual(['PROMOTION', 'FREE_TIER']);
    // Credits land on the same project, model and token class as the usage they reduce.
    for (const credit of credits) {
      expect(credit).toMatchObject({
        subAccountId: 'checkout-prod',
        model: 'gemini-2.5-pro',
        tokenClass: 'inputTokens',
        quantity: null,
      });
    }
    expect(new Set(rows.map((r) => r.id)).size).toBe(3);
  });

  it('turns a Vertex AI token line into a FOCUS-shaped row with model, class and billed tokens', async () => {
    const [first] = costs(await read(STANDARD));
    expect(first).toMatchObject({
      provider: 'gcp',
      billingAccountId: '01A2B3-C4D5E6-F7A8B9',
      subAccountId: 'checkout-prod',
      billingPeriodStart: '2025-06-01T00:00:00Z',
      billingPeriodEnd: '2025-07-01T00:00:00Z',
      chargePeriodStart: '2025-06-03T10:00:00Z',
      chargePeriodEnd: '2025-06-03T11:00:00Z',
      chargeCategory: 'Usage',
      chargeType: 'regular',
      serviceName: 'Vertex AI',
      usageType: 'Generate content input token count Gemini 2.5 Pro short input text',
      region: 'us-central1',
      model: 'gemini-2.5-pro',
      tokenClass: 'inputTokens',
      quantity: '8000000',
      unit: 'tokens',
      billedCost: '10',
      effectiveCost: '10',
      listCost: '10',
      currency: 'USD',
      principal: null,
    });
  });

  it.each([
    [2, 'Usage', 'gemini-2.5-pro', 'outputTokens'],
    [3, 'Usage', 'gemini-2.5-pro', 'outputTokens'],
    [4, 'Usage', 'gemini-2.5-flash', 'cacheReadTokens'],
    [5, 'Usage', 'gemini-3.1-flash-lite-preview', 'inputTokens'],
    [6, 'Usage', 'gemini-1.5-flash', null],
    [7, 'Usage', null, null],
    [8, 'Purchase', 'gemini-2.5-flash', null],
    [9, 'Usage', 'gemini-2.0-flash', 'inputTokens'],
    [10, 'Usage', null, null],
    [11, 'Tax', null, null],
    [12, 'Adjustment', null, null],
  ])('reads line %i as %s of model %s, class %s', async (line, category, model, tokenClass) => {
    const gross = costs(await read(STANDARD)).find(
      (r) => r.source.line === line && r.chargeCategory !== 'Credit',
    );
    expect(gross).toMatchObject({ chargeCategory: category, model, tokenClass });
  });

  it('keeps the unit as given where the line does not bill tokens', async () => {
    const rows = costs(await read(STANDARD));
    expect(rows.find((r) => r.source.line === 6)).toMatchObject({ unit: 'count' });
    expect(rows.find((r) => r.source.line === 7)).toMatchObject({ unit: 'hour' });
  });

  it('sums every signed amount of the file: the bill total, to the cent', async () => {
    const rows = costs(await read(STANDARD));
    // 10 + 4 + 1.5 + 0.075 + 0.2 + 0.05 + 0.9 + 100 + 0.3 + 2.4 + 1.23 - 0.004 - 5 - 0.48
    expect(sum(rows)).toBe('115.171');
  });

  it('counts a commitment once in the effective view: its fee, and covered usage net of credits', async () => {
    const rows = costs(await read(STANDARD));
    expect(sum(rows, (r) => r.effectiveCost)).toBe(sum(rows));
    const purchase = rows.find((r) => r.chargeCategory === 'Purchase');
    expect(purchase).toMatchObject({ billedCost: '100', effectiveCost: '100' });
  });

  it('puts labels, tags, system labels and project labels in one key space, the row’s own first', async () => {
    const compute = costs(await read(STANDARD)).find((r) => r.serviceName === 'Compute Engine');
    expect(compute?.tags).toEqual({
      team: 'platform',
      env: 'staging',
      'data-class': 'internal',
      'compute.googleapis.com/machine_spec': 'n2-standard-4',
      'cost-center': 'cc-payments',
    });
  });

  it('names the caller a Vertex request label names', async () => {
    const thinking = costs(await read(STANDARD)).find((r) => r.source.line === 3);
    expect(thinking?.principal).toBe('alice');
  });

  it('bills lines without a project to the account itself, with an empty sub-account', async () => {
    const tax = costs(await read(STANDARD)).find((r) => r.chargeCategory === 'Tax');
    expect(tax).toMatchObject({ subAccountId: '', billedCost: '1.23', region: null });
  });

  it('gives the same row the same id on every read, and every row of a file its own', async () => {
    const first = costs(await read(STANDARD)).map((r) => r.id);
    const again = costs(await read(STANDARD)).map((r) => r.id);
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
  });

  it('reads a gzip file as it reads plain text', async () => {
    const gz = join(dir, 'standard.jsonl.gz');
    await writeFile(gz, gzipSync(await readFile(STANDARD)));
    const strip = (rows: CostRow[]) => rows.map(({ source: _source, ...rest }) => rest);
    expect(strip(costs(await read(gz)))).toEqual(strip(costs(await read(STANDARD))));
  });

  it.each([
    ['cost', 'abc', 'cost'],
    ['usage_start_time', 'yesterday', 'usage_start_time'],
    ['invoice', { month: '2025-06' }, 'invoice.month'],
    ['credits', [{ amount: 'minus two', type: 'PROMOTION' }], 'credits[0].amount'],
    ['labels', { team: 'checkout' }, 'labels'],
    ['currency', '', 'currency'],
  ])(
    'quarantines a row whose %s is bad, naming line and field, with none of its rows kept',
    async (key, value, field) => {
      const broken = { ...fixtureRow(1), [key]: value };
      const path = await writeLines(`bad-${key}.jsonl`, [fixtureRow(2), broken, fixtureRow(4)]);
      const records = await read(path);

      expect(quarantined(records)).toEqual([
        {
          source: { connector: CTX.connector, file: path, line: 2 },
          field,
          reason: expect.stringContaining(field),
        },
      ]);
      expect(costs(records).map((r) => r.source.line)).toEqual([1, 3]);
    },
  );

  it('quarantines a line that is not JSON and reads on', async () => {
    const path = join(dir, 'torn.jsonl');
    await writeFile(
      path,
      `${standardLines[0]}\n{"billing_account_id": "01A2\n${standardLines[1]}\n`,
    );
    const records = await read(path);
    expect(quarantined(records)).toMatchObject([
      { source: { line: 2 }, reason: 'the line is not valid JSON' },
    ]);
    expect(new Set(costs(records).map((r) => r.source.line))).toEqual(new Set([1, 3]));
  });

  it.each(['cost', 'currency', 'usage_start_time', 'invoice', 'export_time'])(
    'refuses a file whose first row has no %s, naming the file and the field',
    async (key) => {
      const row = fixtureRow(1);
      delete row[key];
      const path = await writeLines(`no-${key}.jsonl`, [row, fixtureRow(2)]);
      const error = await read(path).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(SourceError);
      expect(error).toMatchObject({ code: 'SOURCE_MISSING_COLUMN', file: path });
      expect((error as SourceError).field).toMatch(new RegExp(`^${key}`));
      expect((error as SourceError).message).toContain(path);
    },
  );

  it('checks the whole schema of a file that writes NULLs, as a table read through the API is', async () => {
    const row: Record<string, unknown> = { ...fixtureRow(11), project: null, cost_at_list: null };
    delete row.credits;
    const path = await writeLines('nulls-no-credits.jsonl', [row]);
    await expect(read(path)).rejects.toMatchObject({
      code: 'SOURCE_MISSING_COLUMN',
      field: 'credits',
    });
    const complete = await writeLines('nulls.jsonl', [{ ...row, credits: [] }]);
    expect(costs(await read(complete))).toMatchObject([{ subAccountId: '', billedCost: '1.23' }]);
  });

  it('refuses an empty file', async () => {
    const path = join(dir, 'empty.jsonl');
    await writeFile(path, '\n\n');
    await expect(read(path)).rejects.toMatchObject({ code: 'SOURCE_FORMAT_INVALID' });
  });
});

describe('gcp-billing-export reader, BigQuery API responses', () => {
  it('reads a detailed jobs.getQueryResults response, with resources and exact tiny amounts', async () => {
    const records = await read(DETAILED);
    expect(quarantined(records)).toEqual([]);
    const rows = costs(records);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({
      subAccountId: 'ml-platform',
      chargePeriodStart: '2025-06-03T09:00:00Z',
      chargePeriodEnd: '2025-06-03T10:00:00Z',
      region: 'europe-west4',
      model: 'gemini-2.5-flash',
      tokenClass: 'inputTokens',
      currency: 'EUR',
      billedCost: '0.276',
      principal: 'bob',
      resourceId: null,
    });
    expect(rows[1]).toMatchObject({
      serviceName: 'Cloud Run',
      resourceId:
        '//run.googleapis.com/projects/ml-platform/locations/europe-west4/services/embedder',
      billedCost: '0.000001',
    });
    expect(rows[2]).toMatchObject({ chargeCategory: 'Credit', billedCost: '-0.000001' });
  });

  it('places each API row on the line it starts on', async () => {
    const text = await readFile(DETAILED, 'utf8');
    const rowsAt = text.split('\n').findIndex((l) => l.includes('"rows"')) + 1;
    const lines = costs(await read(DETAILED)).map((r) => r.source.line);
    expect(lines[0]).toBe(rowsAt + 1);
    expect(lines[1]).toBeGreaterThan(lines[0]!);
  });

  it('names the first required field a response schema lacks', async () => {
    const response = JSON.parse(await readFile(DETAILED, 'utf8')) as {
      schema: { fields: { name: string; fields?: { name: string }[] }[] };
    };
    const resource = response.schema.fields.find((f) => f.name === 'resource')!;
    resource.fields = resource.fields!.filter((f) => f.name !== 'global_name');
    const path = join(dir, 'no-global-name.json');
    await writeFile(path, JSON.stringify(response));
    await expect(read(path)).rejects.toMatchObject({
      code: 'SOURCE_MISSING_COLUMN',
      field: 'resource.global_name',
      message: expect.stringContaining('detailed'),
    });
  });

  it('refuses a tabledata.list page, whose cells have no schema to be read by', async () => {
    const path = join(dir, 'tabledata.json');
    await writeFile(path, JSON.stringify({ kind: 'bigquery#tableDataList', rows: [{ f: [] }] }));
    await expect(read(path)).rejects.toMatchObject({
      code: 'SOURCE_MISSING_COLUMN',
      field: 'schema.fields',
    });
  });

  it('quarantines a row whose cells do not match the schema', async () => {
    const response = JSON.parse(await readFile(DETAILED, 'utf8')) as { rows: { f: unknown[] }[] };
    response.rows[0]!.f = response.rows[0]!.f.slice(1);
    const path = join(dir, 'short-row.json');
    await writeFile(path, JSON.stringify(response, null, 1));
    const records = await read(path);
    expect(quarantined(records)).toMatchObject([{ field: 'the row' }]);
    expect(costs(records)).toHaveLength(2);
  });
});

describe('gcp-billing-export deliveries', () => {
  it('gives the files of one export folder one delivery, and later folders later ones', () => {
    const delivery = (path: string) => gcpBillingExportReader.deliveryOf!({ path, name: path });
    const a = delivery('/exports/2025-06-03T04/000000000000.json');
    const b = delivery('/exports/2025-06-03T04/000000000001.json');
    const c = delivery('/exports/2025-06-04T04/000000000000.json');
    expect(a).toBe(b);
    expect(a < c).toBe(true);
  });
});
