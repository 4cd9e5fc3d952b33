// The Google Cloud Billing export to BigQuery, standard or detailed schema, in any of the three
// shapes the table leaves BigQuery in: rows as the API returns them (`schema.fields` with
// `rows[].f[].v`), newline-delimited JSON, and Parquet. Which shape a file is comes from its
// content; which schema, from its fields.
import { dirname } from 'node:path';
import type { SourceRecord } from '../attribution/index.js';
import {
  quarantine,
  sourceRef,
  type FormatReader,
  type ReadContext,
  type SourceFile,
} from './format-reader.js';
import { decodeRow, fieldPaths, schemaFields, BigQueryCellError } from './gcp-bigquery-rows.js';
import { isParquet, withParquetTable } from './gcp-billing-parquet.js';
import {
  DETAILED_FIELDS,
  NEVER_NULL_FIELDS,
  REQUIRED_FIELDS,
  toCostRows,
  valueAt,
  type BillingRecord,
} from './gcp-billing-row.js';
import { arrayElementOffsets, linesOf } from './json-positions.js';
import { readLines, readText } from './open-source.js';
import { SourceError } from './source-error.js';

export type BillingSchema = 'standard' | 'detailed';

type Located =
  { line: number; record: BillingRecord } | { line: number; field: string | null; reason: string };

export const gcpBillingExportReader: FormatReader = {
  format: 'gcp-billing-export',
  role: 'billing',
  read: readBillingExport,
  // An export run writes its shards to one folder; folders named by time sort as runs were made.
  deliveryOf: (file) => dirname(file.path),
};

async function* readBillingExport(file: SourceFile, ctx: ReadContext): AsyncIterable<SourceRecord> {
  const located = (await isParquet(file.path)) ? parquetRows(file) : jsonRows(file);
  for await (const item of located) {
    if (!('record' in item)) {
      yield quarantine(file, ctx, item.line, item.field, item.reason);
      continue;
    }
    const result = toCostRows(item.record, sourceRef(file, ctx, item.line));
    if (!result.ok) {
      yield quarantine(file, ctx, item.line, result.field, result.reason);
      continue;
    }
    for (const row of result.rows) yield { kind: 'cost', row };
  }
}

/**
 * Which schema a table is, from its field paths. A required field that is absent stops the file:
 * reading on would total the bill without it.
 */
export function billingSchemaOf(paths: readonly string[], file: SourceFile): BillingSchema {
  const present = new Set(paths);
  const detailed = present.has('resource') || present.has('price');
  const required = detailed ? [...REQUIRED_FIELDS, ...DETAILED_FIELDS] : REQUIRED_FIELDS;
  // A NULL record in a row stands for all of its fields (`project.*`).
  const isPresent = (field: string) =>
    present.has(field) ||
    field.split('.').some((_, i, parts) => present.has(`${parts.slice(0, i).join('.')}.*`));
  const missing = required.filter((field) => !isPresent(field));
  const first = missing[0];
  if (first !== undefined) {
    const schema = detailed ? 'detailed' : 'standard';
    throw new SourceError(
      'SOURCE_MISSING_COLUMN',
      `required field of the ${schema} billing export missing: ${missing.join(', ')}`,
      { file: file.path, line: 1, field: first },
    );
  }
  return detailed ? 'detailed' : 'standard';
}

function parquetRows(file: SourceFile): AsyncIterable<Located> {
  return withParquetTable(file.path, (table) => {
    billingSchemaOf(table.paths, file);
    return table.rows();
  });
}

/** One JSON document from the API, or one row a line from the newline-delimited export. */
async function* jsonRows(file: SourceFile): AsyncIterable<Located> {
  let first = true;
  for await (const { line, text } of readLines(file.path)) {
    if (text.trim() === '') continue;
    const value = parseJson(text);
    if (first) {
      first = false;
      // A pretty-printed API response does not parse line by line; a compact one is one line.
      if (value === undefined || isApiResponse(value)) {
        yield* apiRows(file);
        return;
      }
      checkFirstExportRow(value, file, line);
    }
    if (!isObject(value)) {
      const reason =
        value === undefined ? 'the line is not valid JSON' : 'the line is not an object';
      yield { line, field: null, reason };
      continue;
    }
    yield { line, record: value };
  }
  if (first) {
    throw new SourceError('SOURCE_FORMAT_INVALID', 'the file is empty; expected billing rows', {
      file: file.path,
      line: 1,
    });
  }
}

/**
 * The newline-delimited file carries no schema, so the first row stands for the file. A field no
 * row may be without, missing there, stops the file. A file that writes NULLs (as a table read
 * through the API is written) lists every column in every row, so there its schema is checked
 * whole; BigQuery's own JSON export leaves NULL fields out, and only the first check can hold.
 */
function checkFirstExportRow(value: unknown, file: SourceFile, line: number): void {
  if (!isObject(value)) {
    throw new SourceError('SOURCE_FORMAT_INVALID', 'the first line is not a JSON object', {
      file: file.path,
      line,
    });
  }
  const missing = NEVER_NULL_FIELDS.filter((field) => valueAt(value, field) === null);
  const field = missing[0];
  if (field !== undefined) {
    throw new SourceError(
      'SOURCE_MISSING_COLUMN',
      `required field of the billing export missing from the first row: ${missing.join(', ')}`,
      { file: file.path, line, field },
    );
  }
  if (writesNulls(value)) billingSchemaOf(pathsOf(value), file);
}

function writesNulls(value: unknown): boolean {
  if (value === null) return true;
  if (typeof value !== 'object') return false;
  return Object.values(value as object).some(writesNulls);
}

/** Dotted paths of a row's fields; a list gives its first element's, a NULL record `<path>.*`. */
function pathsOf(value: unknown, prefix = ''): string[] {
  const item = Array.isArray(value) ? value[0] : value;
  if (!isObject(item)) return [];
  return Object.entries(item).flatMap(([key, inner]) => [
    `${prefix}${key}`,
    ...(inner === null ? [`${prefix}${key}.*`] : pathsOf(inner, `${prefix}${key}.`)),
  ]);
}

async function* apiRows(file: SourceFile): AsyncIterable<Located> {
  const text = await readText(file.path);
  const response = parseJson(text);
  if (!isObject(response)) {
    throw new SourceError('SOURCE_FORMAT_INVALID', 'the file is not a JSON object', {
      file: file.path,
    });
  }
  const fields = schemaFields(valueAt(response, 'schema.fields'));
  if (fields === null) {
    // tabledata.list pages have rows but no schema, and cells are positional: nothing to go by.
    throw new SourceError(
      'SOURCE_MISSING_COLUMN',
      'the response has no schema.fields; save jobs.getQueryResults or jobs.query responses, which carry the schema',
      { file: file.path, line: 1, field: 'schema.fields' },
    );
  }
  billingSchemaOf(fieldPaths(fields), file);

  const rows = response.rows ?? [];
  if (!Array.isArray(rows)) {
    throw new SourceError('SOURCE_FORMAT_INVALID', 'rows is not a list', {
      file: file.path,
      field: 'rows',
    });
  }
  const offsets = arrayElementOffsets(text, 'rows');
  // The scan and JSON.parse read the same text; should they ever disagree, no line is invented.
  const lines = offsets !== null && offsets.length === rows.length ? linesOf(text, offsets) : [];
  for (const [i, row] of rows.entries()) {
    const line = lines[i] ?? 1;
    try {
      yield { line, record: decodeRow(row, fields) as BillingRecord };
    } catch (err) {
      if (!(err instanceof BigQueryCellError)) throw err;
      yield { line, field: err.field, reason: err.message };
    }
  }
}

function isApiResponse(value: unknown): boolean {
  return isObject(value) && ('schema' in value || 'rows' in value || 'jobReference' in value);
}

function isObject(value: unknown): value is BillingRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
