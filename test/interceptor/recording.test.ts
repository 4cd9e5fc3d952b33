import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store, type UsageEvent } from '../../attribution/index.js';
import { BACKENDS, freshDatabase, type TestDatabase } from '../databases.js';
import { callMessages, phaseOf, requestIdOf, SAMPLE_CHECK_REQUEST } from './envoy-double.js';
import { startHarness, type Harness } from './harness.js';
import { CANARY, PROVIDER_CALLS } from './provider-responses.js';

/** Every row of every table, as text: what a dump of the database would hold. */
async function dumpDatabase(store: Store): Promise<string> {
  const tables = await store.sql.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const rows: string[] = [];
  for (const { name } of tables) {
    const dumped = await store.sql.query<{ row: string }>(`SELECT t::text AS row FROM "${name}" t`);
    rows.push(...dumped.map((r) => `${name}: ${r.row}`));
  }
  return rows.join('\n');
}

describe.each(BACKENDS)('calls recorded through Envoy double into %s', (backend) => {
  let db: TestDatabase;
  let store: Store;
  let harness: Harness;
  let metricsText = '';
  const sent = new Map<string, (typeof PROVIDER_CALLS)[number]>();

  beforeAll(async () => {
    db = await freshDatabase(backend);
    store = await Store.open(db.url);
    harness = await startHarness({ store, queue: { flushIntervalMs: 20 } });

    for (const [i, call] of PROVIDER_CALLS.entries()) {
      // The Check Envoy sends carries the caller's identity and, had it not been trimmed, a key.
      const check = structuredClone(SAMPLE_CHECK_REQUEST);
      check.attributes.request.http.headers = {
        ...check.attributes.request.http.headers,
        authorization: `Bearer ${CANARY}`,
      } as typeof check.attributes.request.http.headers;
      const path = call.request[':path']!;
      const pathWithKey = `${path}${path.includes('?') ? '&' : '?'}key=${CANARY}`;
      check.attributes.request.http.path = pathWithKey;
      const { response } = await harness.envoy.check(check);
      const requestId = requestIdOf(response)!;
      sent.set(requestId, call);

      const messages = callMessages({
        request: {
          ...call.request,
          ':path': pathWithKey,
          'x-argmin-request-id': requestId,
          cookie: `session=${CANARY}`,
        },
        response: call.response,
        body: call.body,
        attributes: { 'source.address': '10.1.2.3:40000', 'xds.route_name': 'llm-egress' },
      });
      // A proxy set to send request bodies (against this configuration) would send the prompt.
      messages.splice(1, 0, {
        request_body: { body: Buffer.from(`{"prompt":"${CANARY}"}`), end_of_stream: true },
      });
      if (i % 2 === 0) {
        const { replies } = await harness.envoy.processInSync(messages);
        expect(replies.map((r) => r.response)).toEqual(messages.map(phaseOf));
      } else {
        expect(await harness.envoy.processObserving(messages, 10)).toEqual([]);
      }
    }
    metricsText = await harness.interceptor.metrics.registry.metrics();
    await harness.close();
  });

  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('stores one event per call, with the usage and model its provider reported', async () => {
    const events = await store.usageEvents('2000-01-01T00:00:00Z', '2100-01-01T00:00:00Z');
    expect(events).toHaveLength(PROVIDER_CALLS.length);
    for (const event of events) {
      const call = sent.get(event.requestId);
      expect(call, event.requestId).toBeDefined();
      const { attributes, ...expected } = call!.expected;
      expect(event, call!.name).toMatchObject(expected);
      if (attributes) expect(event.attributes).toMatchObject(attributes);
    }
  });

  it('joins each event to the caller its Check named, and to the route', async () => {
    const events = await store.usageEvents('2000-01-01T00:00:00Z', '2100-01-01T00:00:00Z');
    for (const event of events) {
      expect(event.identity).toEqual({
        spiffeId: 'spiffe://cluster.local/ns/search/sa/ranker',
        serviceAccount: 'search/ranker',
      } satisfies UsageEvent['identity']);

      expect(event.attributes).toMatchObject({ sourceAddress: '10.1.2.3', route: 'llm-egress' });
    }
  });

  it('keeps no prompt, completion, key or cookie: not in the database, the logs or the metrics', async () => {
    const dump = await dumpDatabase(store);
    expect(dump).toContain('usage_events');
    expect(dump).not.toContain(CANARY);
    expect(harness.logs.length).toBeGreaterThan(0);
    expect(harness.logs.join('\n')).not.toContain(CANARY);
    expect(metricsText).toContain('argmin_interceptor_events_total');
    expect(metricsText).not.toContain(CANARY);
  });
});
