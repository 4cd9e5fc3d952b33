// Runs one reconciler over its work queue: a few workers, each taking one key at a time. A
// reconcile that throws comes back after a per-key backoff; one that asks to be requeued comes
// back after the delay it names; one that succeeds resets the key's backoff.
import type { Logger } from 'pino';
import type { OperatorMetrics } from './metrics.js';
import { WorkQueue } from './work-queue.js';

export interface ReconcileResult {
  /** Reconcile this key again after this long, even if nothing changes. */
  requeueAfterMs?: number;
}

export interface Reconciler {
  /** Names the controller in logs and metrics, e.g. `costcenter`. */
  readonly name: string;
  reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult | void>;
}

export interface ControllerOptions {
  reconciler: Reconciler;
  queue: WorkQueue;
  workers: number;
  metrics: OperatorMetrics;
  logger: Logger;
}

export class Controller {
  private readonly logger: Logger;

  constructor(private readonly options: ControllerOptions) {
    this.logger = options.logger.child({ controller: options.reconciler.name });
  }

  get name(): string {
    return this.options.reconciler.name;
  }

  enqueue(key: string): void {
    this.options.queue.add(key);
    this.reportDepth();
  }

  /** Processes keys until `signal` aborts; resolves once every worker has finished its key. */
  async run(signal: AbortSignal): Promise<void> {
    const { queue } = this.options;
    signal.addEventListener('abort', () => queue.shutDown(), { once: true });
    const workers = Array.from({ length: this.options.workers }, () => this.work(signal));
    await Promise.all(workers);
  }

  private async work(signal: AbortSignal): Promise<void> {
    const { queue } = this.options;
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await this.processOne(key, signal);
      } finally {
        queue.done(key);
        this.reportDepth();
      }
    }
  }

  private async processOne(key: string, signal: AbortSignal): Promise<void> {
    const { queue, metrics, reconciler } = this.options;
    const stopTimer = metrics.reconcileDuration.startTimer({ controller: reconciler.name });
    try {
      const result = await reconciler.reconcile(key, signal);
      queue.forget(key);
      if (result?.requeueAfterMs !== undefined && !signal.aborted) {
        queue.addAfter(key, result.requeueAfterMs);
        metrics.reconciles.inc({ controller: reconciler.name, result: 'requeue' });
      } else {
        metrics.reconciles.inc({ controller: reconciler.name, result: 'success' });
      }
    } catch (err) {
      metrics.reconciles.inc({ controller: reconciler.name, result: 'error' });
      metrics.reconcileErrors.inc({ controller: reconciler.name });
      if (signal.aborted) return;
      const delayMs = queue.addRateLimited(key);
      this.logger.warn(
        { key, err: err instanceof Error ? err.message : String(err), retryInMs: delayMs },
        'reconcile failed',
      );
    } finally {
      stopTimer();
    }
  }

  private reportDepth(): void {
    this.options.metrics.queueDepth.set({ controller: this.name }, this.options.queue.depth);
  }
}
