export * from './model.js';
export * from './resources.js';
export * from './event-schema.js';
export * from './cluster-state.js';
export {
  attribute,
  AttributionError,
  type AttributeOptions,
  type AttributeResult,
} from './attribute.js';
export { AttributionGraph, roleKey, type GraphProblem, type OwnershipLookup } from './graph.js';
export {
  CONFIDENCE_CAP,
  DEFAULT_EVIDENCE_WEIGHTS,
  type Attribution,
  type Edge,
  type EvidenceKind,
} from './evidence.js';
export { costOf, reconcile, type Allocation, type CostView } from './reconcile.js';
export { buildReport, type Report, type ReportRow } from './report.js';
export { renderTable } from './report-table.js';
export { allocate, Money, moneyText } from './money.js';
export {
  Store,
  CostDelivery,
  LATE_GRACE_DAYS,
  connect,
  migrate,
  type DeliverySwap,
  type DuplicateLine,
  type Sql,
} from './store/index.js';
