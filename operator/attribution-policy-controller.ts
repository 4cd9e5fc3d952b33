// Reconciles an AttributionPolicy. The policy itself takes effect through the cluster state every
// attribution run reads; this controller reports its coverage: the share of this month's spend in
// the policy's scope that attribution placed at or above the policy's minimum confidence.
import { Decimal } from 'decimal.js';
import type { AttributionPolicySpec, AttributionPolicyStatus } from '../attribution/index.js';
import type { ArgminObject, StatusWriter } from './argmin-objects.js';
import type { AttributionRun, AttributionRuns } from './attribution-runs.js';
import { budgetWindow } from './budget-period.js';
import type { Clock } from './clock.js';
import { mergeConditions, type DesiredCondition } from './conditions.js';
import type { ReconcileResult, Reconciler } from './controller.js';

export type AttributionPolicyObject = ArgminObject<AttributionPolicySpec, AttributionPolicyStatus>;

export interface AttributionPolicyControllerDeps {
  lookup(key: string): AttributionPolicyObject | undefined;
  cacheSynced(): boolean;
  runs: AttributionRuns;
  status: StatusWriter;
  clock: Clock;
}

const CACHE_WAIT_MS = 1_000;

export class AttributionPolicyReconciler implements Reconciler {
  readonly name = 'attributionpolicy';

  constructor(private readonly deps: AttributionPolicyControllerDeps) {}

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { lookup, cacheSynced, runs, clock } = this.deps;
    const policy = lookup(key);
    if (!policy || policy.metadata.deletionTimestamp) return;
    if (!cacheSynced()) return { requeueAfterMs: CACHE_WAIT_MS };

    const run = await runs.result(budgetWindow('Monthly', clock.now()));
    const coverage = coverageOf(run, policy.spec ?? {});
    const generation = policy.metadata.generation;
    const minimum = policy.spec?.minConfidence ?? '0';
    const ready: DesiredCondition =
      coverage === undefined
        ? {
            type: 'Ready',
            status: 'True',
            reason: 'NoSpend',
            message: 'No spend in scope this month yet',
            observedGeneration: generation,
          }
        : {
            type: 'Ready',
            status: 'True',
            reason: 'Applied',
            message: `Coverage is the share of spend attributed at confidence ${minimum} or more`,
            observedGeneration: generation,
          };
    const previous = policy.status ?? {};
    await this.deps.status.write(policy, {
      observedGeneration: generation,
      conditions: mergeConditions(previous.conditions, [ready], clock.now()),
      coverage,
    });
  }
}

/**
 * Covered spend over all spend in scope, both counted on positive slices only: credits and refunds
 * would otherwise let the share leave [0, 1]. Undefined when there is no spend in scope.
 */
export function coverageOf(run: AttributionRun, spec: AttributionPolicySpec): string | undefined {
  const minimum = new Decimal(spec.minConfidence ?? '0');
  const namespaces = spec.scope?.namespaces;
  const accounts = spec.scope?.accounts;
  let total = new Decimal(0);
  let covered = new Decimal(0);
  for (const slice of run.spend) {
    if (namespaces?.length && !(slice.namespace && namespaces.includes(slice.namespace))) continue;
    if (accounts?.length && !(slice.account && accounts.includes(slice.account))) continue;
    const cost = new Decimal(slice.cost);
    if (!cost.isPositive() || cost.isZero()) continue;
    total = total.plus(cost);
    if (slice.costCenter !== null && new Decimal(slice.confidence).gte(minimum)) {
      covered = covered.plus(cost);
    }
  }
  if (total.isZero()) return undefined;
  return covered.dividedBy(total).toDecimalPlaces(4, Decimal.ROUND_DOWN).toFixed();
}
