import { OAuth2Client } from 'google-auth-library';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listSourceFiles, readLines, SourceError } from '../../connectors/index.js';
import { withSourceAccess, type SourceAccess } from '../../connectors/source-access.js';
import type { TableField } from '../../connectors/source-bigquery.js';
import { startBigQueryDouble } from './bigquery-double.js';
import type { ReadOnlyDouble } from './read-only-double.js';

const URL = 'bigquery://acme-billing/billing_export/gcp_billing_export_v1_01A2B3_C4D5E6_F7A8B9';

/** A slice of the standard billing export's schema: records, repeated records, each type. */
const SCHEMA: TableField[] = [
  { name: 'billing_account_id', type: 'STRING', mode: 'NULLABLE' },
  {
    name: 'service',
    type: 'RECORD',
    mode: 'NULLABLE',
    fields: [
      { name: 'id', type: 'STRING' },
      { name: 'description', type: 'STRING' },
    ],
  },
  { name: 'usage_start_time', type: 'TIMESTAMP', mode: 'NULLABLE' },
  { name: 'cost', type: 'FLOAT', mode: 'NULLABLE' },
  { name: 'usage_amount_micros', type: 'INTEGER', mode: 'NULLABLE' },
  { name: 'cost_at_list', type: 'NUMERIC', mode: 'NULLABLE' },
  {
    name: 'labels',
    type: 'RECORD',
    mode: 'REPEATED',
    fields: [
      { name: 'key', type: 'STRING' },
      { name: 'value', type: 'STRING' },
    ],
  },
  {
    name: 'credits',
    type: 'RECORD',
    mode: 'REPEATED',
    fields: [
      { name: 'name', type: 'STRING' },
      { name: 'amount', type: 'FLOAT' },
    ],
  },
  { name: 'is_final', type: 'BOOLEAN', mode: 'NULLABLE' },
];

const cell = (v: unknown) => ({ v });
function apiRow(i: number, credits: [string, string][]) {
  return {
    f: [
      cell('01A2B3-C4D5E6-F7A8B9'),
      cell({ f: [cell('C7E2-9256-1C43'), cell('Vertex AI')] }),
      // 2026-10-01T00:00:00Z plus i hours, in microseconds, as useInt64Timestamp sends it.
      cell(String((1_790_812_800 + i * 3600) * 1_000_000 + (i === 2 ? 250_000 : 0))),
      cell('10'),
      cell('9007199254740993'),
      cell('12.345678901'),
      cell(i === 0 ? [cell({ f: [cell('team'), cell('search')] })] : []),
      cell(credits.map(([name, amount]) => cell({ f: [cell(name), cell(amount)] }))),
      cell(i === 3 ? null : 'true'),
    ],
  };
}

let bigquery: ReadOnlyDouble;
let access: SourceAccess;

beforeAll(async () => {
  bigquery = await startBigQueryDouble([
    {
      project: 'acme-billing',
      dataset: 'billing_export',
      table: 'gcp_billing_export_v1_01A2B3_C4D5E6_F7A8B9',
      schema: SCHEMA,
      rows: [
        apiRow(0, [
          ['FreeTier', '-2'],
          ['Promotion', '-3'],
        ]),
        apiRow(1, []),
        apiRow(2, []),
        apiRow(3, []),
        apiRow(4, []),
      ],
    },
  ]);
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'ya29.bq-reader', expiry_date: Date.now() + 3_600_000 });
  access = { endpoints: { bigquery: bigquery.endpoint }, googleAuthClient: auth };
});
afterEach(() => {
  expect(bigquery.refused).toEqual([]);
});
afterAll(async () => {
  await bigquery.close();
});

async function rows(path: string, limit = Infinity): Promise<Record<string, unknown>[]> {
  return withSourceAccess(access, async () => {
    const out: Record<string, unknown>[] = [];
    for await (const { text } of readLines(path)) {
      out.push(JSON.parse(text) as Record<string, unknown>);
      if (out.length >= limit) break;
    }
    return out;
  });
}

describe('bigquery:// tables against a faithful double of the BigQuery REST API (tables.get, tabledata.list)', () => {
  it('lists a table as one file named dataset.table', async () => {
    expect(await listSourceFiles(URL, '/unused', access)).toEqual([
      { path: URL, name: 'billing_export.gcp_billing_export_v1_01A2B3_C4D5E6_F7A8B9' },
    ]);
  });

  it('streams every row across pages as the JSON export writes it: records as objects, repeated fields as arrays, exact integers and decimals', async () => {
    const all = await rows(URL);
    expect(all).toHaveLength(5);
    expect(all[0]).toEqual({
      billing_account_id: '01A2B3-C4D5E6-F7A8B9',
      service: { id: 'C7E2-9256-1C43', description: 'Vertex AI' },
      usage_start_time: '2026-10-01T00:00:00Z',
      cost: 10,
      usage_amount_micros: '9007199254740993',
      cost_at_list: '12.345678901',
      labels: [{ key: 'team', value: 'search' }],
      credits: [
        { name: 'FreeTier', amount: -2 },
        { name: 'Promotion', amount: -3 },
      ],
      is_final: true,
    });
    expect(all[2]?.usage_start_time).toBe('2026-10-01T02:00:00.25Z');
    expect(all[3]?.is_final).toBeNull();
    expect(all[4]?.labels).toEqual([]);
  });

  it('fetches pages only as the reader consumes them, at most one ahead, so a table of any size streams', async () => {
    const before = bigquery.requests.length;
    expect(await rows(URL, 1)).toHaveLength(1);
    // Five rows are three pages here; the first row needs one, and one more may be under way.
    const pages = bigquery.requests.slice(before).filter((r) => r.url.includes('/data'));
    expect(pages.length).toBeLessThanOrEqual(2);
  });

  it('signs every request with the credential it is given, and makes only GET requests', async () => {
    await rows(URL);
    for (const request of bigquery.requests) {
      expect(request.method).toBe('GET');
      expect(request.authorization).toBe('Bearer ya29.bq-reader');
    }
  });

  it('fails a missing table with SOURCE_NOT_FOUND naming the url', async () => {
    const missing = 'bigquery://acme-billing/billing_export/nothing';
    const err = await listSourceFiles(missing, '/unused', access).then(
      () => undefined,
      (e: unknown) => e as SourceError,
    );
    expect(err).toBeInstanceOf(SourceError);
    expect(err?.code).toBe('SOURCE_NOT_FOUND');
    expect(err?.message).toContain(missing);
  });

  it('the double fails the suite on a write or a query job: jobs.insert is refused and recorded', async () => {
    const before = bigquery.refused.length;
    const response = await fetch(`${bigquery.endpoint}/bigquery/v2/projects/acme-billing/jobs`, {
      method: 'POST',
      body: '{}',
    });
    expect(response.status).toBe(405);
    expect(bigquery.refused.slice(before)).toEqual([expect.objectContaining({ method: 'POST' })]);
    bigquery.refused.splice(before);
  });
});
