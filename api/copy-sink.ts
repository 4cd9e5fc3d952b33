// Writes events with COPY, PostgreSQL's fastest way in: a multi-row INSERT runs its rows one at a
// time, COPY in blocks, at well over twice the rate. COPY has no ON CONFLICT, so a batch that meets
// a request id already stored (a retry) fails whole, and goes again through the store's insert,
// which skips what is there. Either way a batch is committed all at once or not at all.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Logger } from 'pino';
import type { UsageEvent } from '../attribution/index.js';
import type { EventSink } from './batch-writer.js';
import { copyPlan, USAGE_EVENTS_COLUMNS_SQL, type CopyPlan } from './copy-rows.js';

// unique_violation: an id is already stored. deadlock_detected: two batches met on shared ids.
const ALREADY_STORED = new Set(['23505', '40P01']);

export interface CopySink extends EventSink {
  /** False when the table has a column COPY would not know how to fill; all goes to the store. */
  readonly copying: boolean;
  close(): Promise<void>;
}

/** COPY into `databaseUrl`, with `fallback` (the store) for batches that repeat stored ids. */
export async function openCopySink(
  databaseUrl: string,
  fallback: EventSink,
  options: { connections: number; logger?: Logger },
): Promise<CopySink> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.connections });
  // An idle client's error (a server restart) must not crash the process; the next write reports it.
  pool.on('error', () => undefined);
  // A checked-out client's connection can drop between queries; the query in flight, or the next
  // one, reports it, so the client's own error event must not become an uncaught exception.
  pool.on('connect', (client) => client.on('error', () => undefined));
  let plan: CopyPlan | undefined;
  try {
    const columns = await pool.query<{ column_name: string }>(USAGE_EVENTS_COLUMNS_SQL);
    const planned = copyPlan(columns.rows.map((r) => r.column_name));
    if ('sql' in planned) plan = planned;
    else options.logger?.warn({ columns: planned.unknown }, 'copy disabled: unknown columns');
  } catch (err) {
    await pool.end();
    throw err;
  }

  return {
    copying: plan !== undefined,
    async insertUsageEvents(events, origin) {
      if (!plan) return fallback.insertUsageEvents(events, origin);
      const unique = firstOfEach(events);
      try {
        return await copy(pool, plan, unique, origin);
      } catch (err) {
        if (!ALREADY_STORED.has(String((err as { code?: unknown }).code))) throw err;
        return fallback.insertUsageEvents(unique, origin);
      }
    },
    ping: () => fallback.ping(),
    close: () => pool.end(),
  };
}

async function copy(
  pool: pg.Pool,
  plan: CopyPlan,
  events: UsageEvent[],
  origin: string,
): Promise<number> {
  const client = await pool.connect();
  let failed = false;
  try {
    const stream = client.query(copyFrom(plan.sql));
    await pipeline(Readable.from([events.map((e) => plan.row(e, origin)).join('')]), stream);
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
