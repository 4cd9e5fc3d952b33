// What the ingestion API exposes at /metrics, in a registry of its own so that several servers in
// one process (tests, an embedding program) never count into each other.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type EventOutcome = 'stored' | 'duplicate' | 'unavailable';

export class ApiMetrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'argmin_api_requests_total',
    help: 'HTTP requests answered, by route and status code.',
    labelNames: ['route', 'code'] as const,
    registers: [this.registry],
  });

  readonly requestSeconds = new Histogram({
    name: 'argmin_api_request_duration_seconds',
    help: 'Time from a request arriving to its answer, by route.',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly events = new Counter({
    name: 'argmin_api_events_total',
    help:
      'Events of well-formed requests, by outcome: stored (new), duplicate (already stored), ' +
      'unavailable (answered 503; the client retries).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly queuedEvents = new Gauge({
    name: 'argmin_api_write_queue_events',
    help: 'Accepted events waiting for a write to the store.',
    registers: [this.registry],
  });

  readonly writeSeconds = new Histogram({
    name: 'argmin_api_store_write_duration_seconds',
    help: 'Time one batched insert into the store took, failed ones included.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly writeFailures = new Counter({
    name: 'argmin_api_store_write_failures_total',
    help: 'Batched inserts the store did not confirm.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
