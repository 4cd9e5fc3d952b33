// Sustained ingestion through `argmin api` into the local PostgreSQL, in batches of 500 events,
// against COPY of the same rows straight into the same table, in alternating rounds so that both
// see the same machine. After each API round every event is counted: none may be lost or doubled.
// Both of the API's write methods run: COPY (its default) and the store's multi-row INSERT.
// ARGMIN_BENCH_INGEST_EVENTS sets the events per round.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyPlan, USAGE_EVENTS_COLUMNS_SQL } from '../api/index.js';
import type { UsageEvent } from '../attribution/index.js';
import { spawnApi } from '../test/api/spawn-api.js';
import { freshPostgres } from '../test/databases.js';

const EVENTS = Number(process.env.ARGMIN_BENCH_INGEST_EVENTS ?? 100_000);
const ROUNDS = 3;
const BATCH_EVENTS = 500;
const CLIENT_CONCURRENCY = 16;
const WRITE_METHODS = ['copy', 'insert'] as const;
const TARGET_SHARE_OF_COPY = 0.3;
const TOKEN = 'bench0bench0bench0bench0bench0be';

interface ApiRound {
  seconds: number;
  latenciesMs: number[];
  retries: number;
  lost: number;
  doubled: number;
}

export async function run(): Promise<void> {
  const db = await freshPostgres();
  const dir = await mkdtemp(join(tmpdir(), 'argmin-bench-'));
  const sql = new pg.Client({ connectionString: db.url });
  const servers: ChildProcess[] = [];
  try {
    await sql.connect();
    await writeFile(join(dir, 'tokens'), `${TOKEN}\n`);
    const events = makeEvents(EVENTS);
    const bodies: string[] = [];
    for (let i = 0; i < events.length; i += BATCH_EVENTS) {
      bodies.push(JSON.stringify(events.slice(i, i + BATCH_EVENTS)));
    }
    const addresses = new Map<string, string>();
    for (const method of WRITE_METHODS) {
      const started = await spawnApi(db.url!, join(dir, 'tokens'), ['--write-method', method]);
      servers.push(started.child);
      addresses.set(method, started.address);
    }

    const api = new Map<string, ApiRound[]>(WRITE_METHODS.map((m) => [m, []]));
    const copySeconds: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const method of WRITE_METHODS) {
        await sql.query('TRUNCATE usage_events');
        const posted = await postAll(addresses.get(method)!, bodies);
        const counted = await count(sql);
        api.get(method)!.push({
          ...posted,
          lost: EVENTS - counted.distinct,
          doubled: counted.rows - counted.distinct,
        });
      }
      await sql.query('TRUNCATE usage_events');
      copySeconds.push(await copy(sql, events));
      const copied = await count(sql);
      if (copied.rows !== EVENTS) throw new Error(`COPY stored ${copied.rows} of ${EVENTS} rows`);
    }

    const copyRate = EVENTS / median(copySeconds);
    console.log(
      `events per round        ${EVENTS} in batches of ${BATCH_EVENTS}, ${ROUNDS} rounds`,
    );
    console.log(`clients                 ${CLIENT_CONCURRENCY} posting at once, keep-alive`);
    console.log(`COPY straight in        ${fmt(copyRate)} rows/s (median round)`);
    for (const method of WRITE_METHODS) {
      const rounds = api.get(method)!;
      const rate = EVENTS / median(rounds.map((r) => r.seconds));
      const share = rate / copyRate;
      const latencies = rounds.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
      const verdict = share >= TARGET_SHARE_OF_COPY ? 'met' : 'MISSED';
      console.log(`api, ${method.padEnd(18)} ${fmt(rate)} events/s (median round)`);
      console.log(
        `  share of COPY         ${(share * 100).toFixed(1)}% ` +
          `(target at least ${TARGET_SHARE_OF_COPY * 100}%: ${verdict})`,
      );
      console.log(
        `  request latency       p50 ${ms(quantile(latencies, 0.5))} ms, ` +
          `p99 ${ms(quantile(latencies, 0.99))} ms`,
      );
      const sum = (f: (r: ApiRound) => number) => rounds.reduce((n, r) => n + f(r), 0);
      console.log(
        `  lost / doubled        ${sum((r) => r.lost)} / ${sum((r) => r.doubled)} ` +
          `(503s retried: ${sum((r) => r.retries)})`,
      );
    }
  } finally {
    for (const server of servers) server.kill('SIGKILL');
    await sql.end().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    await db.drop();
  }
}

function makeEvents(n: number): UsageEvent[] {
  const models = ['gpt-4o-mini', 'gpt-4.1', 'claude-sonnet-4-5', 'gemini-2.5-flash'];
  const services = ['search/ranker', 'support/agent', 'billing/summarizer', 'ml/batch-eval'];
  // The last thirty days, so that no timestamp is in the future however many events there are.
  const end = Date.now() - 60_000;
  const stepMs = Math.floor((30 * 24 * 3600 * 1000) / n);
  return Array.from({ length: n }, (_, i) => ({
    requestId: `bench-${i.toString(36).padStart(8, '0')}-${(i * 2654435761) % 1e9}`,
    timestamp: new Date(end - (n - i) * stepMs).toISOString(),
    provider: 'openai',
    model: models[i % models.length]!,
    inputTokens: 200 + (i % 1500),
    cacheReadTokens: i % 3 === 0 ? 512 : 0,
    outputTokens: 50 + (i % 400),
    reasoningTokens: i % 5 === 0 ? 20 : 0,
    cost: `0.${String(1000 + (i % 9000)).padStart(6, '0')}`,
    latencyMs: 300 + (i % 2000),
    status: i % 50 === 0 ? 'error' : 'ok',
    identity: { serviceAccount: services[i % services.length]! },
    service: services[i % services.length]!,
    attributes: { feature: `feature-${i % 12}`, environment: 'production' },
  }));
}

/** Posts every body, CLIENT_CONCURRENCY at a time, retrying a 503 after its Retry-After. */
async function postAll(
  address: string,
  bodies: string[],
): Promise<Pick<ApiRound, 'seconds' | 'latenciesMs' | 'retries'>> {
  const latencies: number[] = [];
  let next = 0;
  let retries = 0;
  const client = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      for (;;) {
        const sent = performance.now();
        const response = await fetch(`${address}/v1/events`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        });
        const answer = await response.text();
        latencies.push(performance.now() - sent);
        if (response.status === 200) break;
        if (response.status !== 503)
          throw new Error(`the api answered ${response.status}: ${answer}`);
        retries++;
        const wait = Number(response.headers.get('retry-after') ?? 1) * 1000;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: CLIENT_CONCURRENCY }, client));
  return { seconds: (performance.now() - start) / 1000, latenciesMs: latencies, retries };
}

/** COPY of the rows the API would store, in one stream, timed from its start to its commit. */
async function copy(sql: pg.Client, events: UsageEvent[]): Promise<number> {
  const columns = await sql.query<{ column_name: string }>(USAGE_EVENTS_COLUMNS_SQL);
  const plan = copyPlan(columns.rows.map((r) => r.column_name));
  if (!('sql' in plan)) throw new Error(`usage_events has unknown columns ${plan.unknown}`);
  const lines = events.map((e) => plan.row(e, 'copy'));
  const start = performance.now();
  await pipeline(Readable.from(chunks(lines, 1_000)), sql.query(copyFrom(plan.sql)));
  return (performance.now() - start) / 1000;
}

function* chunks(lines: string[], size: number): Generator<string> {
  for (let i = 0; i < lines.length; i += size) yield lines.slice(i, i + size).join('');
}

async function count(sql: pg.Client): Promise<{ rows: number; distinct: number }> {
  const result = await sql.query<{ rows: number; distinct: number }>(
    'SELECT count(*)::int AS rows, count(DISTINCT request_id)::int AS distinct FROM usage_events',
  );
  return result.rows[0]!;
}

function median(values: number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/** The value at quantile `q` of sorted `values`. */
function quantile(values: number[], q: number): number {
  return values[Math.min(values.length - 1, Math.floor(q * values.length))]!;
}

function fmt(rate: number): string {
  return Math.round(rate).toLocaleString('en-US');
}

function ms(value: number): string {
  return value.toFixed(1);
}
