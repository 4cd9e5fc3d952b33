// A BigQuery table as one source file, read-only: tables.get for its schema, tabledata.list for
// its rows, page by page as the reader consumes them. The rows come out as newline-delimited JSON
// in the shape of BigQuery's own JSON export of the table (records as objects, repeated fields as
// arrays), so one reader understands a table read here and an export of it alike.
import { Readable } from 'node:stream';
import { BigQuery, type BigQueryOptions, type Table } from '@google-cloud/bigquery';
import type { SourceFile } from './format-reader.js';
import type { SourceAccess } from './source-access.js';
import { SourceError } from './source-error.js';
import { remoteFailure } from './source-failure.js';
import { googleOptions } from './source-gcs.js';
import { remoteLocation, type RemoteLocation } from './source-url.js';

// A page of billing export rows is a few kilobytes a row; this keeps one page to tens of megabytes.
const PAGE_ROWS = 5_000;

type TableLocation = Extract<RemoteLocation, { scheme: 'bigquery' }>;

export interface TableField {
  name: string;
  type: string;
  mode?: string;
  fields?: TableField[];
}

export async function listBigQuery(url: string, access: SourceAccess): Promise<SourceFile[]> {
  const location = tableLocation(url);
  try {
    await tableSchema(table(location, access));
  } catch (err) {
    throw remoteFailure(url, 'list', err);
  }
  return [{ path: url, name: `${location.dataset}.${location.table}` }];
}

export function openBigQuery(path: string, access: SourceAccess): Readable {
  const location = tableLocation(path);
  const source = table(location, access);

  async function* lines(): AsyncGenerator<string> {
    let schema: TableField[];
    try {
      schema = await tableSchema(source);
    } catch (err) {
      throw remoteFailure(path, 'read', err);
    }
    let pageToken: string | undefined;
    do {
      let page: DataPage;
      try {
        page = await dataPage(source, pageToken);
      } catch (err) {
        throw remoteFailure(path, 'read', err);
      }
      const text = (page.rows ?? []).map((row) => `${JSON.stringify(rowObject(schema, row))}\n`);
      if (text.length > 0) yield text.join('');
      pageToken = page.pageToken;
    } while (pageToken);
  }
  // Each chunk is a whole page: at most one page is fetched ahead of the reader.
  return Readable.from(lines(), { objectMode: false, highWaterMark: 1 });
}

function tableLocation(url: string): TableLocation {
  const location = remoteLocation(url);
  if (location?.scheme !== 'bigquery') {
    throw new SourceError('SOURCE_URL_INVALID', `${url} is not a bigquery:// url`, { field: url });
  }
  return location;
}

function table(location: TableLocation, access: SourceAccess): Table {
  const options = googleOptions(access, access.endpoints?.bigquery) as BigQueryOptions;
  const client = new BigQuery({ projectId: location.project, ...options });
  return client.dataset(location.dataset, { projectId: location.project }).table(location.table);
}

async function tableSchema(source: Table): Promise<TableField[]> {
  const [metadata] = (await source.getMetadata()) as unknown as [
    { schema?: { fields?: TableField[] } },
  ];
  return metadata.schema?.fields ?? [];
}

interface ApiCell {
  v: unknown;
}
interface ApiRow {
  f: ApiCell[];
}
interface DataPage {
  rows?: ApiRow[];
  pageToken?: string;
}

/** One tabledata.list page, raw: values as the API's strings, so no amount passes through a float. */
function dataPage(source: Table, pageToken: string | undefined): Promise<DataPage> {
  const qs = {
    maxResults: PAGE_ROWS,
    'formatOptions.useInt64Timestamp': true,
    ...(pageToken ? { pageToken } : {}),
  };
  return new Promise((resolve, reject) => {
    source.request({ uri: '/data', qs }, (err: Error | null, body?: unknown) =>
      err ? reject(err) : resolve((body ?? {}) as DataPage),
    );
  });
}

/** A row of the API's `{f: [{v}]}` shape as the object BigQuery's JSON export writes for it. */
export function rowObject(fields: TableField[], row: ApiRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  fields.forEach((field, at) => {
    out[field.name] = cellValue(field, row.f[at]?.v ?? null);
  });
  return out;
}

function cellValue(field: TableField, value: unknown): unknown {
  if (value === null || value === undefined) return field.mode === 'REPEATED' ? [] : null;
  if (field.mode === 'REPEATED') {
    return (value as ApiCell[]).map((cell) => scalarOrRecord(field, cell.v));
  }
  return scalarOrRecord(field, value);
}

function scalarOrRecord(field: TableField, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (field.type) {
    case 'RECORD':
    case 'STRUCT':
      return rowObject(field.fields ?? [], value as ApiRow);
    case 'BOOLEAN':
    case 'BOOL':
      return value === 'true';
    case 'FLOAT':
    case 'FLOAT64': {
      // NaN and infinities have no JSON number; they stay the API's text.
      const number = Number(value);
      return Number.isFinite(number) ? number : String(value);
    }
    case 'TIMESTAMP':
      return timestampText(String(value));
    default:
      // INT64, NUMERIC and BIGNUMERIC stay decimal text, exact, as the JSON export writes INT64.
      return value;
  }
}

/** Microseconds since the epoch as RFC 3339 UTC, fractions kept only when there are some. */
function timestampText(micros: string): string {
  if (!/^-?\d+$/.test(micros)) return micros;
  const value = BigInt(micros);
  const seconds = value / 1_000_000n - (value < 0n && value % 1_000_000n !== 0n ? 1n : 0n);
  const fraction = value - seconds * 1_000_000n;
  const iso = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  const digits =
    fraction === 0n ? '' : `.${fraction.toString().padStart(6, '0')}`.replace(/0+$/, '');
  return `${iso}${digits}Z`;
}
