// Failures inside the interceptor are counted and logged, never passed on to the proxy. Logging is
// limited to one line per kind per interval, so that a fault on every call cannot flood the logs.
import type { Logger } from 'pino';
import { errorMessage } from './event-queue.js';
import type { InterceptorMetrics } from './metrics.js';

const LOG_INTERVAL_MS = 10_000;

export type Rpc = 'check' | 'process';

export class FailOpenReporter {
  private readonly lastLoggedMs = new Map<string, number>();
  private readonly suppressed = new Map<string, number>();

  constructor(
    private readonly metrics: InterceptorMetrics,
    private readonly logger: Logger,
  ) {}

  /** The interceptor failed while answering: the call was answered as a no-op all the same. */
  answered(rpc: Rpc, reason: string, err: unknown): void {
    this.metrics.failOpen.inc({ rpc, reason });
    this.log(`${rpc}:${reason}`, { rpc, reason, error: errorMessage(err) }, 'failed open');
  }

  /** A message was answered but could not be read (malformed, oversized, unknown phase). */
  unreadable(rpc: Rpc, reason: string): void {
    this.metrics.unreadableMessages.inc({ rpc, reason });
    this.log(`${rpc}:unreadable:${reason}`, { rpc, reason }, 'message answered but not read');
  }

  /** Work after the answer failed; the call was not affected. */
  afterAnswer(rpc: Rpc, err: unknown): void {
    this.metrics.failOpen.inc({ rpc, reason: 'after-answer' });
    this.log(`${rpc}:after`, { rpc, error: errorMessage(err) }, 'recording a call failed');
  }

  private log(key: string, fields: Record<string, unknown>, message: string): void {
    const now = Date.now();
    const last = this.lastLoggedMs.get(key) ?? 0;
    if (now - last < LOG_INTERVAL_MS) {
      this.suppressed.set(key, (this.suppressed.get(key) ?? 0) + 1);
      return;
    }
    this.lastLoggedMs.set(key, now);
    const suppressed = this.suppressed.get(key) ?? 0;
    this.suppressed.delete(key);
    this.logger.warn({ ...fields, suppressed }, message);
  }
}
