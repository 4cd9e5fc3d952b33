// The operator: reconciles CloudConnectors, CostCenters and AttributionPolicies from the cluster,
// with leader election, and reports through status, Events, logs and metrics.
export { startOperator, DEFAULTS, type OperatorOptions, type RunningOperator } from './operator.js';
export type {
  AttributionEngine,
  AttributionOutcome,
  AttributionWindow,
  AttributedSpend,
  ConnectorSyncResult,
} from './engine.js';
export { OperatorMetrics } from './metrics.js';
export { systemClock, type Clock } from './clock.js';
export { ARGMIN_GROUP, ARGMIN_VERSION, ARGMIN_KINDS } from './argmin-objects.js';
export { StoreEngine } from './store-engine.js';
