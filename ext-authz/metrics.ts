// The interceptor's Prometheus metrics, on a registry of its own. Label values come from small
// fixed sets (phase, reason, provider), never from a request.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

// From 50 µs to the 50 ms budget and a little past it, to show how close answers come to it.
const ANSWER_BUCKETS_SECONDS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
];

export class InterceptorMetrics {
  readonly checkAnswerSeconds: Histogram;
  readonly processAnswerSeconds: Histogram;
  readonly checks: Counter;
  readonly processMessages: Counter<'phase'>;
  readonly processStreams: Counter;
  readonly openStreams: Gauge;
  readonly failOpen: Counter<'rpc' | 'reason'>;
  readonly unreadableMessages: Counter<'rpc' | 'reason'>;
  readonly unreadableBodies: Counter<'reason'>;
  readonly events: Counter<'provider' | 'usage'>;
  readonly eventsRefused: Counter;
  readonly eventsUnmatched: Counter;
  readonly eventsQueued: Gauge;
  readonly eventsDropped: Counter;
  readonly eventsStored: Counter;
  readonly storeFailures: Counter;

  constructor(readonly registry: Registry = new Registry()) {
    const registers = [registry];
    this.checkAnswerSeconds = new Histogram({
      name: 'argmin_interceptor_check_answer_seconds',
      help: 'Time from receiving a Check to handing its OK answer to the transport.',
      buckets: ANSWER_BUCKETS_SECONDS,
      registers,
    });
    this.processAnswerSeconds = new Histogram({
      name: 'argmin_interceptor_process_answer_seconds',
      help: 'Time from receiving an ext_proc message to handing its reply to the transport.',
      buckets: ANSWER_BUCKETS_SECONDS,
      registers,
    });
    this.checks = new Counter({
      name: 'argmin_interceptor_checks_total',
      help: 'Check calls answered, all of them OK.',
      registers,
    });
    this.processMessages = new Counter({
      name: 'argmin_interceptor_process_messages_total',
      help: 'ext_proc messages received, by phase.',
      labelNames: ['phase'],
      registers,
    });
    this.processStreams = new Counter({
      name: 'argmin_interceptor_process_streams_total',
      help: 'ext_proc streams opened.',
      registers,
    });
    this.openStreams = new Gauge({
      name: 'argmin_interceptor_process_streams_open',
      help: 'ext_proc streams open now.',
      registers,
    });
    this.failOpen = new Counter({
      name: 'argmin_interceptor_fail_open_total',
      help: 'Calls answered as a no-op because the interceptor itself failed while handling them.',
      labelNames: ['rpc', 'reason'],
      registers,
    });
    this.unreadableMessages = new Counter({
      name: 'argmin_interceptor_unreadable_messages_total',
      help: 'Messages answered but not read: malformed, oversized or of an unknown phase.',
      labelNames: ['rpc', 'reason'],
      registers,
    });
    this.unreadableBodies = new Counter({
      name: 'argmin_interceptor_unreadable_bodies_total',
      help: 'Response bodies whose usage could not be read, by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.events = new Counter({
      name: 'argmin_interceptor_events_total',
      help: 'Usage events recorded, by provider and whether usage was reported.',
      labelNames: ['provider', 'usage'],
      registers,
    });
    this.eventsRefused = new Counter({
      name: 'argmin_interceptor_events_refused_total',
      help: 'Events the event schema refused; the log names the field.',
      registers,
    });
    this.eventsUnmatched = new Counter({
      name: 'argmin_interceptor_events_without_check_total',
      help: 'Events whose Check was not seen by this replica, so the caller comes from ext_proc alone.',
      registers,
    });
    this.eventsQueued = new Gauge({
      name: 'argmin_interceptor_events_queued',
      help: 'Events waiting to be stored.',
      registers,
    });
    this.eventsDropped = new Counter({
      name: 'argmin_interceptor_events_dropped_total',
      help: 'Events dropped, oldest first, because the queue was full while storage lagged.',
      registers,
    });
    this.eventsStored = new Counter({
      name: 'argmin_interceptor_events_stored_total',
      help: 'Events handed to storage successfully.',
      registers,
    });
    this.storeFailures = new Counter({
      name: 'argmin_interceptor_store_failures_total',
      help: 'Batches storage failed or timed out on; they are retried.',
      registers,
    });
  }
}
