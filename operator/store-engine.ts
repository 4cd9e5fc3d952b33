// The attribution engine the operator runs in a cluster: connectors sync into the store, and the
// store's bills are attributed with the cluster state the informers keep.
import { Decimal } from 'decimal.js';
import {
  attribute,
  AttributionError,
  CONFIDENCE_CAP,
  type Allocation,
  type CloudConnector,
  type ClusterState,
  type Store,
} from '../attribution/index.js';
import {
  connectorKey,
  isAiService,
  loadCodeowners,
  normalizeModelId,
  readerFor,
  syncConnector,
} from '../connectors/index.js';
import type {
  AttributedSpend,
  AttributionEngine,
  AttributionOutcome,
  AttributionWindow,
  ConnectorSyncResult,
} from './engine.js';

export class StoreEngine implements AttributionEngine {
  /**
   * @param sourcesDir The folder relative `file://` source urls resolve against.
   */
  constructor(
    private readonly store: Store,
    private readonly sourcesDir: string,
  ) {}

  async syncConnector(connector: CloudConnector): Promise<ConnectorSyncResult> {
    const synced = await syncConnector(connector, {
      store: this.store,
      baseDir: this.sourcesDir,
      readerFor,
    });
    return {
      rowsRead: synced.costRows + synced.usageEvents + synced.people + synced.groups,
      rowsQuarantined: synced.quarantined.length,
      quarantineSamples: synced.quarantined.slice(0, 5).map((q) => ({
        file: q.source.file,
        line: q.source.line,
        ...(q.field ? { field: q.field } : {}),
        reason: q.reason,
      })),
      accountsSeen: synced.accountsSeen,
    };
  }

  async attribute(state: ClusterState, window: AttributionWindow): Promise<AttributionOutcome> {
    let allocations: Allocation[];
    try {
      const result = await attribute({
        store: this.store,
        state,
        connectors: state.connectors.map(connectorKey),
        codeowners: (await loadCodeowners(state.policies, () => this.sourcesDir)).byRepository,
        isAiSpend: isAiService,
        normalizeModel: normalizeModelId,
      });
      allocations = result.allocations;
    } catch (err) {
      // No bill synced yet is an empty period, not a failure.
      if (err instanceof AttributionError && err.code === 'NO_BILL') {
        return { spend: [], dataThrough: null };
      }
      throw err;
    }
    return summarize(allocations, window);
  }
}

function summarize(allocations: Allocation[], window: AttributionWindow): AttributionOutcome {
  const start = Date.parse(window.start);
  const end = Date.parse(window.end);
  const groups = new Map<string, AttributedSpend>();
  let dataThrough = 0;
  for (const allocation of allocations) {
    const { row, attribution } = allocation;
    const at = Date.parse(row.chargePeriodStart);
    if (at < start || at >= end) continue;
    dataThrough = Math.max(dataThrough, Date.parse(row.chargePeriodEnd));
    const confidence =
      attribution.costCenter === null
        ? '0'
        : pathConfidence(attribution.edges.map((e) => e.confidence));
    const namespace = attribution.service?.split('/')[0];
    const key = [
      attribution.costCenter,
      confidence,
      row.currency,
      namespace,
      row.subAccountId,
    ].join('|');
    const group = groups.get(key) ?? {
      costCenter: attribution.costCenter,
      confidence,
      cost: '0',
      currency: row.currency,
      ...(namespace ? { namespace } : {}),
      account: row.subAccountId,
    };
    group.cost = new Decimal(group.cost).plus(allocation.cost.toString()).toFixed();
    groups.set(key, group);
  }
  return {
    spend: [...groups.values()],
    dataThrough: dataThrough === 0 ? null : new Date(dataThrough).toISOString(),
  };
}

/** The product of a path's edge confidences, capped below certainty. */
function pathConfidence(confidences: { toString(): string }[]): string {
  const product = confidences.reduce(
    (acc: Decimal, c) => acc.times(c.toString()),
    new Decimal(confidences.length > 0 ? 1 : 0),
  );
  return Decimal.min(product, CONFIDENCE_CAP.toString()).toFixed();
}
