// COPY into the store's own table on a real PostgreSQL, read back through the store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copySink, storeSink, type CopySink } from '../../api/index.js';
import { Store, type UsageEvent } from '../../attribution/index.js';
import { freshPostgres, type TestDatabase } from '../databases.js';

let db: TestDatabase;
let store: Store;
let sink: CopySink;

beforeAll(async () => {
  db = await freshPostgres();
  store = await Store.open(db.url);
  sink = copySink(db.url!, storeSink(store), { connections: 4 });
});
afterAll(async () => {
  await sink?.close();
  await store?.close();
  await db?.drop();
});

function event(requestId: string, extra: Partial<UsageEvent> = {}): UsageEvent {
  return {
    requestId,
    timestamp: '2026-10-03T10:00:00Z',
    provider: 'openai',
    model: 'gpt-4o-mini',
    inputTokens: 100,
    ...extra,
  };
}

async function read(prefix: string): Promise<UsageEvent[]> {
  const events = await store.usageEvents('2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z');
  return events.filter((e) => e.requestId.startsWith(prefix));
}

describe('COPY sink', () => {
  it('stores every field so that the store reads back what its own insert would', async () => {
    const full = event('full-copy', {
      model: 'us.anthropic.claude-sonnet-4-20250514-v1:0',
      inputTokens: 1200,
      cacheReadTokens: 800,
      cacheWriteTokens: 64,
      outputTokens: 300,
      reasoningTokens: 120,
      cost: '0.01234567890123456789',
      latencyMs: 812,
      status: 'error',
      identity: {
        serviceAccount: 'search/ranker',
        spiffeId: 'spiffe://cluster.local/ns/search/sa/ranker',
        apiKeyId: 'key\\7',
        user: 'ana.lópez@acme.example',
        awsPrincipal: 'arn:aws:sts::111122223333:assumed-role/ranker/s1',
      },
      service: 'search/ranker',
      account: '111122223333',
      region: 'us-east-1',
      attributes: { feature: 'say "hi" \\N \u{1F600}', team: 'search' },
    });
    const sparse = event('sparse-copy', { inputTokens: undefined, model: null });
    delete sparse.inputTokens;
    expect(await sink.insertUsageEvents([full, sparse], 'api')).toBe(2);
    await store.insertUsageEvents(
      [full, sparse].map((e) => ({ ...e, requestId: e.requestId.replace('copy', 'insert') })),
      'api',
    );

    const copied = [...(await read('full-copy')), ...(await read('sparse-copy'))];
    const inserted = [...(await read('full-insert')), ...(await read('sparse-insert'))];
    expect(copied).toEqual([full, sparse]);
    expect(copied.map((e) => ({ ...e, requestId: '' }))).toEqual(
      inserted.map((e) => ({ ...e, requestId: '' })),
    );
  });

  it('stores a duplicate within a batch and a repeat of a stored batch once', async () => {
    expect(
      await sink.insertUsageEvents([event('dup-1'), event('dup-1'), event('dup-2')], 'api'),
    ).toBe(2);
    expect(await sink.insertUsageEvents([event('dup-2'), event('dup-3')], 'api')).toBe(1);
    expect(await sink.insertUsageEvents([event('dup-3')], 'api')).toBe(0);
    expect((await read('dup-')).map((e) => e.requestId)).toEqual(['dup-1', 'dup-2', 'dup-3']);
  });

  it('stores overlapping batches written at once, each id once', async () => {
    const ids = Array.from({ length: 400 }, (_, i) => `overlap-${String(i).padStart(3, '0')}`);
    const batches = [0, 100, 200, 300].map((from) =>
      ids.slice(from, from + 200).map((id) => event(id)),
    );
    const inserted = await Promise.all(batches.map((b) => sink.insertUsageEvents(b, 'api')));
    expect(inserted.reduce((a, b) => a + b, 0)).toBe(400);
    expect((await read('overlap-')).map((e) => e.requestId)).toEqual(ids);
  });
});
