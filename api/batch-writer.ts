// Group commit: events of requests that arrive together are written in one statement, so the rate
// does not hang on one round trip per request, and a request is answered only once the statement
// that holds its events has committed. The queue is bounded in events; past the bound, and when the
// store does not confirm in time, the writer refuses instead of holding more than it can keep.
import type { Logger } from 'pino';
import type { UsageEvent } from '../attribution/index.js';
import { ApiError } from './errors.js';
import type { ApiLimits } from './limits.js';
import type { ApiMetrics } from './metrics.js';

/** Where events go; `Store` from attribution fits, and tests pass slow or failing ones. */
export interface EventSink {
  /** Stores events once each, keyed on their request id, committed when it resolves. */
  insertUsageEvents(events: UsageEvent[], origin: string): Promise<number>;
  /** Resolves when the store answers at all. */
  ping(): Promise<void>;
}

export type BatchWriterOptions = Pick<
  ApiLimits,
  'maxQueuedEvents' | 'maxBatchEvents' | 'writeConcurrency' | 'writeTimeoutMs' | 'retryAfterSeconds'
> & {
  /** Recorded with every stored event, to tell where it came from. */
  origin: string;
};

interface Pending {
  events: UsageEvent[];
  resolve(): void;
  reject(err: ApiError): void;
  settled: boolean;
}

// SQLSTATE classes 22 (data exception) and 23 (integrity violation): the rows, not the store.
const DATA_FAULT = /^2[23]/;

export class BatchWriter {
  private queue: Pending[] = [];
  private queued = 0;
  private inFlight = 0;
  private idle: (() => void)[] = [];

  constructor(
    private readonly sink: EventSink,
    private readonly options: BatchWriterOptions,
    private readonly metrics: ApiMetrics,
    private readonly logger: Logger,
  ) {}

  /** Accepted events not yet handed to the store. */
  get queuedEvents(): number {
    return this.queued;
  }

  /** True when the queue is full, so a new request would be turned away. */
  get saturated(): boolean {
    return this.queued >= this.options.maxQueuedEvents;
  }

  /**
   * Resolves once all `events` are committed (new or already stored). Rejects with an ApiError
   * when they cannot be taken or the store does not confirm them in time; some may have been
   * stored all the same, which a retry with the same request ids finds and does not repeat.
   */
  write(events: UsageEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    if (this.queued + events.length > this.options.maxQueuedEvents) {
      this.metrics.events.inc({ outcome: 'unavailable' }, events.length);
      return Promise.reject(
        this.unavailable('OVERLOADED', 'the write queue is full; retry after the wait given'),
      );
    }

    return new Promise<void>((resolve, reject) => {
      const pending: Pending = { events, resolve, reject, settled: false };
      const timer = setTimeout(() => {
        const at = this.queue.indexOf(pending);
        if (at >= 0) this.dequeue(at);
        const ms = this.options.writeTimeoutMs;
        this.settle(pending, this.unavailable('STORE_UNAVAILABLE', `no commit within ${ms} ms`));
      }, this.options.writeTimeoutMs);
      pending.resolve = () => {
        clearTimeout(timer);
        resolve();
      };
      pending.reject = (err) => {
        clearTimeout(timer);
        reject(err);
      };
      this.queue.push(pending);
      this.queued += events.length;
      this.metrics.queuedEvents.set(this.queued);
      this.pump();
    });
  }

  /** Resolves when nothing is queued or in flight. */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.inFlight < this.options.writeConcurrency && this.queue.length > 0) {
      const batch: Pending[] = [this.queue[0]!];
      let size = this.dequeue(0);
      while (
        this.queue.length > 0 &&
        size + this.queue[0]!.events.length <= this.options.maxBatchEvents
      ) {
        batch.push(this.queue[0]!);
        size += this.dequeue(0);
      }
      this.inFlight++;
      void this.insert(batch).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.queue.length === 0 && this.inFlight === 0) {
          for (const resolve of this.idle.splice(0)) resolve();
        }
      });
    }
  }

  private dequeue(at: number): number {
    const [pending] = this.queue.splice(at, 1);
    this.queued -= pending!.events.length;
    this.metrics.queuedEvents.set(this.queued);
    return pending!.events.length;
  }

  private async insert(batch: Pending[]): Promise<void> {
    const events = batch.flatMap((p) => p.events);
    const end = this.metrics.writeSeconds.startTimer();
    try {
      const inserted = await this.sink.insertUsageEvents(events, this.options.origin);
      end();
      this.metrics.events.inc({ outcome: 'stored' }, inserted);
      this.metrics.events.inc({ outcome: 'duplicate' }, events.length - inserted);
      for (const pending of batch) this.settle(pending);
    } catch (err) {
      end();
      this.metrics.writeFailures.inc();
      const sqlState = (err as { code?: unknown }).code;
      const dataFault = typeof sqlState === 'string' && DATA_FAULT.test(sqlState);
      this.logger.error(
        { events: events.length, requests: batch.length, code: sqlState, ...safeDetail(err) },
        'store write failed',
      );
      // One request's rows must not fail the others that shared its statement.
      if (dataFault && batch.length > 1) {
        for (const pending of batch) await this.insert([pending]);
        return;
      }
      const error = dataFault
        ? new ApiError('STORE_REFUSED', `the store refused an event of this request (${sqlState})`)
        : this.unavailable('STORE_UNAVAILABLE', 'the store did not confirm the write');
      for (const pending of batch) this.settle(pending, error);
    }
  }

  private settle(pending: Pending, err?: ApiError): void {
    if (pending.settled) return;
    pending.settled = true;
    if (err === undefined) return pending.resolve();
    if (err.statusCode === 503)
      this.metrics.events.inc({ outcome: 'unavailable' }, pending.events.length);
    pending.reject(err);
  }

  private unavailable(code: 'OVERLOADED' | 'STORE_UNAVAILABLE', message: string): ApiError {
    return new ApiError(code, message, { retryAfterSeconds: this.options.retryAfterSeconds });
  }
}

/** PostgreSQL's messages can quote a rejected value; only a connection error's message is kept. */
function safeDetail(err: unknown): { error?: string } {
  if (typeof err !== 'object' || err === null || 'severity' in err) return {};
  return { error: String((err as Error).message) };
}
