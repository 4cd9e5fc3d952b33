// What the operator needs from the attribution engine: sync a connector's sources into the store,
// and attribute the store's spend over a window with a given cluster state. The operator owns
// when these run; the engine owns what they compute.
import type { CloudConnector, ClusterState, QuarantineSample } from '../attribution/index.js';

export interface ConnectorSyncResult {
  rowsRead: number;
  rowsQuarantined: number;
  /** The first few quarantined rows, in the order they were read. */
  quarantineSamples: QuarantineSample[];
  /** Billing accounts, projects or subscriptions that appeared in the rows read. */
  accountsSeen: string[];
}

export interface AttributionWindow {
  /** RFC 3339, inclusive. */
  start: string;
  /** RFC 3339, exclusive. */
  end: string;
}

/** Spend grouped by where it landed and how sure attribution is. */
export interface AttributedSpend {
  /** CostCenter name, or null for the unattributed bucket. */
  costCenter: string | null;
  /** Decimal string in [0, 0.95]. */
  confidence: string;
  /** Decimal string, signed. */
  cost: string;
  currency: string;
  /** Namespace of the service the spend was attributed through, where there was one. */
  namespace?: string;
  /** The billing account, project or subscription of the spend. */
  account?: string;
}

export interface AttributionOutcome {
  spend: AttributedSpend[];
  /** The latest moment the data covers (end of the latest charge period or event); null if none. */
  dataThrough: string | null;
}

export interface AttributionEngine {
  syncConnector(connector: CloudConnector, signal: AbortSignal): Promise<ConnectorSyncResult>;
  attribute(state: ClusterState, window: AttributionWindow): Promise<AttributionOutcome>;
}
