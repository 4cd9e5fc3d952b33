import { Writable } from 'node:stream';
import { Ajv } from 'ajv';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_LIMITS, parseUsageEvent } from '../attribution/index.js';
import { MemorySink } from '../test/api/memory-sink.js';
import { BearerTokens } from './bearer-tokens.js';
import type { ApiLimits } from './limits.js';
import { EXAMPLE_EVENT } from './openapi.js';
import { startApi, type RunningApi } from './server.js';

const TOKEN = '5f0c3b1e9a7d4c2f8e6b0a1d3c5e7f9a';
const now = new Date('2026-11-01T00:00:00Z');

let api: RunningApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function serve(limits: Partial<ApiLimits> = {}) {
  const sink = new MemorySink();
  const lines: string[] = [];
  const logs = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  api = await startApi({
    host: '127.0.0.1',
    port: 0,
    sink,
    tokens: BearerTokens.of([TOKEN]),
    limits,
    logger: pino({ level: 'debug' }, logs),
    now: () => now,
  });
  return { sink, lines, url: api.address };
}

function event(requestId: string, extra: Record<string, unknown> = {}) {
  return { ...EXAMPLE_EVENT, requestId, ...extra };
}

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/v1/events`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe('POST /v1/events', () => {
  it('stores a JSON array and answers how many events it holds', async () => {
    const { sink, url } = await serve();
    const answer = await post(url, [event('a'), event('b')]);
    expect(answer).toMatchObject({ status: 200, body: { accepted: 2 } });
    expect([...sink.events.keys()]).toEqual(['a', 'b']);
  });

  it('stores NDJSON, and JSON sent with a charset', async () => {
    const { sink, url } = await serve();
    const ndjson = `${JSON.stringify(event('a'))}\n${JSON.stringify(event('b'))}\n`;
    expect((await post(url, ndjson, { 'content-type': 'application/x-ndjson' })).status).toBe(200);
    const json = { 'content-type': 'application/json; charset=utf-8' };
    expect((await post(url, [event('c')], json)).status).toBe(200);
    expect(sink.events.size).toBe(3);
  });

  it('stores an event once when it comes twice in a request and again in the next', async () => {
    const { sink, url } = await serve();
    expect((await post(url, [event('a'), event('a'), event('b')])).body).toEqual({ accepted: 3 });
    expect((await post(url, [event('a'), event('c')])).status).toBe(200);
    expect([...sink.events.keys()].sort()).toEqual(['a', 'b', 'c']);
  });

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer 0000000000000000000000000000000' }],
    ['a Basic credential', { authorization: `Basic ${TOKEN}` }],
  ])('answers 401 to a request with %s and stores nothing', async (_, headers) => {
    const { sink, url } = await serve();
    const response = await fetch(`${url}/v1/events`, {
      method: 'POST',
      body: JSON.stringify([event('a')]),
      headers: { 'content-type': 'application/json', ...headers },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'UNAUTHENTICATED',
    );
    expect(sink.events.size).toBe(0);
  });

  it.each([
    ['prompt', { prompt: 'hello' }],
    ['messages', { messages: [] }],
    ['input', { input: 'hello' }],
    ['completion', { completion: 'hi' }],
    ['output', { output: 'hi' }],
    ['choices', { choices: [] }],
    ['tenant', { tenant: 'unknown fields are refused too' }],
    ['inputTokens', { inputTokens: -1 }],
    ['outputTokens', { outputTokens: 400_000_001 }],
    ['timestamp', { timestamp: '2026-11-02T00:00:00Z' }],
  ])('answers 400 naming %s and the event, and stores none of the request', async (field, bad) => {
    const { sink, url } = await serve();
    const answer = await post(url, [event('a'), event('b', bad)]);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'EVENT_REFUSED', field, event: 1 });
    expect(sink.events.size).toBe(0);
  });

  it('answers 400 for a number JSON cannot hold finitely', async () => {
    const { url } = await serve();
    const body = JSON.stringify([event('a', { latencyMs: 0 })]).replace(
      '"latencyMs":0',
      '"latencyMs":1e400',
    );
    const answer = await post(url, body);
    expect(answer.body.error).toMatchObject({ field: 'latencyMs', event: 0 });
  });

  it.each([
    ['a body over the byte limit', { maxBodyBytes: 2_000 }, 20, 'BODY_TOO_LARGE', '2000 bytes'],
    [
      'more events than a request may carry',
      { maxEventsPerRequest: 5 },
      6,
      'TOO_MANY_EVENTS',
      'the 5',
    ],
  ])('answers 413 to %s, saying which limit', async (_, limits, count, code, message) => {
    const { sink, url } = await serve(limits);
    const answer = await post(
      url,
      Array.from({ length: count }, (__, i) => event(`e${i}`)),
    );
    expect(answer.status).toBe(413);
    expect(answer.body.error).toMatchObject({ code, message: expect.stringContaining(message) });
    expect(sink.events.size).toBe(0);
  });

  it('answers 415 to a body that is neither JSON nor NDJSON', async () => {
    const { url } = await serve();
    const answer = await post(url, 'requestId=a', { 'content-type': 'text/plain' });
    expect(answer.status).toBe(415);
    expect(answer.body.error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('answers 503 with Retry-After, never 2xx, while the store is down', async () => {
    const { sink, url } = await serve({ retryAfterSeconds: 4 });
    sink.failure = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const answer = await post(url, [event('a')]);
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('4');
    expect(answer.body.error).toMatchObject({ code: 'STORE_UNAVAILABLE', retryAfterSeconds: 4 });

    sink.failure = undefined;
    expect((await post(url, [event('a')])).status).toBe(200);
    expect(sink.events.size).toBe(1);
  });

  it('answers 503 when the store is slower than the write timeout', async () => {
    const { sink, url } = await serve({ writeTimeoutMs: 50 });
    sink.delayMs = 300;
    const answer = await post(url, [event('a')]);
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).not.toBeNull();
  });

  it('turns requests away with 503 once the write queue is full, and stores every one it took', async () => {
    const { sink, url } = await serve({
      maxQueuedEvents: 10,
      maxEventsPerRequest: 10,
      writeConcurrency: 1,
    });
    sink.delayMs = 50;
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, r) =>
        post(
          url,
          Array.from({ length: 10 }, (__, i) => event(`q${r}-${i}`)),
        ).then((a) => ({ r, ...a })),
      ),
    );
    const refused = answers.filter((a) => a.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]!.body.error).toMatchObject({ code: 'OVERLOADED' });
    expect(refused[0]!.headers.get('retry-after')).toBe('2');
    for (const { r, status } of answers) {
      expect(sink.events.has(`q${r}-0`)).toBe(status === 200);
    }
  });

  it('keeps a canary in an attribute as metadata, and never logs a body or a token', async () => {
    const { sink, lines, url } = await serve();
    const canary = 'CANARY-9d2e-the-prompt-was-here';
    expect((await post(url, [event('a', { attributes: { tag: canary } })])).status).toBe(200);
    expect(sink.events.get('a')!.attributes).toEqual({ tag: canary });
    expect((await post(url, [event('b', { prompt: canary })])).status).toBe(400);
    const tooLong = canary.repeat(EVENT_LIMITS.attributeValueLength / canary.length + 1);
    const long = await post(url, [event('c', { attributes: { tag: tooLong } })]);
    expect(long.body.error).toMatchObject({ field: 'attributes.tag' });

    expect(lines.some((l) => l.includes('request refused'))).toBe(true);
    expect(lines.join('')).not.toContain('CANARY');
    expect(lines.join('')).not.toContain(TOKEN);
  });
});

describe('probes, metrics and the OpenAPI document', () => {
  it('is alive, and ready only while the store answers', async () => {
    const { sink, url } = await serve();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    sink.failure = new Error('down');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
  });

  it('counts stored and duplicate events in Prometheus text', async () => {
    const { url } = await serve();
    await post(url, [event('a'), event('a'), event('b')]);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toContain('argmin_api_events_total{outcome="stored"} 2');
    expect(text).toContain('argmin_api_events_total{outcome="duplicate"} 1');
    expect(text).toContain('argmin_api_requests_total{route="/v1/events",code="200"} 1');
  });

  it('describes exactly the fields the event gate accepts, and its example is accepted', async () => {
    const { url } = await serve();
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as {
      openapi: string;
      components: { schemas: { UsageEvent: { properties: Record<string, unknown> } } };
    };
    expect(doc.openapi).toBe('3.1.0');
    const schema = doc.components.schemas.UsageEvent;
    const ajv = new Ajv({ strict: false, validateFormats: false });
    const validate = ajv.compile(schema);

    const everyField = {
      ...EXAMPLE_EVENT,
      cacheWriteTokens: 5,
      reasoningTokens: 100,
      cost: '0.0125',
      identity: {
        serviceAccount: 'search/ranker',
        spiffeId: 'spiffe://cluster.local/ns/search/sa/ranker',
        apiKeyId: 'key-7',
        user: 'ana.lopez@acme.example',
        awsPrincipal: 'arn:aws:sts::111122223333:assumed-role/ranker/s1',
        gcpPrincipal: 'ranker@acme-prod.iam.gserviceaccount.com',
        azurePrincipal: '6f1c2b9e-3d4a-4e8b-9c7d-1a2b3c4d5e6f',
      },
      account: '111122223333',
      region: 'us-east-1',
    };
    for (const value of [EXAMPLE_EVENT, everyField]) {
      expect(validate(value)).toBe(true);
      expect(parseUsageEvent(value, { now }).ok).toBe(true);
    }
    for (const field of Object.keys(schema.properties)) {
      const check = parseUsageEvent({ ...EXAMPLE_EVENT, [field]: { probe: 1 } }, { now });
      expect(check.ok || check.reason).not.toBe('is not a field of the event');
    }
    for (const bad of [
      { prompt: 'x' },
      { inputTokens: -1 },
      { requestId: 'r'.repeat(EVENT_LIMITS.requestIdLength + 1) },
      { attributes: { k: 'v'.repeat(EVENT_LIMITS.attributeValueLength + 1) } },
      { service: 'no-slash' },
      { cost: '1e3' },
    ]) {
      const value = { ...EXAMPLE_EVENT, ...bad };
      expect([validate(value), parseUsageEvent(value, { now }).ok]).toEqual([false, false]);
    }
    expect((await post(url, [EXAMPLE_EVENT])).status).toBe(200);
  });

  it('answers 404 with an error body on an unknown route', async () => {
    const { url } = await serve();
    const response = await fetch(`${url}/v2/events`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});
