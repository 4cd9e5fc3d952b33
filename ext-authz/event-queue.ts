// Events leave the interceptor through this queue, in batches, on a timer of their own. Nothing on
// the request path ever waits for it: pushing is constant time and never fails. When storage is
// slow or down, events wait; past the bound the oldest are dropped, and every drop is counted.
import type { Logger } from 'pino';
import type { UsageEvent } from '../attribution/index.js';
import type { InterceptorMetrics } from './metrics.js';

/** What the queue needs from storage; `Store` provides it. */
export interface UsageEventSink {
  insertUsageEvents(events: UsageEvent[], origin: string): Promise<number>;
}

export interface EventQueueOptions {
  /** Events held while storage lags; beyond this the oldest are dropped. */
  capacity: number;
  batchSize: number;
  flushIntervalMs: number;
  /** A batch that takes longer counts as failed and is retried; storing is idempotent. */
  storeTimeoutMs: number;
  retryMinMs: number;
  retryMaxMs: number;
}

export const DEFAULT_QUEUE_OPTIONS: EventQueueOptions = {
  capacity: 100_000,
  batchSize: 500,
  flushIntervalMs: 250,
  storeTimeoutMs: 10_000,
  retryMinMs: 250,
  retryMaxMs: 10_000,
};

const ORIGIN = 'interceptor';

export class EventQueue {
  private readonly ring: (UsageEvent | undefined)[];
  private head = 0;
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** A store call that timed out and has not settled; no other starts while it hangs. */
  private hung: Promise<unknown> | undefined;
  private retryAtMs = 0;
  private retryDelayMs: number;
  private droppedSinceLog = 0;
  /** Events of the batch being stored now. */
  private inFlight = 0;

  constructor(
    private readonly sink: UsageEventSink,
    private readonly metrics: InterceptorMetrics,
    private readonly logger: Logger,
    private readonly options: EventQueueOptions = DEFAULT_QUEUE_OPTIONS,
  ) {
    this.ring = new Array<UsageEvent | undefined>(options.capacity);
    this.retryDelayMs = options.retryMinMs;
  }

  get size(): number {
    return this.count;
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  push(event: UsageEvent): void {
    if (this.count === this.options.capacity) this.dropOldest();
    this.ring[(this.head + this.count) % this.options.capacity] = event;
    this.count++;
    this.metrics.eventsQueued.set(this.count);
  }

  /** Stops the timer and stores what is queued, giving up at the deadline. */
  async close(deadlineMs: number): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    const deadline = Date.now() + deadlineMs;
    const beforeDeadline = (work: Promise<void>) =>
      Promise.race([work, sleep(deadline - Date.now())]);
    for (;;) {
      // A batch already on its way counts too: the queue is empty only once it has landed.
      await beforeDeadline(this.flushing ?? Promise.resolve());
      if (this.count === 0 || Date.now() >= deadline) break;
      this.retryAtMs = 0;
      await beforeDeadline(this.flush());
      if (this.count > 0) await sleep(Math.min(50, deadline - Date.now()));
    }
    this.logDrops();
    const unstored = this.count + (this.flushing ? this.inFlight : 0);
    if (unstored > 0) this.logger.warn({ events: unstored }, 'events not stored before shutdown');
  }

  /** Sends queued batches until the queue is empty or storage fails. */
  flush(): Promise<void> {
    this.logDrops();
    if (this.flushing) return this.flushing;
    if (this.count === 0 || this.hung || Date.now() < this.retryAtMs) return Promise.resolve();
    this.flushing = this.sendBatches().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async sendBatches(): Promise<void> {
    while (this.count > 0) {
      const batch = this.take(this.options.batchSize);
      this.inFlight = batch.length;
      const ok = await this.store(batch);
      this.inFlight = 0;
      if (!ok) {
        this.putBack(batch);
        this.retryAtMs = Date.now() + this.retryDelayMs;
        this.retryDelayMs = Math.min(this.retryDelayMs * 2, this.options.retryMaxMs);
        return;
      }
      this.retryDelayMs = this.options.retryMinMs;
    }
  }

  private async store(batch: UsageEvent[]): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const call = Promise.resolve().then(() => this.sink.insertUsageEvents(batch, ORIGIN));
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.storeTimeoutMs);
    });
    try {
      const outcome = await Promise.race([call, timedOut]);
      if (outcome === 'timeout') {
        this.hung = call.catch(() => undefined).finally(() => (this.hung = undefined));
        throw new Error(`storage did not answer within ${this.options.storeTimeoutMs} ms`);
      }
      this.metrics.eventsStored.inc(batch.length);
      return true;
    } catch (err) {
      this.metrics.storeFailures.inc();
      this.logger.warn(
        { events: batch.length, queued: this.count, error: errorMessage(err) },
        'storing events failed; will retry',
      );
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  private take(max: number): UsageEvent[] {
    const n = Math.min(max, this.count);
    const batch: UsageEvent[] = [];
    for (let i = 0; i < n; i++) {
      const at = (this.head + i) % this.options.capacity;
      batch.push(this.ring[at]!);
      this.ring[at] = undefined;
    }
    this.head = (this.head + n) % this.options.capacity;
    this.count -= n;
    this.metrics.eventsQueued.set(this.count);
    return batch;
  }

  /** Returns a failed batch to the front; what no longer fits is older than all else, so goes. */
  private putBack(batch: UsageEvent[]): void {
    for (let i = batch.length - 1; i >= 0; i--) {
      if (this.count === this.options.capacity) {
        this.countDrops(i + 1);
        break;
      }
      this.head = (this.head - 1 + this.options.capacity) % this.options.capacity;
      this.ring[this.head] = batch[i];
      this.count++;
    }
    this.metrics.eventsQueued.set(this.count);
  }

  private dropOldest(): void {
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.options.capacity;
    this.count--;
    this.countDrops(1);
  }

  private countDrops(n: number): void {
    this.metrics.eventsDropped.inc(n);
    this.droppedSinceLog += n;
  }

  private logDrops(): void {
    if (this.droppedSinceLog === 0) return;
    this.logger.warn({ dropped: this.droppedSinceLog, queued: this.count }, 'events dropped');
    this.droppedSinceLog = 0;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
