import { afterEach, describe, expect, it } from 'vitest';
import type { UsageEvent } from '../../attribution/index.js';
import {
  SAMPLE_CHECK_REQUEST,
  callMessages,
  phaseOf,
  requestIdOf,
  type CheckResponse,
  type EnvoyDouble,
} from './envoy-double.js';
import { expectWithinBudget } from './budget.js';
import { eventually, MemorySink, metricValue, startHarness, type Harness } from './harness.js';

const CHECK_REQUEST = SAMPLE_CHECK_REQUEST;

function openaiCall(requestId: string, body = '{"model":"gpt-4o","usage":{"prompt_tokens":3}}') {
  return callMessages({
    request: {
      ':authority': 'api.openai.com',
      ':path': '/v1/chat/completions',
      ':method': 'POST',
      'x-argmin-request-id': requestId,
    },
    response: { ':status': '200', 'content-type': 'application/json' },
    body: [Buffer.from(body)],
  });
}

function expectOk(response: CheckResponse): void {
  expect(response.status?.code ?? 0).toBe(0);
  expect(response.http_response).toBe('ok_response');
  expect(response.denied_response).toBeUndefined();
}

/** Checks and Process streams as Envoy sends them, every answer OK, in type and in time. */
async function expectServedWithinBudget(envoy: EnvoyDouble, calls: number): Promise<void> {
  for (let i = 0; i < calls; i++) {
    const { response, timing } = await envoy.check(CHECK_REQUEST);
    expectOk(response);
    expectWithinBudget(timing);
    const messages = openaiCall(requestIdOf(response) ?? `req-${i}`);
    const { replies, waits } = await envoy.processInSync(messages);
    expect(replies.map((r) => r.response)).toEqual(messages.map(phaseOf));
    for (const wait of waits) expectWithinBudget(wait);
  }
  expect(await envoy.health()).toBe('SERVING');
}

describe('the interceptor fails open (Envoy double over gRPC)', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('answers OK within the budget while storage is down, and retries storing later', async () => {
    let failing = true;
    const stored: UsageEvent[] = [];
    harness = await startHarness({
      store: {
        async insertUsageEvents(events) {
          if (failing) throw new Error('connection refused');
          stored.push(...events);
          return events.length;
        },
      },
      queue: { flushIntervalMs: 10, retryMinMs: 10, retryMaxMs: 20 },
    });
    await expectServedWithinBudget(harness.envoy, 10);
    await eventually(
      async () =>
        (await metricValue(harness!.interceptor, 'argmin_interceptor_store_failures_total')) > 1,
    );
    expect(stored).toEqual([]);

    failing = false;
    await eventually(() => stored.length === 10);
  });

  it('answers OK within the budget while storage takes seconds to answer', async () => {
    const sink = new MemorySink();
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    harness = await startHarness({
      store: {
        async insertUsageEvents(events) {
          await slow;
          return sink.insertUsageEvents(events);
        },
      },
      queue: { flushIntervalMs: 10 },
    });
    await expectServedWithinBudget(harness.envoy, 5);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await expectServedWithinBudget(harness.envoy, 5);
    expect(sink.events).toEqual([]);

    release();
    await eventually(() => sink.events.length === 10);
  });

  it('drops the oldest events past the queue bound, counts each drop, and keeps answering', async () => {
    const sink = new MemorySink();
    harness = await startHarness({
      store: sink,
      // No flush during the test: the queue only fills.
      queue: { capacity: 5, batchSize: 5, flushIntervalMs: 60_000 },
    });
    await expectServedWithinBudget(harness.envoy, 20);
    await eventually(() => harness!.interceptor.queued() === 5);
    expect(await metricValue(harness.interceptor, 'argmin_interceptor_events_dropped_total')).toBe(
      15,
    );
    expect(await metricValue(harness.interceptor, 'argmin_interceptor_events_queued')).toBe(5);

    // What is left to store is the newest five.
    await harness.close();
    harness = undefined;
    expect(sink.events).toHaveLength(5);
  });

  it('answers OK when its own parts throw, and counts each failure', async () => {
    const sink = new MemorySink();
    harness = await startHarness({
      store: sink,
      newRequestId: () => {
        throw new Error('no entropy');
      },
      clock: {
        now() {
          throw new Error('clock broken');
        },
      },
    });
    const { response, timing } = await harness.envoy.check(CHECK_REQUEST);
    expectOk(response);
    expectWithinBudget(timing);
    expect(requestIdOf(response)).toBeUndefined();

    await expectServedWithinBudget(harness.envoy, 3);
    await eventually(() => harness!.logs.some((l) => l.includes('clock broken')));
    expect(
      await metricValue(harness.interceptor, 'argmin_interceptor_fail_open_total'),
    ).toBeGreaterThanOrEqual(4);
  });

  it('answers a Check whose bytes are not a CheckRequest with OK', async () => {
    harness = await startHarness({ store: new MemorySink() });
    for (const bytes of [Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.from([0x0a, 0x7f, 0x01])]) {
      const { reply, timing } = await harness.envoy.rawCheck(bytes);
      expectWithinBudget(timing);
      // Field 1 (status) is present and empty: code 0, OK.
      expect(reply.subarray(0, 2)).toEqual(Buffer.from([0x0a, 0x00]));
    }
    await eventually(() => harness!.logs.some((l) => l.includes('"reason":"malformed"')));
    await expectServedWithinBudget(harness.envoy, 1);
  });

  it('answers an oversized Check and an oversized body chunk like any other', async () => {
    const sink = new MemorySink();
    harness = await startHarness({ store: sink });
    const huge = 'a'.repeat(5 * 1024 * 1024);
    const big = structuredClone(CHECK_REQUEST);
    (big.attributes.request.http.headers as Record<string, string>)['x-padding'] = huge;
    const { response } = await harness.envoy.check(big, 2_000);
    expectOk(response);

    const messages = openaiCall(
      'req-big',
      `{"model":"gpt-4o","pad":"${huge}","usage":{"prompt_tokens":9}}`,
    );
    // Envoy sends bodies in chunks of its buffer size; a 5 MiB one takes time just to cross.
    const { replies } = await harness.envoy.processInSync(messages, 5_000);
    expect(replies.map((r) => r.response)).toEqual(messages.map(phaseOf));
    await eventually(() => sink.events.length === 1, 10_000);
    expect(sink.events[0]).toMatchObject({ requestId: 'req-big', inputTokens: 9 });
    await expectServedWithinBudget(harness.envoy, 1);
  });

  it('answers each message of a malformed Process stream whose phase it can tell, and goes on', async () => {
    harness = await startHarness({ store: new MemorySink() });
    const stream = harness.envoy.openRawProcess();
    const replies: Buffer[] = [];
    stream.on('data', (reply: Buffer) => replies.push(reply));
    const ended = new Promise((resolve) => stream.on('end', resolve));

    // A response_headers message cut short, then bytes that are no message at all.
    stream.write(Buffer.from([0x1a, 0x7f, 0x01]));
    stream.write(Buffer.from([0xff, 0xff, 0xff]));
    await eventually(() => replies.length === 1);
    // The matching reply: ProcessingResponse.response_headers (field 2), empty.
    expect(replies[0]).toEqual(Buffer.from([0x12, 0x00]));
    stream.end();
    await ended;
    await expectServedWithinBudget(harness.envoy, 1);
  });

  it('keeps serving after a client cancels a Process stream midway, recording what it saw', async () => {
    const sink = new MemorySink();
    harness = await startHarness({ store: sink, queue: { flushIntervalMs: 10 } });
    const stream = harness.envoy.openProcess();
    stream.on('error', () => undefined);
    const replies: unknown[] = [];
    stream.on('data', (reply) => replies.push(reply));
    const [requestHeaders, responseHeaders] = openaiCall('req-cancelled');
    stream.write(requestHeaders!);
    stream.write(responseHeaders!);
    stream.write({ response_body: { body: Buffer.from('{"model":"gpt-4o","choi') } });
    await eventually(() => replies.length === 3);
    stream.cancel();

    await eventually(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({
      requestId: 'req-cancelled',
      model: 'gpt-4o',
      attributes: { complete: 'false', usage: 'absent' },
    });
    expect(sink.events[0]!.inputTokens).toBeUndefined();
    await expectServedWithinBudget(harness.envoy, 2);
  });

  it('sends nothing back in observability mode, and still records the call', async () => {
    const sink = new MemorySink();
    harness = await startHarness({ store: sink, queue: { flushIntervalMs: 10 } });
    const replies = await harness.envoy.processObserving(openaiCall('req-observed'));
    expect(replies).toEqual([]);
    await eventually(() => sink.events.length === 1);
    expect(sink.events[0]).toMatchObject({ requestId: 'req-observed', inputTokens: 3 });
  });

  it('tells health watchers it is NOT_SERVING as soon as it starts to drain', async () => {
    harness = await startHarness({ store: new MemorySink() });
    expect(await harness.envoy.health('envoy.service.auth.v3.Authorization')).toBe('SERVING');
    const statuses: string[] = [];
    const watch = harness.envoy.watchHealth();
    watch.on('data', (reply: { status: string }) => statuses.push(reply.status));
    watch.on('error', () => undefined);
    await eventually(() => statuses.length === 1);

    await harness.interceptor.close();
    expect(statuses).toEqual(['SERVING', 'NOT_SERVING']);
  });
});
