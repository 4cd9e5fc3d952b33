// Usage events as rows of COPY's text format, column by column as the usage_events table has them
// in the database at hand. The table is the store's; reading its columns, rather than assuming
// them, means a column the store adds is either filled here by the same naming rule (a caller
// identity, an event field) or makes COPY stand aside, and no value is ever dropped unnoticed.
import type { UsageEvent } from '../attribution/index.js';

type CopyValue = string | number | null | undefined;
type ColumnValue = (event: UsageEvent, origin: string) => CopyValue;

/** Columns whose event field is not simply the column's name in camelCase. */
const SPECIAL_COLUMNS: Record<string, ColumnValue> = {
  ts: (e) => e.timestamp,
  // No attributes are stored as null, as the store's own inserts store them.
  attributes: (e) =>
    e.attributes && Object.keys(e.attributes).length > 0 ? JSON.stringify(e.attributes) : null,
  origin: (_, origin) => origin,
};
const CALLER_PREFIX = 'caller_';

/** The event fields a column may carry: what UsageEvent holds at its top level. */
const EVENT_FIELDS: ReadonlySet<string> = new Set<keyof UsageEvent>([
  'requestId',
  'model',
  'provider',
  'inputTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'outputTokens',
  'reasoningTokens',
  'cost',
  'latencyMs',
  'status',
  'service',
  'account',
  'region',
]);

export interface CopyPlan {
  /** `COPY usage_events (...) FROM STDIN` naming every column in the order rows give them. */
  sql: string;
  row(event: UsageEvent, origin: string): string;
}

/**
 * The plan for `columns` (the table's, in any order), or the columns no event field fills. Caller
 * columns map to the caller identity (`caller_aws_principal` to `identity.awsPrincipal`).
 */
export function copyPlan(columns: string[]): CopyPlan | { unknown: string[] } {
  const values: ColumnValue[] = [];
  const unknown: string[] = [];
  for (const column of columns) {
    const value = columnValue(column);
    if (value) values.push(value);
    else unknown.push(column);
  }
  if (unknown.length > 0) return { unknown };

  return {
    sql: `COPY usage_events (${columns.join(', ')}) FROM STDIN`,
    row(event, origin) {
      let line = '';
      for (let i = 0; i < values.length; i++) {
        line += (i === 0 ? '' : '\t') + copyValue(values[i]!(event, origin));
      }
      return `${line}\n`;
    },
  };
}

/** The SQL that lists the table's columns for `copyPlan`. */
export const USAGE_EVENTS_COLUMNS_SQL = `SELECT column_name FROM information_schema.columns
  WHERE table_schema = current_schema() AND table_name = 'usage_events'
  ORDER BY ordinal_position`;

function columnValue(column: string): ColumnValue | undefined {
  if (column in SPECIAL_COLUMNS) return SPECIAL_COLUMNS[column];
  if (column.startsWith(CALLER_PREFIX)) {
    const key = camelCase(column.slice(CALLER_PREFIX.length));
    return (e) => (e.identity as Record<string, string | undefined> | undefined)?.[key];
  }
  const field = camelCase(column);
  if (!EVENT_FIELDS.has(field)) return undefined;
  return (e) => e[field as keyof UsageEvent] as CopyValue;
}

function camelCase(snake: string): string {
  return snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

const COPY_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
};
const COPY_SPECIAL = /[\\\t\n\r]/;

/** A value in COPY's text format: `\N` for null, and its own delimiters escaped. */
function copyValue(value: CopyValue): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number') return String(value);
  // Nearly every value has nothing to escape; testing first spares building a new string.
  if (!COPY_SPECIAL.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!);
}
