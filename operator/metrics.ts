// The operator's Prometheus metrics, on a registry of its own so that nothing else in the process
// leaks into `/metrics` and tests can start several operators side by side.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class OperatorMetrics {
  readonly registry = new Registry();

  readonly reconciles = new Counter({
    name: 'argmin_operator_reconciles_total',
    help: 'Reconciles finished, by controller and result (success, error, requeue).',
    labelNames: ['controller', 'result'] as const,
    registers: [this.registry],
  });

  readonly reconcileErrors = new Counter({
    name: 'argmin_operator_reconcile_errors_total',
    help: 'Reconciles that failed and were retried with backoff, by controller.',
    labelNames: ['controller'] as const,
    registers: [this.registry],
  });

  readonly reconcileDuration = new Histogram({
    name: 'argmin_operator_reconcile_duration_seconds',
    help: 'Time spent in one reconcile, by controller.',
    labelNames: ['controller'] as const,
    buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10, 60],
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'argmin_operator_queue_depth',
    help: 'Keys waiting in a controller work queue.',
    labelNames: ['controller'] as const,
    registers: [this.registry],
  });

  readonly syncDuration = new Histogram({
    name: 'argmin_operator_connector_sync_duration_seconds',
    help: 'Time to sync one CloudConnector into the store, by result.',
    labelNames: ['result'] as const,
    buckets: [0.1, 0.5, 2, 10, 30, 120, 600],
    registers: [this.registry],
  });

  readonly attributionDuration = new Histogram({
    name: 'argmin_operator_attribution_duration_seconds',
    help: 'Time for one attribution run over the store and the cluster state.',
    buckets: [0.05, 0.2, 1, 5, 20, 60, 300],
    registers: [this.registry],
  });

  readonly statusWrites = new Counter({
    name: 'argmin_operator_status_writes_total',
    help: 'Status subresource writes, by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly informerRestarts = new Counter({
    name: 'argmin_operator_informer_restarts_total',
    help: 'Watches restarted after a failure, by informer.',
    labelNames: ['informer'] as const,
    registers: [this.registry],
  });

  readonly leader = new Gauge({
    name: 'argmin_operator_leader',
    help: '1 while this replica holds the leader Lease.',
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }
}
