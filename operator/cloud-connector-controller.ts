// Reconciles a CloudConnector: syncs its sources into the store on its schedule (and at once when
// its spec changes), then reports what the sync read, what it quarantined and which accounts it
// saw. A failed sync is retried with backoff and reported as a condition and an Event.
import type {
  CloudConnector,
  CloudConnectorSpec,
  CloudConnectorStatus,
} from '../attribution/index.js';
import type { ArgminObject, StatusWriter } from './argmin-objects.js';
import type { Clock } from './clock.js';
import { kubeTime, mergeConditions, type DesiredCondition } from './conditions.js';
import type { ReconcileResult, Reconciler } from './controller.js';
import { parseDurationMs } from './duration.js';
import type { AttributionEngine, ConnectorSyncResult } from './engine.js';
import { EVENT_REASONS, type EventRecorder, type EventTarget } from './events.js';
import type { OperatorMetrics } from './metrics.js';

export type CloudConnectorObject = ArgminObject<CloudConnectorSpec, CloudConnectorStatus>;

export interface CloudConnectorControllerDeps {
  lookup(key: string): CloudConnectorObject | undefined;
  engine: AttributionEngine;
  status: StatusWriter;
  events: EventRecorder;
  clock: Clock;
  metrics: OperatorMetrics;
  /** Called after a sync changed the store, so spend is attributed again. */
  onSynced(): void;
}

export const DEFAULT_SYNC_INTERVAL_MS = 3_600_000;
const QUARANTINE_SAMPLES = 5;
const MESSAGE_MAX_CHARS = 512;

export class CloudConnectorReconciler implements Reconciler {
  readonly name = 'cloudconnector';

  constructor(private readonly deps: CloudConnectorControllerDeps) {}

  async reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult | void> {
    const { lookup, clock } = this.deps;
    const connector = lookup(key);
    if (!connector || connector.metadata.deletionTimestamp) return;
    const status = connector.status ?? {};
    const generation = connector.metadata.generation;
    const intervalMs = parseDurationMs(connector.spec.schedule ?? '') ?? DEFAULT_SYNC_INTERVAL_MS;

    if (connector.spec.suspend) {
      await this.deps.status.write(connector, {
        ...status,
        observedGeneration: generation,
        conditions: mergeConditions(status.conditions, suspended(generation), clock.now()),
      });
      return;
    }

    const now = clock.now();
    const lastSync = status.lastSyncTime ? Date.parse(status.lastSyncTime) : undefined;
    const lastFailed = status.conditions?.some((c) => c.type === 'Synced' && c.status !== 'True');
    const due =
      status.observedGeneration !== generation ||
      lastSync === undefined ||
      lastFailed === true ||
      now.getTime() - lastSync >= intervalMs;
    if (!due) return { requeueAfterMs: lastSync + intervalMs - now.getTime() };

    const result = await this.sync(connector, signal);
    this.deps.onSynced();
    await this.deps.status.write(connector, {
      observedGeneration: generation,
      conditions: mergeConditions(status.conditions, synced(result, generation), now),
      lastSyncTime: kubeTime(now),
      rowsRead: result.rowsRead,
      rowsQuarantined: result.rowsQuarantined,
      quarantineSamples: result.quarantineSamples.slice(0, QUARANTINE_SAMPLES),
      accountsSeen: [...result.accountsSeen].sort(),
    });
    if (result.rowsQuarantined > 0) {
      const first = result.quarantineSamples[0];
      await this.deps.events.record({
        target: targetOf(connector),
        type: 'Warning',
        reason: EVENT_REASONS.rowsQuarantined,
        action: 'Sync',
        note:
          `${result.rowsQuarantined} of ${result.rowsRead} rows quarantined` +
          (first ? `; first at ${first.file}:${first.line}: ${first.reason}` : ''),
      });
    }
    return { requeueAfterMs: intervalMs };
  }

  private async sync(
    connector: CloudConnectorObject,
    signal: AbortSignal,
  ): Promise<ConnectorSyncResult> {
    const { engine, metrics, clock } = this.deps;
    const stopTimer = metrics.syncDuration.startTimer();
    try {
      const result = await engine.syncConnector(toCloudConnector(connector), signal);
      stopTimer({ result: 'success' });
      return result;
    } catch (err) {
      stopTimer({ result: 'error' });
      const message = (err instanceof Error ? err.message : String(err)).slice(
        0,
        MESSAGE_MAX_CHARS,
      );
      const status = connector.status ?? {};
      await this.deps.status.write(connector, {
        ...status,
        observedGeneration: connector.metadata.generation,
        conditions: mergeConditions(
          status.conditions,
          failed(message, connector.metadata.generation, status),
          clock.now(),
        ),
      });
      await this.deps.events.record({
        target: targetOf(connector),
        type: 'Warning',
        reason: EVENT_REASONS.syncFailed,
        action: 'Sync',
        note: message,
      });
      throw err;
    }
  }
}

function synced(result: ConnectorSyncResult, generation?: number): DesiredCondition[] {
  const quarantined = result.rowsQuarantined > 0;
  return [
    {
      type: 'Ready',
      status: 'True',
      reason: 'Synced',
      message: 'Sources synced',
      observedGeneration: generation,
    },
    {
      type: 'Synced',
      status: 'True',
      reason: 'Synced',
      message: `${result.rowsRead} rows read`,
      observedGeneration: generation,
    },
    {
      type: 'Degraded',
      status: quarantined ? 'True' : 'False',
      reason: quarantined ? 'RowsQuarantined' : 'AllRowsAccepted',
      message: quarantined
        ? `${result.rowsQuarantined} rows quarantined; see quarantineSamples`
        : 'Every row read was accepted',
      observedGeneration: generation,
    },
  ];
}

function failed(
  message: string,
  generation: number | undefined,
  status: CloudConnectorStatus,
): DesiredCondition[] {
  const degraded = status.conditions?.find((c) => c.type === 'Degraded');
  return [
    {
      type: 'Ready',
      status: 'False',
      reason: 'SyncFailed',
      message,
      observedGeneration: generation,
    },
    {
      type: 'Synced',
      status: 'False',
      reason: 'SyncFailed',
      message,
      observedGeneration: generation,
    },
    ...(degraded ? [{ ...degraded }] : []),
  ];
}

function suspended(generation?: number): DesiredCondition[] {
  const message = 'Syncing is suspended; status keeps the last sync';
  return [
    { type: 'Ready', status: 'True', reason: 'Suspended', message, observedGeneration: generation },
    {
      type: 'Synced',
      status: 'False',
      reason: 'Suspended',
      message,
      observedGeneration: generation,
    },
  ];
}

function targetOf(connector: CloudConnectorObject): EventTarget {
  return {
    apiVersion: connector.apiVersion,
    kind: connector.kind,
    name: connector.metadata.name,
    namespace: connector.metadata.namespace,
    uid: connector.metadata.uid,
  };
}

export function toCloudConnector(object: CloudConnectorObject): CloudConnector {
  return {
    metadata: {
      name: object.metadata.name,
      ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
      labels: { ...(object.metadata.labels ?? {}) },
      annotations: { ...(object.metadata.annotations ?? {}) },
    },
    spec: object.spec,
    origin: { file: 'cluster', line: 0 },
  };
}
