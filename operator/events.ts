// Kubernetes Events (`events.k8s.io/v1`) about Argmin's own resources, with specific reasons for
// what a person should notice. Recording never fails a reconcile: an Event that cannot be written
// is logged and dropped, since the status already carries the same facts.
import type { EventsV1Api } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';

export const EVENT_REASONS = {
  syncFailed: 'SyncFailed',
  rowsQuarantined: 'RowsQuarantined',
  budgetThresholdCrossed: 'BudgetThresholdCrossed',
  synced: 'Synced',
} as const;
export type EventReason = (typeof EVENT_REASONS)[keyof typeof EVENT_REASONS];

export interface EventTarget {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface RecordedEvent {
  target: EventTarget;
  type: 'Normal' | 'Warning';
  reason: EventReason;
  /** What the operator was doing: `Sync`, `Attribute`. */
  action: string;
  note: string;
}

export interface EventRecorder {
  record(event: RecordedEvent): Promise<void>;
}

const REPORTING_CONTROLLER = 'argmin.io/operator';
/** Where Events about cluster-scoped objects go, as Kubernetes itself does. */
const CLUSTER_SCOPED_EVENT_NAMESPACE = 'default';
const NOTE_MAX_CHARS = 1024;

export class KubeEventRecorder implements EventRecorder {
  constructor(
    private readonly api: EventsV1Api,
    private readonly reportingInstance: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async record(event: RecordedEvent): Promise<void> {
    const { target } = event;
    const namespace = target.namespace ?? CLUSTER_SCOPED_EVENT_NAMESPACE;
    const now = this.clock.now();
    try {
      await this.api.createNamespacedEvent({
        namespace,
        body: {
          apiVersion: 'events.k8s.io/v1',
          kind: 'Event',
          metadata: { generateName: `${target.name}.`, namespace },
          eventTime: now,
          reportingController: REPORTING_CONTROLLER,
          reportingInstance: this.reportingInstance,
          action: event.action,
          reason: event.reason,
          type: event.type,
          note: event.note.slice(0, NOTE_MAX_CHARS),
          regarding: {
            apiVersion: target.apiVersion,
            kind: target.kind,
            name: target.name,
            namespace: target.namespace,
            uid: target.uid,
            resourceVersion: target.resourceVersion,
          },
        },
      });
    } catch (err) {
      this.logger.warn(
        { kind: target.kind, namespace: target.namespace, name: target.name, reason: event.reason },
        'event not recorded',
      );
      this.logger.debug({ err: err instanceof Error ? err.message : String(err) }, 'event error');
    }
  }
}
