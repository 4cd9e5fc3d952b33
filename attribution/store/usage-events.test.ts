// How usage events are kept: what a database from before the compact schema holds once migrated,
// empty attributes as null, and the room each event takes on PostgreSQL.
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS, freshDatabase, freshPostgres, type TestDatabase } from '../../test/databases.js';
import type { UsageEvent } from '../model.js';
import { migrate } from './migrate.js';
import { connect } from './sql.js';
import { Store } from './store.js';
import { seededRandom } from '../../test/seeded-random.js';

const COMPACT_MIGRATION = '009_compact_events.sql';
const MAX_BYTES_PER_EVENT = 300;
const SIZED_EVENTS = 20_000;
const PERIOD = ['2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z'] as const;

const EARLIER_EVENTS: UsageEvent[] = [
  {
    requestId: 'with-everything',
    timestamp: '2026-10-03T10:00:00Z',
    provider: 'aws',
    model: 'anthropic.claude-sonnet-4-20250514-v1:0',
    inputTokens: 2_147_483_647,
    cacheReadTokens: 1024,
    cacheWriteTokens: 512,
    outputTokens: 900,
    reasoningTokens: 300,
    cost: '0.01234567',
    latencyMs: 812,
    status: 'ok',
    identity: { serviceAccount: 'search/ranker', awsPrincipal: 'arn:aws:iam::1:role/ranker' },
    service: 'search/ranker',
    account: '210987654321',
    region: 'us-east-1',
    attributes: { feature: 'rerank', 'argmin.io/via': 'gateway/llm' },
  },
  {
    requestId: 'without-attributes',
    timestamp: '2026-10-04T11:30:00Z',
    provider: 'openai',
    model: null,
    outputTokens: 7,
    identity: { apiKeyId: 'key-7' },
  },
];

/** The INSERT the store ran before the compact schema: empty attributes as '{}'. */
const EARLIER_INSERT = `
  INSERT INTO usage_events
  SELECT e."requestId", e."timestamp", e.provider, e.model, e."inputTokens",
         e."cacheReadTokens", e."cacheWriteTokens", e."outputTokens", e."reasoningTokens", e.cost,
         e."latencyMs", e.status, e.identity->>'serviceAccount', e.identity->>'spiffeId',
         e.identity->>'apiKeyId', e.identity->>'user', e.identity->>'awsPrincipal', e.service,
         e.account, e.region, coalesce(e.attributes, '{}'), 'test', e.identity->>'gcpPrincipal',
         e.identity->>'azurePrincipal'
    FROM jsonb_to_recordset($1::jsonb) AS e(
         "requestId" text, "timestamp" timestamptz, provider text, model text,
         "inputTokens" bigint, "cacheReadTokens" bigint, "cacheWriteTokens" bigint,
         "outputTokens" bigint, "reasoningTokens" bigint, cost numeric, "latencyMs" int,
         status text, identity jsonb, service text, account text, region text, attributes jsonb)`;

describe.each(BACKENDS)('usage events on %s', (backend) => {
  let db: TestDatabase;
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await db?.drop();
  });

  it('keeps every event, to the token, cent and attribute, when a database of the earlier schema is migrated', async () => {
    db = await freshDatabase(backend);
    // PGlite is one database per handle: the earlier schema and the migration share this one.
    const sql = await connect(db.url);
    try {
      await migrate(sql, COMPACT_MIGRATION);
      await sql.query(EARLIER_INSERT, [JSON.stringify(EARLIER_EVENTS)]);
      expect(await migrate(sql)).toContain(COMPACT_MIGRATION);

      const stored = await sql.query<Record<string, unknown>>(
        `SELECT request_id, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens,
                reasoning_tokens, cost::text AS cost, caller_aws_principal, attributes
           FROM usage_events ORDER BY request_id`,
      );
      expect(stored).toEqual([
        {
          request_id: 'with-everything',
          input_tokens: 2_147_483_647,
          cache_read_tokens: 1024,
          cache_write_tokens: 512,
          output_tokens: 900,
          reasoning_tokens: 300,
          cost: '0.01234567',
          caller_aws_principal: 'arn:aws:iam::1:role/ranker',
          attributes: EARLIER_EVENTS[0]!.attributes,
        },
        {
          request_id: 'without-attributes',
          input_tokens: null,
          cache_read_tokens: null,
          cache_write_tokens: null,
          output_tokens: 7,
          reasoning_tokens: null,
          cost: null,
          caller_aws_principal: null,
          attributes: null,
        },
      ]);
    } finally {
      await sql.close();
    }

    // The store's own reading, where the database outlives the handle that migrated it.
    if (backend === 'postgres') {
      store = await Store.open(db.url);
      expect(await store.usageEvents(...PERIOD)).toEqual(EARLIER_EVENTS);
    }
  });

  it('stops the upgrade, naming the column, where a stored token count is more than integer holds', async () => {
    db = await freshDatabase(backend);
    const sql = await connect(db.url);
    try {
      await migrate(sql, COMPACT_MIGRATION);
      const huge = { ...EARLIER_EVENTS[1]!, outputTokens: 2_147_483_648 };
      await sql.query(EARLIER_INSERT, [JSON.stringify([huge])]);
      await expect(migrate(sql)).rejects.toThrow(/usage_events\.output_tokens: 1 events count/);
      const [kept] = await sql.query<{ output_tokens: string }>(
        'SELECT output_tokens::text FROM usage_events',
      );
      expect(kept!.output_tokens).toBe('2147483648');
    } finally {
      await sql.close();
    }
  });

  it('stores empty attributes as null and reads them back as absent', async () => {
    db = await freshDatabase(backend);
    store = await Store.open(db.url);
    const base = { timestamp: '2026-10-03T10:00:00Z', provider: 'aws', model: null } as const;
    const events: UsageEvent[] = [
      { ...base, requestId: 'empty', attributes: {} },
      { ...base, requestId: 'none' },
      { ...base, requestId: 'one', attributes: { feature: 'rerank' } },
    ];
    expect(await store.insertUsageEvents(events, 'test')).toBe(3);

    const stored = await store.sql.query<{ request_id: string; attributes: unknown }>(
      'SELECT request_id, attributes FROM usage_events ORDER BY request_id',
    );
    expect(stored).toEqual([
      { request_id: 'empty', attributes: null },
      { request_id: 'none', attributes: null },
      { request_id: 'one', attributes: { feature: 'rerank' } },
    ]);
    const read = await store.usageEvents(...PERIOD);
    expect(read.map((e) => 'attributes' in e)).toEqual([false, false, true]);
  });
});

describe('usage events on PostgreSQL, sized', () => {
  let db: TestDatabase | undefined;
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    await db?.drop();
  });

  it(`take at most ${MAX_BYTES_PER_EVENT} bytes each, indexes included, for ${SIZED_EVENTS} realistic events after VACUUM ANALYZE`, async () => {
    db = await freshPostgres();
    store = await Store.open(db.url);
    await store.insertUsageEvents([...realisticEvents(SIZED_EVENTS)], 'api');
    // Sized as a running database is: vacuumed, so the free-space and visibility maps are there.
    await store.sql.exec('VACUUM ANALYZE usage_events');

    const [size] = await store.sql.query<{ bytes: string; events: number }>(
      `SELECT pg_total_relation_size('usage_events')::text AS bytes, count(*)::int AS events
         FROM usage_events`,
    );
    expect(size!.events).toBe(SIZED_EVENTS);
    expect(Number(size!.bytes) / size!.events).toBeLessThanOrEqual(MAX_BYTES_PER_EVENT);
  }, 120_000);
});

/** Events shaped as a busy organisation sends them, from a seeded generator. */
function* realisticEvents(count: number): Generator<UsageEvent> {
  const next = seededRandom(20_261_001);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  const hex = (digits: number) =>
    Math.floor(next() * 16 ** digits)
      .toString(16)
      .padStart(digits, '0');
  const models = [
    'anthropic.claude-sonnet-4-20250514-v1:0',
    'anthropic.claude-3-5-haiku-20241022-v1:0',
    'amazon.nova-pro-v1:0',
  ];
  const start = Date.parse(PERIOD[0]);
  for (let n = 0; n < count; n++) {
    const event: UsageEvent = {
      requestId: `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
      timestamp: new Date(start + Math.floor(next() * 30 * 86_400_000)).toISOString(),
      provider: 'aws',
      model: pick(models),
      inputTokens: 200 + Math.floor(next() * 3800),
      outputTokens: 50 + Math.floor(next() * 950),
      cost: (next() * 0.05).toFixed(8),
      latencyMs: 200 + Math.floor(next() * 4000),
      status: next() < 0.02 ? 'error' : 'ok',
      identity: {
        serviceAccount: `namespace-${Math.floor(next() * 40)}/service-${Math.floor(next() * 2000)}`,
      },
      account: `2000000000${String(Math.floor(next() * 8)).padStart(2, '0')}`,
      region: 'us-east-1',
    };
    if (next() < 0.3) event.cacheReadTokens = 1024;
    if (next() < 0.1) event.cacheWriteTokens = 1024;
    if (next() < 0.3) event.attributes = { feature: `feature-${Math.floor(next() * 12)}` };
    yield event;
  }
}
