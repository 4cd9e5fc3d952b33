// Writes events with COPY, PostgreSQL's fastest way in: a multi-row INSERT runs its rows one at a
// time, COPY in blocks, at well over twice the rate. COPY has no ON CONFLICT, so a batch that meets
// a request id already stored (a retry) fails whole, and goes again through the store's insert,
// which skips what is there. Either way a batch is committed all at once or not at all.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { UsageEvent } from '../attribution/index.js';
import type { EventSink } from './batch-writer.js';

// The usage_events columns in attribution's schema; a test reads COPY's rows back through the
// store to hold the two together.
const COLUMNS = [
  'request_id',
  'ts',
  'provider',
  'model',
  'input_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'output_tokens',
  'reasoning_tokens',
  'cost',
  'latency_ms',
  'status',
  'caller_service_account',
  'caller_spiffe_id',
  'caller_api_key_id',
  'caller_user',
  'caller_aws_principal',
  'service',
  'account',
  'region',
  'attributes',
  'origin',
];
export const USAGE_EVENTS_COPY_SQL = `COPY usage_events (${COLUMNS.join(', ')}) FROM STDIN`;

// unique_violation: an id is already stored. deadlock_detected: two batches met on shared ids.
const ALREADY_STORED = new Set(['23505', '40P01']);

export interface CopySink extends EventSink {
  close(): Promise<void>;
}

/** COPY into `databaseUrl`, with `fallback` (the store) for batches that repeat stored ids. */
export function copySink(
  databaseUrl: string,
  fallback: EventSink,
  options: { connections: number },
): CopySink {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.connections });
  // An idle client's error (a server restart) must not crash the process; the next write reports it.
  pool.on('error', () => undefined);

  return {
    async insertUsageEvents(events, origin) {
      const unique = firstOfEach(events);
      try {
        return await copy(pool, unique, origin);
      } catch (err) {
        if (!ALREADY_STORED.has(String((err as { code?: unknown }).code))) throw err;
        return fallback.insertUsageEvents(unique, origin);
      }
    },
    ping: () => fallback.ping(),
    close: () => pool.end(),
  };
}

async function copy(pool: pg.Pool, events: UsageEvent[], origin: string): Promise<number> {
  const client = await pool.connect();
  let failed = false;
  try {
    const stream = client.query(copyFrom(USAGE_EVENTS_COPY_SQL));
    await pipeline(Readable.from([events.map((e) => copyRow(e, origin)).join('')]), stream);
    return stream.rowCount;
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    // After a failed COPY the connection's state is not worth trusting; a new one is cheap.
    client.release(failed);
  }
}

/** The first event of each request id, as ON CONFLICT DO NOTHING would keep it. */
function firstOfEach(events: UsageEvent[]): UsageEvent[] {
  const seen = new Set<string>();
  return events.filter((e) => !seen.has(e.requestId) && seen.add(e.requestId));
}

/** One line of COPY's text format for `COPY usage_events (<the columns above>)`. */
export function copyRow(e: UsageEvent, origin: string): string {
  const values = [
    e.requestId,
    e.timestamp,
    e.provider,
    e.model,
    e.inputTokens,
    e.cacheReadTokens,
    e.cacheWriteTokens,
    e.outputTokens,
    e.reasoningTokens,
    e.cost,
    e.latencyMs,
    e.status,
    e.identity?.serviceAccount,
    e.identity?.spiffeId,
    e.identity?.apiKeyId,
    e.identity?.user,
    e.identity?.awsPrincipal,
    e.service,
    e.account,
    e.region,
    JSON.stringify(e.attributes ?? {}),
    origin,
  ];
  return `${values.map(copyValue).join('\t')}\n`;
}

const COPY_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
};
const COPY_SPECIAL = /[\\\t\n\r]/;

/** A value in COPY's text format: `\N` for null, and its own delimiters escaped. */
function copyValue(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number') return String(value);
  // Nearly every value has nothing to escape; testing first spares building a new string.
  if (!COPY_SPECIAL.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!);
}
