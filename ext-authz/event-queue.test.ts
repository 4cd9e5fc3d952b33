import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { UsageEvent } from '../attribution/index.js';
import { EventQueue, type EventQueueOptions, type UsageEventSink } from './event-queue.js';
import { InterceptorMetrics } from './metrics.js';

const silent = pino({ level: 'silent' });

function event(n: number): UsageEvent {
  return {
    requestId: `req-${n}`,
    timestamp: '2026-10-03T10:00:00Z',
    provider: 'openai',
    model: 'gpt-4o',
  };
}

const OPTIONS: EventQueueOptions = {
  capacity: 10,
  batchSize: 4,
  flushIntervalMs: 5,
  storeTimeoutMs: 200,
  retryMinMs: 5,
  retryMaxMs: 20,
};

async function counter(metrics: InterceptorMetrics, name: string): Promise<number> {
  const { values } = await metrics.registry.getSingleMetric(name)!.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

class RecordingSink implements UsageEventSink {
  readonly batches: string[][] = [];
  fail = false;
  async insertUsageEvents(events: UsageEvent[], origin: string): Promise<number> {
    expect(origin).toBe('interceptor');
    if (this.fail) throw new Error('database unavailable');
    this.batches.push(events.map((e) => e.requestId));
    return events.length;
  }
}

describe('EventQueue', () => {
  let queue: EventQueue | undefined;
  afterEach(async () => {
    await queue?.close(100);
    queue = undefined;
  });

  it('stores events in order, in batches no larger than the batch size', async () => {
    const sink = new RecordingSink();
    queue = new EventQueue(sink, new InterceptorMetrics(), silent, OPTIONS);
    for (let i = 0; i < 10; i++) queue.push(event(i));
    await queue.flush();
    expect(sink.batches).toEqual([
      ['req-0', 'req-1', 'req-2', 'req-3'],
      ['req-4', 'req-5', 'req-6', 'req-7'],
      ['req-8', 'req-9'],
    ]);
    expect(queue.size).toBe(0);
  });

  it('drops the oldest events first once full, counting every drop', async () => {
    const metrics = new InterceptorMetrics();
    const sink = new RecordingSink();
    queue = new EventQueue(sink, metrics, silent, OPTIONS);
    for (let i = 0; i < 13; i++) queue.push(event(i));
    expect(queue.size).toBe(10);
    expect(await counter(metrics, 'argmin_interceptor_events_dropped_total')).toBe(3);
    await queue.flush();
    expect(sink.batches.flat()).toEqual(Array.from({ length: 10 }, (_, i) => `req-${i + 3}`));
  });

  it('keeps a failed batch at the front and stores it once storage recovers', async () => {
    const metrics = new InterceptorMetrics();
    const sink = new RecordingSink();
    sink.fail = true;
    queue = new EventQueue(sink, metrics, silent, OPTIONS);
    for (let i = 0; i < 6; i++) queue.push(event(i));
    await queue.flush();
    expect(queue.size).toBe(6);
    expect(await counter(metrics, 'argmin_interceptor_store_failures_total')).toBe(1);

    sink.fail = false;
    await new Promise((resolve) => setTimeout(resolve, OPTIONS.retryMaxMs));
    await queue.flush();
    expect(sink.batches.flat()).toEqual(['req-0', 'req-1', 'req-2', 'req-3', 'req-4', 'req-5']);
  });

  it('drops the oldest of a failed batch when newer events filled the queue meanwhile', async () => {
    const metrics = new InterceptorMetrics();
    let release: (() => void) | undefined;
    const sink: UsageEventSink = {
      insertUsageEvents: () =>
        new Promise((_, reject) => (release = () => reject(new Error('connection reset')))),
    };
    queue = new EventQueue(sink, metrics, silent, OPTIONS);
    for (let i = 0; i < 4; i++) queue.push(event(i));
    const flushing = queue.flush();
    for (let i = 4; i < 12; i++) queue.push(event(i));
    await new Promise((resolve) => setImmediate(resolve));
    release!();
    await flushing;
    // 4 in flight came back to a queue holding 8 of 10: the two oldest no longer fit.
    expect(queue.size).toBe(10);
    expect(await counter(metrics, 'argmin_interceptor_events_dropped_total')).toBe(2);
  });

  it('gives up on a store call that hangs, and starts no other until it settles', async () => {
    const metrics = new InterceptorMetrics();
    let calls = 0;
    const sink: UsageEventSink = {
      insertUsageEvents: () => {
        calls++;
        return new Promise(() => undefined);
      },
    };
    queue = new EventQueue(sink, metrics, silent, { ...OPTIONS, storeTimeoutMs: 20 });
    queue.push(event(1));
    await queue.flush();
    expect(await counter(metrics, 'argmin_interceptor_store_failures_total')).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await queue.flush();
    expect(calls).toBe(1);
    expect(queue.size).toBe(1);
  });

  it('never throws to the caller, even when storage throws synchronously', async () => {
    const sink: UsageEventSink = {
      insertUsageEvents() {
        throw new Error('driver bug');
      },
    };
    queue = new EventQueue(sink, new InterceptorMetrics(), silent, OPTIONS);
    queue.push(event(1));
    await expect(queue.flush()).resolves.toBeUndefined();
    expect(queue.size).toBe(1);
  });

  it('stores what is queued when closed', async () => {
    const sink = new RecordingSink();
    queue = new EventQueue(sink, new InterceptorMetrics(), silent, {
      ...OPTIONS,
      flushIntervalMs: 60_000,
    });
    queue.start();
    for (let i = 0; i < 5; i++) queue.push(event(i));
    await queue.close(1_000);
    expect(sink.batches.flat()).toHaveLength(5);
  });
});

describe('EventQueue closing', () => {
  it('waits for the batch already on its way to storage before it reports closed', async () => {
    const stored: string[] = [];
    const sink: UsageEventSink = {
      async insertUsageEvents(events) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        stored.push(...events.map((e) => e.requestId));
        return events.length;
      },
    };
    const queue = new EventQueue(sink, new InterceptorMetrics(), silent, OPTIONS);
    queue.push(event(1));
    void queue.flush();
    await queue.close(1_000);
    expect(stored).toEqual(['req-1']);
  });
});
