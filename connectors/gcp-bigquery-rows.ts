// Rows as the BigQuery API returns them (`jobs.getQueryResults`, `jobs.query`): `schema.fields`
// describes each column, and each row is `{f: [{v: ...}]}` in schema order, records nested as
// `{f: [...]}` and repeated fields as `[{v: ...}]`. Decoded here into plain nested objects, the
// shape the newline-delimited JSON export has, so one row reader serves every shape of the table.
import { Decimal } from 'decimal.js';

export interface BigQueryField {
  name: string;
  type: string;
  mode?: string;
  fields?: BigQueryField[];
}

/** A cell that does not fit its field; `field` is the dotted path of the column. */
export class BigQueryCellError extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field} ${reason}`);
  }
}

/** `schema.fields` of a response, or null when it is not a list of named, typed fields. */
export function schemaFields(value: unknown): BigQueryField[] | null {
  if (!Array.isArray(value)) return null;
  const fields: BigQueryField[] = [];
  for (const item of value) {
    if (typeof item !== 'object' || item === null) return null;
    const { name, type, mode, fields: nested } = item as Record<string, unknown>;
    if (typeof name !== 'string' || typeof type !== 'string') return null;
    const field: BigQueryField = { name, type: type.toUpperCase() };
    if (typeof mode === 'string') field.mode = mode.toUpperCase();
    if (nested !== undefined) {
      const inner = schemaFields(nested);
      if (inner === null) return null;
      field.fields = inner;
    }
    fields.push(field);
  }
  return fields;
}

/** Every column's dotted path (`service`, `service.description`, ...), records included. */
export function fieldPaths(fields: readonly BigQueryField[], prefix = ''): string[] {
  return fields.flatMap((f) => {
    const path = `${prefix}${f.name}`;
    return [path, ...fieldPaths(f.fields ?? [], `${path}.`)];
  });
}

/** One API row as a nested object; throws BigQueryCellError naming the first cell that does not fit. */
export function decodeRow(row: unknown, fields: readonly BigQueryField[], prefix = ''): object {
  const cells = typeof row === 'object' && row !== null ? (row as { f?: unknown }).f : undefined;
  if (!Array.isArray(cells) || cells.length !== fields.length) {
    const where = prefix === '' ? 'the row' : prefix.slice(0, -1);
    throw new BigQueryCellError(
      where,
      `does not have the ${fields.length} cells schema.fields lists`,
    );
  }
  const out: Record<string, unknown> = {};
  fields.forEach((field, i) => {
    const cell: unknown = cells[i];
    const v = typeof cell === 'object' && cell !== null ? (cell as { v?: unknown }).v : undefined;
    out[field.name] = decodeCell(v ?? null, field, `${prefix}${field.name}`);
  });
  return out;
}

function decodeCell(v: unknown, field: BigQueryField, path: string): unknown {
  if (v === null) return field.mode === 'REPEATED' ? [] : null;
  if (field.mode === 'REPEATED') {
    if (!Array.isArray(v)) throw new BigQueryCellError(path, 'is a repeated field but not a list');
    return v.map((item: unknown, i) => {
      const inner = typeof item === 'object' && item !== null ? (item as { v?: unknown }).v : null;
      return decodeValue(inner ?? null, field, `${path}[${i}]`);
    });
  }
  return decodeValue(v, field, path);
}

function decodeValue(v: unknown, field: BigQueryField, path: string): unknown {
  if (v === null) return null;
  if (field.type === 'RECORD' || field.type === 'STRUCT') {
    return decodeRow(v, field.fields ?? [], `${path}.`);
  }
  if (typeof v !== 'string') throw new BigQueryCellError(path, 'is not a string value');
  return field.type === 'TIMESTAMP' ? timestampText(v, path) : v;
}

/** Microseconds past this are the int64 form (`formatOptions.useInt64Timestamp`); below, seconds. */
const MICROSECONDS_FROM = new Decimal('1e12');

/**
 * The API writes TIMESTAMP as seconds since the epoch in floating-point text (`1.7172E9`), or as
 * whole microseconds when asked for int64 timestamps. Either becomes RFC 3339 in UTC.
 */
function timestampText(text: string, path: string): string {
  let value: Decimal;
  try {
    value = new Decimal(text);
  } catch {
    throw new BigQueryCellError(path, 'is not a TIMESTAMP value');
  }
  const wholeMicros = /^-?\d+$/.test(text) && value.abs().greaterThanOrEqualTo(MICROSECONDS_FROM);
  const millis = (wholeMicros ? value.dividedBy(1000) : value.times(1000)).floor().toNumber();
  const date = new Date(millis);
  if (Number.isNaN(date.getTime())) throw new BigQueryCellError(path, 'is not a TIMESTAMP value');
  return date.toISOString();
}
