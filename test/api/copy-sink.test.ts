// COPY into the store's own table on a real PostgreSQL, read back through the store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCopySink, storeSink, type CopySink } from '../../api/index.js';
import { Store, type UsageEvent } from '../../attribution/index.js';
import { freshPostgres, type TestDatabase } from '../databases.js';

let db: TestDatabase;
let store: Store;
let sink: CopySink;

beforeAll(async () => {
  db = await freshPostgres();
  store = await Store.open(db.url);
  sink = await openCopySink(db.url!, storeSink(store), { connections: 4 });
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
  it('fills every column of usage_events so that the store reads back the same event', async () => {
    const columns = await store.sql.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'usage_events'`,
    );
    const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const full: Record<string, unknown> = { requestId: 'every-column', identity: {} };
    for (const { column_name: column, data_type: type } of columns) {
      if (['request_id', 'ts', 'origin'].includes(column)) continue;
      if (column === 'attributes') {
        full.attributes = { feature: 'say "hi" \\N \\ \u{1F600}', team: 'search' };
      } else if (column.startsWith('caller_')) {
        (full.identity as Record<string, string>)[camel(column.slice(7))] = `${column} \\ ó`;
      } else {
        const values: Record<string, unknown> = { bigint: 42, integer: 812, numeric: '0.0125' };
        full[camel(column)] = values[type] ?? `${column} \\ ó`;
      }
    }
    full.timestamp = '2026-10-03T10:00:00Z';
    const event = full as unknown as UsageEvent;

    expect(sink.copying).toBe(true);
    expect(await sink.insertUsageEvents([event], 'api')).toBe(1);
    expect(await read('every-column')).toEqual([event]);
  });

  it('leaves unknown token counts unknown, not zero', async () => {
    const sparse = event('sparse', { model: null });
    delete sparse.inputTokens;
    expect(await sink.insertUsageEvents([sparse], 'api')).toBe(1);
    expect(await read('sparse')).toEqual([sparse]);
  });

  it('stores empty attributes as null, which the store reads back as none', async () => {
    const events = [event('attrs-empty', { attributes: {} }), event('attrs-none')];
    expect(await sink.insertUsageEvents(events, 'api')).toBe(2);
    const stored = await store.sql.query<{ attributes: unknown }>(
      `SELECT attributes FROM usage_events WHERE request_id LIKE 'attrs-%' ORDER BY request_id`,
    );
    expect(stored).toEqual([{ attributes: null }, { attributes: null }]);
    expect(await read('attrs-')).toEqual([event('attrs-empty'), event('attrs-none')]);
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

describe('COPY sink on a table with a column it does not know', () => {
  it('stands aside and writes through the store, losing nothing', async () => {
    const other = await freshPostgres();
    const otherStore = await Store.open(other.url);
    try {
      await otherStore.sql.exec('ALTER TABLE usage_events ADD COLUMN future_field text');
      const guarded = await openCopySink(other.url!, storeSink(otherStore), { connections: 1 });
      expect(guarded.copying).toBe(false);
      expect(await guarded.insertUsageEvents([event('f-1'), event('f-1')], 'api')).toBe(1);
      await guarded.close();
      const stored = await otherStore.usageEvents('2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z');
      expect(stored.map((e) => e.requestId)).toEqual(['f-1']);
    } finally {
      await otherStore.close();
      await other.drop();
    }
  });
});
