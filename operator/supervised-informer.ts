// An informer (list, watch, cache, resume from the last resourceVersion, relist on 410) that is
// restarted after any failure instead of going quiet. It counts as synced once its first list has
// landed and its watch is open, and stops counting as synced while it is failing.
import {
  makeInformer,
  type KubeConfig,
  type KubernetesObject,
  type ListPromise,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { backoffDelayMs, type BackoffOptions } from './backoff.js';
import { sleep, type Clock } from './clock.js';

export type InformerEvent = 'add' | 'update' | 'delete';

export interface SupervisedInformerOptions<T extends KubernetesObject> {
  name: string;
  kubeConfig: KubeConfig;
  /** The collection's URL path, e.g. `/apis/apps/v1/deployments`. */
  path: string;
  list: ListPromise<T>;
  onEvent(event: InformerEvent, object: T): void;
  clock: Clock;
  logger: Logger;
  restartBackoff: BackoffOptions;
  onRestart?(name: string): void;
}

export class SupervisedInformer<T extends KubernetesObject> {
  private readonly informer;
  private stopped = true;
  private synced = false;
  private failures = 0;
  private readonly stopping = new AbortController();

  constructor(private readonly options: SupervisedInformerOptions<T>) {
    this.informer = makeInformer<T>(options.kubeConfig, options.path, options.list);
    this.informer.on('add', (o) => options.onEvent('add', o));
    this.informer.on('update', (o) => options.onEvent('update', o));
    this.informer.on('delete', (o) => options.onEvent('delete', o));
    this.informer.on('error', (err) => void this.restartAfterFailure(err));
  }

  get name(): string {
    return this.options.name;
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  list(): readonly T[] {
    return this.informer.list();
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.startOnce();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.synced = false;
    this.stopping.abort();
    await this.informer.stop();
  }

  private async startOnce(): Promise<void> {
    const failuresBefore = this.failures;
    await this.informer.start();
    // The client reports a failed list or watch through the error callback, not by rejecting.
    if (this.failures === failuresBefore && !this.stopped) {
      this.synced = true;
      this.failures = 0;
    }
  }

  private async restartAfterFailure(err: unknown): Promise<void> {
    if (this.stopped) return;
    this.synced = false;
    const attempt = this.failures++;
    const delayMs = backoffDelayMs(attempt, this.options.restartBackoff);
    this.options.logger.warn(
      { informer: this.options.name, err: errorText(err), attempt, delayMs },
      'watch failed; restarting',
    );
    await sleep(this.options.clock, delayMs, this.stopping.signal);
    if (this.stopped) return;
    this.options.onRestart?.(this.options.name);
    await this.startOnce();
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'object' ? JSON.stringify(err) : String(err);
}
