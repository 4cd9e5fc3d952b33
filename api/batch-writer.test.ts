import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { UsageEvent } from '../attribution/index.js';
import { MemorySink } from '../test/api/memory-sink.js';
import { BatchWriter, type BatchWriterOptions, type EventSink } from './batch-writer.js';
import { ApiError } from './errors.js';
import { ApiMetrics } from './metrics.js';

const options: BatchWriterOptions = {
  origin: 'test',
  maxQueuedEvents: 100,
  maxBatchEvents: 50,
  writeConcurrency: 1,
  writeTimeoutMs: 1_000,
  retryAfterSeconds: 3,
};

function events(prefix: string, n: number): UsageEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    requestId: `${prefix}-${i}`,
    timestamp: '2026-10-03T10:00:00Z',
    provider: 'openai',
    model: 'gpt-4o-mini',
  }));
}

function writer(sink: EventSink, overrides: Partial<BatchWriterOptions> = {}) {
  const metrics = new ApiMetrics();
  const w = new BatchWriter(sink, { ...options, ...overrides }, metrics, pino({ level: 'silent' }));
  return { writer: w, metrics };
}

async function failure(work: Promise<void>): Promise<ApiError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(err)}`);
  return err;
}

describe('BatchWriter', () => {
  it('writes requests that arrive together in one statement, and each resolves after it', async () => {
    const sink = new MemorySink();
    sink.delayMs = 20;
    const { writer: w } = writer(sink);
    await Promise.all([
      w.write(events('a', 10)),
      w.write(events('b', 20)),
      w.write(events('c', 30)),
    ]);
    // The first goes alone while the others queue; those two then share one statement.
    expect(sink.statements).toEqual([10, 50]);
    expect(sink.events.size).toBe(60);
  });

  it('never puts more than maxBatchEvents in a statement across requests', async () => {
    const sink = new MemorySink();
    sink.delayMs = 10;
    const { writer: w } = writer(sink, { maxBatchEvents: 25 });
    await Promise.all(['a', 'b', 'c', 'd'].map((p) => w.write(events(p, 10))));
    expect(sink.statements).toEqual([10, 20, 10]);
  });

  it('turns a request away with OVERLOADED and Retry-After when the queue is full', async () => {
    const sink = new MemorySink();
    sink.delayMs = 50;
    const { writer: w, metrics } = writer(sink, { maxQueuedEvents: 60 });
    const first = w.write(events('a', 50)); // in flight
    const second = w.write(events('b', 50)); // queued
    const err = await failure(w.write(events('c', 11)));
    expect(err.code).toBe('OVERLOADED');
    expect(err.statusCode).toBe(503);
    expect(err.details.retryAfterSeconds).toBe(3);
    expect(w.saturated).toBe(false);
    await Promise.all([first, second]);
    expect(sink.events.has('c-0')).toBe(false);
    expect((await metrics.events.get()).values).toContainEqual(
      expect.objectContaining({ labels: { outcome: 'unavailable' }, value: 11 }),
    );
  });

  it('answers STORE_UNAVAILABLE when the store does not commit in time', async () => {
    const sink = new MemorySink();
    sink.delayMs = 200;
    const { writer: w } = writer(sink, { writeTimeoutMs: 30 });
    const inFlight = w.write(events('a', 5));
    const queued = w.write(events('b', 5));
    expect((await failure(inFlight)).code).toBe('STORE_UNAVAILABLE');
    expect((await failure(queued)).code).toBe('STORE_UNAVAILABLE');
    await w.drain();
    // The slow insert still committed; the one that timed out in the queue was never sent.
    expect([...sink.events.keys()].sort()).toEqual(events('a', 5).map((e) => e.requestId));
  });

  it('answers STORE_UNAVAILABLE when the store fails, and stores on the retry', async () => {
    const sink = new MemorySink();
    sink.failure = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    const { writer: w } = writer(sink);
    const err = await failure(w.write(events('a', 5)));
    expect(err.code).toBe('STORE_UNAVAILABLE');
    expect(err.details.retryAfterSeconds).toBe(3);
    expect(sink.events.size).toBe(0);

    sink.failure = undefined;
    await w.write(events('a', 5));
    expect(sink.events.size).toBe(5);
  });

  it('keeps one request whose rows the store refuses from failing the others beside it', async () => {
    const refusing: EventSink = {
      async insertUsageEvents(batch) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        if (batch.some((e) => e.requestId.startsWith('bad'))) {
          throw Object.assign(new Error('date/time field value out of range'), {
            code: '22008',
            severity: 'ERROR',
          });
        }
        return batch.length;
      },
      ping: async () => undefined,
    };
    const { writer: w } = writer(refusing);
    const first = w.write(events('first', 1));
    const [good, bad, other] = await Promise.allSettled([
      w.write(events('good', 2)),
      w.write(events('bad', 2)),
      w.write(events('other', 2)),
    ]);
    await first;
    expect(good.status).toBe('fulfilled');
    expect(other.status).toBe('fulfilled');
    expect(bad.status === 'rejected' && (bad.reason as ApiError).code).toBe('STORE_REFUSED');
  });

  it('drains: resolves only once every write has settled', async () => {
    const sink = new MemorySink();
    sink.delayMs = 20;
    const { writer: w } = writer(sink);
    const writes = [w.write(events('a', 3)), w.write(events('b', 3))];
    await w.drain();
    expect(sink.events.size).toBe(6);
    await Promise.all(writes);
  });
});
