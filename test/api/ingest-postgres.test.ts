// The ingestion API over real HTTP into a real PostgreSQL database, as `argmin api` runs it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BearerTokens,
  openCopySink,
  startApi,
  storeSink,
  type CopySink,
  type RunningApi,
} from '../../api/index.js';
import { Store } from '../../attribution/index.js';
import { freshPostgres, type TestDatabase } from '../databases.js';

const TOKEN = 'c0ffee00c0ffee00c0ffee00c0ffee00';
const run = promisify(execFile);

let db: TestDatabase;
let store: Store;
let copy: CopySink | undefined;
let api: RunningApi;
let admin: pg.Client;

function event(requestId: string) {
  return {
    requestId,
    timestamp: '2026-10-03T10:00:00Z',
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    inputTokens: 1200,
    outputTokens: 300,
    identity: { serviceAccount: 'search/ranker' },
    service: 'search/ranker',
  };
}

async function post(events: unknown[]): Promise<Response> {
  return fetch(`${api.address}/v1/events`, {
    method: 'POST',
    body: JSON.stringify(events),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
  });
}

async function stored(prefix: string): Promise<Map<string, number>> {
  const rows = await store.sql.query<{ request_id: string; n: number }>(
    `SELECT request_id, count(*)::int AS n FROM usage_events
      WHERE request_id LIKE $1 GROUP BY request_id`,
    [`${prefix}%`],
  );
  return new Map(rows.map((r) => [r.request_id, r.n]));
}

describe.each(['copy', 'insert'] as const)('ingestion API writing with %s', (method) => {
  beforeAll(async () => {
    db = await freshPostgres();
    store = await Store.open(db.url);
    copy =
      method === 'copy'
        ? await openCopySink(db.url!, storeSink(store), { connections: 4 })
        : undefined;
    api = await startApi({
      host: '127.0.0.1',
      port: 0,
      sink: copy ?? storeSink(store),
      tokens: BearerTokens.of([TOKEN]),
      limits: { writeTimeoutMs: 2_000, retryAfterSeconds: 1 },
      logger: pino({ level: 'silent' }),
    });
    admin = new pg.Client({ connectionString: db.url!.replace(/\/[^/]+$/, '/postgres') });
    await admin.connect();
  });
  afterAll(async () => {
    await api?.close();
    await copy?.close();
    await store?.close();
    await admin?.end();
    await db?.drop();
  });

  it('stores an event posted with curl, and the period read for attribution returns it', async () => {
    const body = JSON.stringify([{ ...event('curl-1'), cost: '0.0123456789', latencyMs: 812 }]);
    const { stdout } = await run('curl', [
      '--silent',
      '--show-error',
      '--fail-with-body',
      '-H',
      `Authorization: Bearer ${TOKEN}`,
      '-H',
      'Content-Type: application/json',
      '--data-binary',
      body,
      `${api.address}/v1/events`,
    ]);
    expect(JSON.parse(stdout)).toEqual({ accepted: 1 });

    const events = await store.usageEvents('2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z');
    expect(events.find((e) => e.requestId === 'curl-1')).toEqual({
      ...event('curl-1'),
      cost: '0.0123456789',
      latencyMs: 812,
    });
  });

  it('stores a duplicate within one request and across requests once', async () => {
    expect((await post([event('dup-a'), event('dup-a'), event('dup-b')])).status).toBe(200);
    expect((await post([event('dup-b'), event('dup-c')])).status).toBe(200);
    expect(await stored('dup-')).toEqual(
      new Map([
        ['dup-a', 1],
        ['dup-b', 1],
        ['dup-c', 1],
      ]),
    );
  });

  it('answers 503 while the database is stopped mid-load, and 2xx only for what it stored', async () => {
    const name = new URL(db.url!).pathname.slice(1);
    const acknowledged: string[] = [];
    const statuses = new Map<number, number>();
    let retryAfter: string | null = null;
    let sent = 0;

    // Four clients post batches of 20 events until told to stop.
    let loading = true;
    const client = async (id: number) => {
      for (let batch = 0; loading; batch++) {
        const ids = Array.from({ length: 20 }, (_, i) => `load-${id}-${batch}-${i}`);
        sent += ids.length;
        const response = await post(ids.map(event));
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 200) acknowledged.push(...ids);
        if (response.status === 503) {
          retryAfter = response.headers.get('retry-after');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await response.arrayBuffer().catch(() => undefined);
      }
    };
    const clients = [0, 1, 2, 3].map(client);

    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    await pause(300);
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
      name,
    ]);
    await pause(500);
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
    await pause(500);
    loading = false;
    await Promise.all(clients);

    expect(statuses.get(503)).toBeGreaterThan(0);
    expect(retryAfter).toBe('1');
    expect(statuses.get(200)).toBeGreaterThan(0);
    expect([...statuses.keys()].every((s) => s === 200 || s === 503)).toBe(true);
    const present = await stored('load-');
    const missing = acknowledged.filter((id) => present.get(id) !== 1);
    expect(missing).toEqual([]);
    expect(present.size).toBeLessThan(sent);
    expect((await post([event('after-restart')])).status).toBe(200);
  });
});
