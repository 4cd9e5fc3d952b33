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
export {
  pathAt,
  pathsByKey,
  type CallerPath,
  type CallerRef,
  type EdgeView,
  type PathView,
} from './explain-paths.js';
export {
  GROUP_DIMENSIONS,
  latestRunId,
  parseDay,
  parseGroupBy,
  queryReport,
  ReportQueryError,
} from './report-query.js';
export { groupsCsv, groupsTable } from './report-query-format.js';
export { renderReportHtml } from './report-html.js';
export { budgetBurns, runTimeline } from './report-html-budgets.js';
export { FLOW_DIMENSIONS } from './report-html-sankey.js';
export {
  canonicalJson,
  MAX_NAMED_OBJECTS,
  runInputs,
  runOutcome,
  saveRunInputs,
  type CostRowsDigest,
  type DigestSet,
  type ObjectDigest,
  type RunInputs,
  type RunInputsOptions,
  type RunOutcome,
  type UsageDayDigest,
} from './run-inputs.js';
export {
  MAX_NAMED_CHANGES,
  previousRun,
  runChanges,
  type AnswerMove,
  type RunChanges,
  type RunRecord,
  type SavedRun,
} from './run-changes.js';
