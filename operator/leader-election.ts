// Leader election on a `coordination.k8s.io/v1` Lease. One replica holds the Lease and renews it;
// the others watch it and take over once it has gone unrenewed for its whole duration, judged by
// their own clock from when they last saw it change (so clock skew between nodes does not matter).
// The leader stops leading the moment a renewal fails or runs past its deadline, and gives the
// Lease up on a clean shutdown so a standby need not wait for it to lapse.
import { type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { sleep, type Clock } from './clock.js';
import { isConflict, isNotFound } from './kube-errors.js';

export interface LeaderElectionOptions {
  api: CoordinationV1Api;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  /** How long a renewal may take before the leader gives up leading. */
  renewDeadlineMs: number;
  /** How often the leader renews and a standby retries. */
  retryPeriodMs: number;
  clock: Clock;
  logger: Logger;
  /** Called on becoming leader; `signal` aborts the moment leadership is lost. */
  onStartedLeading(signal: AbortSignal): void;
  onStoppedLeading(): void;
}

export class LeaderElector {
  private observed: { resourceVersion: string; holder: string; at: number } | undefined;
  private leading = false;

  constructor(private readonly options: LeaderElectionOptions) {}

  get isLeader(): boolean {
    return this.leading;
  }

  /** Campaigns, leads and campaigns again after a loss, until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const { clock, retryPeriodMs } = this.options;
    while (!signal.aborted) {
      const acquired = await this.tryAcquireOrRenew().catch((err: unknown) => {
        this.options.logger.warn({ err: errorText(err) }, 'lease acquire failed');
        return false;
      });
      if (acquired && !signal.aborted) await this.lead(signal);
      else await sleep(clock, retryPeriodMs, signal);
    }
    if (this.leading) this.stopLeading();
  }

  private async lead(signal: AbortSignal): Promise<void> {
    const { clock, retryPeriodMs, renewDeadlineMs, logger } = this.options;
    const leadership = new AbortController();
    this.leading = true;
    logger.info({ lease: this.options.name, identity: this.options.identity }, 'became leader');
    this.options.onStartedLeading(leadership.signal);

    while (!signal.aborted) {
      await sleep(clock, retryPeriodMs, signal);
      if (signal.aborted) break;
      const renewed = await withDeadline(clock, renewDeadlineMs, this.tryAcquireOrRenew()).catch(
        (err: unknown) => {
          logger.warn({ err: errorText(err) }, 'lease renewal failed');
          return false;
        },
      );
      if (!renewed) {
        leadership.abort();
        this.stopLeading();
        return;
      }
    }

    leadership.abort();
    this.stopLeading();
    await this.release().catch((err: unknown) =>
      logger.warn({ err: errorText(err) }, 'lease release failed'),
    );
  }

  private stopLeading(): void {
    if (!this.leading) return;
    this.leading = false;
    this.options.logger.info({ lease: this.options.name }, 'stopped leading');
    this.options.onStoppedLeading();
  }

  /** True when this replica holds the Lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { api, namespace, name, identity, leaseDurationSeconds, clock } = this.options;
    const now = clock.now();

    let lease: V1Lease;
    try {
      lease = await api.readNamespacedLease({ namespace, name });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await api.createNamespacedLease({
        namespace,
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: 0,
          },
        },
      });
      this.observe(String(now.getTime()), identity);
      return true;
    }

    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    this.observe(lease.metadata?.resourceVersion ?? '', holder);
    const heldByUs = holder === identity;
    const lapsed =
      holder === '' ||
      this.observed!.at + (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000 <=
        now.getTime();
    if (!heldByUs && !lapsed) return false;

    try {
      await api.replaceNamespacedLease({
        namespace,
        name,
        body: {
          ...lease,
          spec: {
            ...spec,
            holderIdentity: identity,
            leaseDurationSeconds,
            renewTime: now,
            acquireTime: heldByUs ? spec.acquireTime : now,
            leaseTransitions: (spec.leaseTransitions ?? 0) + (heldByUs ? 0 : 1),
          },
        },
      });
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
    return true;
  }

  private observe(resourceVersion: string, holder: string): void {
    if (this.observed?.resourceVersion === resourceVersion) return;
    this.observed = { resourceVersion, holder, at: this.options.clock.now().getTime() };
  }

  /** Empties the holder so a standby takes over at its next retry, not after the Lease lapses. */
  private async release(): Promise<void> {
    const { api, namespace, name, identity } = this.options;
    const lease = await api.readNamespacedLease({ namespace, name });
    if (lease.spec?.holderIdentity !== identity) return;
    await api.replaceNamespacedLease({
      namespace,
      name,
      body: {
        ...lease,
        spec: { ...lease.spec, holderIdentity: undefined, leaseDurationSeconds: 1 },
      },
    });
  }
}

function withDeadline<T>(clock: Clock, deadlineMs: number, work: Promise<T>): Promise<T | false> {
  return new Promise((resolve, reject) => {
    const handle = clock.setTimeout(() => resolve(false), deadlineMs);
    work.then(
      (value) => {
        clock.clearTimeout(handle);
        resolve(value);
      },
      (err: unknown) => {
        clock.clearTimeout(handle);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
