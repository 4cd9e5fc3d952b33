// The operator process: informers on every replica (so a standby is ready to lead at once), the
// controllers only on the replica that holds the Lease, a periodic resync, and the health listener.
import {
  CoordinationV1Api,
  CustomObjectsApi,
  EventsV1Api,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { keyOf, StatusWriter, type ArgminKind } from './argmin-objects.js';
import { AttributionPolicyReconciler } from './attribution-policy-controller.js';
import { AttributionRuns } from './attribution-runs.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { CloudConnectorReconciler } from './cloud-connector-controller.js';
import { ClusterView } from './cluster-view.js';
import { Controller, type Reconciler } from './controller.js';
import { CostCenterReconciler } from './cost-center-controller.js';
import type { AttributionEngine } from './engine.js';
import { KubeEventRecorder, type EventRecorder } from './events.js';
import { startHealthServer, type HealthServer } from './health-server.js';
import { watchedCollections } from './informers.js';
import { LeaderElector } from './leader-election.js';
import { OperatorMetrics } from './metrics.js';
import { SupervisedInformer, type InformerEvent } from './supervised-informer.js';
import { WorkQueue } from './work-queue.js';

export interface OperatorOptions {
  kubeConfig: KubeConfig;
  engine: AttributionEngine;
  logger: Logger;
  /** This replica's name in the Lease and in Events; the pod name in a cluster. */
  identity: string;
  /** Namespace of the Lease, normally the operator's own. */
  leaseNamespace: string;
  leaseName?: string;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Every object is reconciled at least this often, changed or not. */
  resyncPeriodMs?: number;
  /** Quiet time after a cluster change before CostCenters are reconciled against it. */
  settleMs?: number;
  workers?: number;
  backoff?: BackoffOptions;
  clock?: Clock;
  metrics?: OperatorMetrics;
  events?: EventRecorder;
  /** `host:port` for `/healthz`, `/readyz` and `/metrics`; none when absent. */
  metricsListen?: string;
}

export interface RunningOperator {
  readonly metrics: OperatorMetrics;
  readonly isLeader: boolean;
  /** True once every informer has synced, and while none is failing. */
  ready(): boolean;
  /** `host:port` of the health listener, when one was asked for. */
  readonly healthAddress: string | undefined;
  /** Stops reconciling, releases the Lease if held, and closes every watch. */
  stop(): Promise<void>;
}

export const DEFAULTS = {
  leaseName: 'argmin-operator',
  LEASE_DURATION_SECONDS: 15,
  RENEW_DEADLINE_MS: 10_000,
  RETRY_PERIOD_MS: 2_000,
  RESYNC_PERIOD_MS: 10 * 60_000,
  SETTLE_MS: 500,
  WORKERS: 4,
} as const;

export async function startOperator(options: OperatorOptions): Promise<RunningOperator> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  const metrics = options.metrics ?? new OperatorMetrics();
  const kc = options.kubeConfig;
  const custom = kc.makeApiClient(CustomObjectsApi);
  const status = new StatusWriter(custom, metrics);
  const events =
    options.events ??
    new KubeEventRecorder(kc.makeApiClient(EventsV1Api), options.identity, clock, logger);
  const view = new ClusterView(clock);
  const runs = new AttributionRuns(options.engine, view, clock, metrics);
  const informers = new Map<string, SupervisedInformer<KubernetesObject>>();
  const argminInformer = (kind: ArgminKind) => informers.get(`argmin.io/v1alpha1/${kind}`)!;
  const lookup =
    <T>(kind: ArgminKind) =>
    (key: string): T | undefined => {
      const at = key.indexOf('/');
      const informer = argminInformer(kind);
      const found = at < 0 ? informer.get(key) : informer.get(key.slice(at + 1), key.slice(0, at));
      return found as T | undefined;
    };
  const cacheSynced = () => [...informers.values()].every((i) => i.hasSynced);

  // Controllers exist only while leading; a new term starts them afresh.
  let term: { controllers: Map<ArgminKind, Controller>; stop: AbortController } | undefined;
  const enqueueAll = (kinds: ArgminKind[]) => {
    for (const kind of kinds) {
      const controller = term?.controllers.get(kind);
      if (!controller) continue;
      for (const object of argminInformer(kind).list()) controller.enqueue(keyOf(object));
    }
  };
  let settleTimer: TimerHandle | undefined;
  const attributionInputsChanged = () => {
    if (settleTimer) return;
    settleTimer = clock.setTimeout(() => {
      settleTimer = undefined;
      enqueueAll(['CostCenter', 'AttributionPolicy']);
    }, options.settleMs ?? DEFAULTS.SETTLE_MS);
  };

  const reconcilers: Record<ArgminKind, Reconciler> = {
    CloudConnector: new CloudConnectorReconciler({
      lookup: lookup('CloudConnector'),
      engine: options.engine,
      status,
      events,
      clock,
      metrics,
      onSynced: () => {
        runs.storeChanged();
        attributionInputsChanged();
      },
    }),
    CostCenter: new CostCenterReconciler({
      lookup: lookup('CostCenter'),
      cacheSynced,
      runs,
      status,
      events,
      clock,
    }),
    AttributionPolicy: new AttributionPolicyReconciler({
      lookup: lookup('AttributionPolicy'),
      cacheSynced,
      runs,
      status,
      clock,
    }),
  };

  const onEvent = (event: InformerEvent, object: KubernetesObject) => {
    const changed = view.apply(event, object);
    if (!changed && event === 'update') return;
    attributionInputsChanged();
    const kind = object.kind as ArgminKind;
    const controller = object.apiVersion === 'argmin.io/v1alpha1' && term?.controllers.get(kind);
    if (controller && event !== 'delete') controller.enqueue(keyOf(object));
  };
  for (const collection of watchedCollections(kc)) {
    informers.set(
      collection.name,
      new SupervisedInformer({
        name: collection.name,
        kubeConfig: kc,
        path: collection.path,
        list: collection.list,
        onEvent,
        clock,
        logger,
        restartBackoff: options.backoff ?? DEFAULT_BACKOFF,
        onRestart: (name) => metrics.informerRestarts.inc({ informer: name }),
      }),
    );
  }

  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const resyncPeriodMs = options.resyncPeriodMs ?? DEFAULTS.RESYNC_PERIOD_MS;
  const startTerm = (leadership: AbortSignal) => {
    const stop = new AbortController();
    leadership.addEventListener('abort', () => stop.abort(), { once: true });
    const controllers = new Map<ArgminKind, Controller>();
    for (const [kind, reconciler] of Object.entries(reconcilers) as [ArgminKind, Reconciler][]) {
      const controller = new Controller({
        reconciler,
        queue: new WorkQueue({ clock, backoff }),
        workers: options.workers ?? DEFAULTS.WORKERS,
        metrics,
        logger,
      });
      controllers.set(kind, controller);
      void controller.run(stop.signal);
    }
    term = { controllers, stop };
    metrics.leader.set(1);
    enqueueAll(['CloudConnector', 'CostCenter', 'AttributionPolicy']);
    const resync = () => {
      if (stop.signal.aborted) return;
      enqueueAll(['CloudConnector', 'CostCenter', 'AttributionPolicy']);
      clock.setTimeout(resync, resyncPeriodMs);
    };
    clock.setTimeout(resync, resyncPeriodMs);
  };
  const endTerm = () => {
    term?.stop.abort();
    term = undefined;
    metrics.leader.set(0);
  };

  // Every replica keeps warm caches; only the leader reconciles.
  await Promise.all([...informers.values()].map((i) => i.start()));
  view.markInitialListDone();

  const shutdown = new AbortController();
  const elector = new LeaderElector({
    api: kc.makeApiClient(CoordinationV1Api),
    namespace: options.leaseNamespace,
    name: options.leaseName ?? DEFAULTS.leaseName,
    identity: options.identity,
    leaseDurationSeconds: options.leaseDurationSeconds ?? DEFAULTS.LEASE_DURATION_SECONDS,
    renewDeadlineMs: options.renewDeadlineMs ?? DEFAULTS.RENEW_DEADLINE_MS,
    retryPeriodMs: options.retryPeriodMs ?? DEFAULTS.RETRY_PERIOD_MS,
    clock,
    logger,
    onStartedLeading: startTerm,
    onStoppedLeading: endTerm,
  });
  const election = elector.run(shutdown.signal);

  let health: HealthServer | undefined;
  if (options.metricsListen) {
    const { host, port } = splitHostPort(options.metricsListen);
    health = await startHealthServer(host, port, {
      healthy: () => !shutdown.signal.aborted,
      ready: cacheSynced,
      registry: metrics.registry,
    });
  }

  return {
    metrics,
    get isLeader() {
      return elector.isLeader;
    },
    ready: cacheSynced,
    healthAddress: health?.address,
    async stop() {
      if (shutdown.signal.aborted) return;
      shutdown.abort();
      if (settleTimer) clock.clearTimeout(settleTimer);
      await election;
      endTerm();
      await Promise.all([...informers.values()].map((i) => i.stop()));
      await health?.close();
    },
  };
}

function splitHostPort(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  const host = at <= 0 ? '0.0.0.0' : listen.slice(0, at).replace(/^\[|\]$/g, '');
  return { host, port: Number(listen.slice(at + 1)) };
}
