// `argmin api` killed with SIGKILL in the middle of a load, then started again on the same
// database: every event it acknowledged is there exactly once, and retrying what it did not
// acknowledge leaves nothing lost and nothing doubled.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freshPostgres, type TestDatabase } from '../databases.js';
import { spawnApi, type ApiProcess } from './spawn-api.js';

const TOKEN = '9b8e7d6c5b4a39281706f5e4d3c2b1a0';
const BATCH_EVENTS = 50;

let db: TestDatabase;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  db = await freshPostgres();
  dir = await mkdtemp(join(tmpdir(), 'argmin-api-'));
  await writeFile(join(dir, 'tokens'), `${TOKEN}\n`);
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
  await db?.drop();
});

async function startProcess(): Promise<ApiProcess> {
  const started = await spawnApi(db.url!, join(dir, 'tokens'));
  children.push(started.child);
  return started;
}

function batch(name: string): string {
  return JSON.stringify(
    Array.from({ length: BATCH_EVENTS }, (_, i) => ({
      requestId: `${name}-${i}`,
      timestamp: '2026-10-03T10:00:00Z',
      provider: 'openai',
      model: 'gpt-4o-mini',
      inputTokens: 100 + i,
      outputTokens: 10,
    })),
  );
}

async function post(address: string, name: string): Promise<number> {
  const response = await fetch(`${address}/v1/events`, {
    method: 'POST',
    body: batch(name),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
  });
  await response.arrayBuffer();
  return response.status;
}

it('keeps every acknowledged event exactly once across a SIGKILL and a restart', async () => {
  const first = await startProcess();
  const acknowledged = new Set<string>();
  const unacknowledged: string[] = [];

  // Four clients post until the process dies under them.
  const client = async (id: number) => {
    for (let n = 0; ; n++) {
      const name = `c${id}-b${n}`;
      try {
        if ((await post(first.address, name)) === 200) acknowledged.add(name);
        else unacknowledged.push(name);
      } catch {
        unacknowledged.push(name);
        return;
      }
    }
  };
  const clients = [0, 1, 2, 3].map(client);
  while (acknowledged.size < 40) await new Promise((resolve) => setTimeout(resolve, 10));
  first.child.kill('SIGKILL');
  await Promise.all(clients);
  expect(
    first.child.signalCode ?? (await new Promise((r) => first.child.once('exit', (_, s) => r(s)))),
  ).toBe('SIGKILL');

  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  try {
    const rows = await sql.query<{ request_id: string }>('SELECT request_id FROM usage_events');
    const present = new Set(rows.rows.map((r) => r.request_id));
    for (const name of acknowledged) {
      for (let i = 0; i < BATCH_EVENTS; i++) expect(present.has(`${name}-${i}`)).toBe(true);
    }

    // A client retries whatever got no 2xx, as it was, against the restarted process.
    const second = await startProcess();
    for (const name of unacknowledged) {
      let status = 0;
      for (let attempt = 0; status !== 200 && attempt < 5; attempt++) {
        status = await post(second.address, name);
      }
      expect(status).toBe(200);
    }
    const stopped = new Promise((resolve) => second.child.once('exit', resolve));
    second.child.kill('SIGTERM');

    const sent = acknowledged.size + unacknowledged.length;
    const totals = await sql.query<{ n: number; distinct: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT request_id)::int AS distinct FROM usage_events',
    );
    expect(totals.rows[0]).toEqual({ n: sent * BATCH_EVENTS, distinct: sent * BATCH_EVENTS });
    expect(await stopped).toBe(0);
  } finally {
    await sql.end();
  }
});
