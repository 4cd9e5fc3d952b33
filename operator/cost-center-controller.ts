// Reconciles a CostCenter: its spend over the current budget period, the share of its budget
// used, a forecast for the whole period, and how sure attribution is of that spend. Events mark the
// moment spend crosses one of the budget's alert thresholds.
import { Decimal } from 'decimal.js';
import type { CostCenterSpec, CostCenterStatus } from '../attribution/index.js';
import type { ArgminObject, StatusWriter } from './argmin-objects.js';
import { AttributionRuns, type AttributionRun } from './attribution-runs.js';
import { budgetWindow } from './budget-period.js';
import type { Clock } from './clock.js';
import { kubeTime, mergeConditions, type DesiredCondition } from './conditions.js';
import type { ReconcileResult, Reconciler } from './controller.js';
import type { AttributionWindow } from './engine.js';
import { EVENT_REASONS, type EventRecorder } from './events.js';

export type CostCenterObject = ArgminObject<CostCenterSpec, CostCenterStatus>;

export interface CostCenterControllerDeps {
  lookup(key: string): CostCenterObject | undefined;
  /** True once the cluster state is complete enough to attribute against. */
  cacheSynced(): boolean;
  runs: AttributionRuns;
  status: StatusWriter;
  events: EventRecorder;
  clock: Clock;
}

const CACHE_WAIT_MS = 1_000;
const DEFAULT_CURRENCY = 'USD';

export class CostCenterReconciler implements Reconciler {
  readonly name = 'costcenter';

  constructor(private readonly deps: CostCenterControllerDeps) {}

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { lookup, cacheSynced, runs, clock } = this.deps;
    const costCenter = lookup(key);
    if (!costCenter || costCenter.metadata.deletionTimestamp) return;
    if (!cacheSynced()) return { requeueAfterMs: CACHE_WAIT_MS };

    const spec = costCenter.spec ?? {};
    const window = budgetWindow(spec.budget?.period ?? 'Monthly', clock.now(), spec.timeZone);
    let run: AttributionRun;
    try {
      run = await runs.result(window);
    } catch (err) {
      await this.writeFailure(costCenter, err);
      throw err;
    }

    const desired = this.desiredStatus(costCenter, window, run);
    await this.deps.status.write(costCenter, desired);
    await this.announceThresholds(costCenter, desired);
  }

  private desiredStatus(
    costCenter: CostCenterObject,
    window: AttributionWindow,
    run: AttributionRun,
  ): CostCenterStatus {
    const { spec, metadata } = costCenter;
    const previous = costCenter.status ?? {};
    const currency = spec.budget?.currency ?? firstCurrency(run, metadata.name) ?? DEFAULT_CURRENCY;
    const totals = spendOf(run, metadata.name, currency);
    const figures = {
      spend: totals.spend.toFixed(),
      forecast: forecast(totals.spend, window, run.dataThrough).toFixed(2),
      budgetUsedPercent: spec.budget ? percentOf(totals.spend, spec.budget.amount) : undefined,
      confidence: totals.confidence,
      currency,
    };
    const unchanged =
      previous.spend === figures.spend &&
      previous.forecast === figures.forecast &&
      previous.budgetUsedPercent === figures.budgetUsedPercent &&
      previous.confidence === figures.confidence &&
      previous.currency === figures.currency;
    const lastAttributionTime =
      unchanged && previous.lastAttributionTime ? previous.lastAttributionTime : kubeTime(run.at);

    const generation = metadata.generation;
    const other = totals.otherCurrencies.length
      ? `; spend in ${totals.otherCurrencies.join(', ')} is not counted against a ${currency} budget`
      : '';
    const conditions: DesiredCondition[] = [
      {
        type: 'Ready',
        status: 'True',
        reason: 'Attributed',
        message: `Spend attributed for the period ${window.start} to ${window.end}${other}`,
        observedGeneration: generation,
      },
    ];
    if (spec.budget) {
      const over = totals.spend.gte(spec.budget.amount);
      conditions.push({
        type: 'BudgetExceeded',
        status: over ? 'True' : 'False',
        reason: over ? 'OverBudget' : 'WithinBudget',
        message: over
          ? `Spend has reached the budget of ${spec.budget.amount} ${spec.budget.currency}`
          : `Spend is within the budget of ${spec.budget.amount} ${spec.budget.currency}`,
        observedGeneration: generation,
      });
    }
    return {
      observedGeneration: generation,
      conditions: mergeConditions(previous.conditions, conditions, this.deps.clock.now()),
      ...figures,
      lastAttributionTime,
    };
  }

  private async writeFailure(costCenter: CostCenterObject, err: unknown): Promise<void> {
    const previous = costCenter.status ?? {};
    const message = err instanceof Error ? err.message : String(err);
    const failed: DesiredCondition = {
      type: 'Ready',
      status: 'False',
      reason: 'AttributionFailed',
      message: message.slice(0, MESSAGE_MAX_CHARS),
      observedGeneration: costCenter.metadata.generation,
    };
    const kept = (previous.conditions ?? []).filter((c) => c.type !== 'Ready');
    await this.deps.status.write(costCenter, {
      ...previous,
      observedGeneration: costCenter.metadata.generation,
      conditions: mergeConditions(previous.conditions, [failed, ...kept], this.deps.clock.now()),
    });
  }

  /** One Event per alert threshold that this reconcile's spend crossed upwards. */
  private async announceThresholds(
    costCenter: CostCenterObject,
    desired: CostCenterStatus,
  ): Promise<void> {
    const budget = costCenter.spec.budget;
    if (!budget?.alertThresholds?.length || desired.budgetUsedPercent === undefined) return;
    const before = new Decimal(costCenter.status?.budgetUsedPercent ?? '0');
    const after = new Decimal(desired.budgetUsedPercent);
    const crossed = budget.alertThresholds.filter((t) => before.lt(t) && after.gte(t));
    const highest = crossed[crossed.length - 1];
    if (highest === undefined) return;
    await this.deps.events.record({
      target: {
        apiVersion: costCenter.apiVersion,
        kind: costCenter.kind,
        name: costCenter.metadata.name,
        namespace: costCenter.metadata.namespace,
        uid: costCenter.metadata.uid,
      },
      type: 'Warning',
      reason: EVENT_REASONS.budgetThresholdCrossed,
      action: 'Attribute',
      note:
        `Spend ${desired.spend} ${budget.currency} is ${desired.budgetUsedPercent}% of the ` +
        `${budget.period.toLowerCase()} budget of ${budget.amount}, past the ${highest}% threshold`,
    });
  }
}

const MESSAGE_MAX_CHARS = 512;

interface Totals {
  spend: Decimal;
  confidence: string | undefined;
  otherCurrencies: string[];
}

/** Spend in `currency` attributed to `name`, and its confidence weighted by positive spend. */
function spendOf(run: AttributionRun, name: string, currency: string): Totals {
  let spend = new Decimal(0);
  let weighted = new Decimal(0);
  let weights = new Decimal(0);
  const otherCurrencies = new Set<string>();
  for (const slice of run.spend) {
    if (slice.costCenter !== name) continue;
    if (slice.currency !== currency) {
      otherCurrencies.add(slice.currency);
      continue;
    }
    const cost = new Decimal(slice.cost);
    spend = spend.plus(cost);
    if (cost.isPositive() && !cost.isZero()) {
      weighted = weighted.plus(cost.times(slice.confidence));
      weights = weights.plus(cost);
    }
  }
  const confidence = weights.isZero()
    ? undefined
    : weighted.dividedBy(weights).toDecimalPlaces(4, Decimal.ROUND_DOWN).toFixed();
  return { spend, confidence, otherCurrencies: [...otherCurrencies].sort() };
}

function firstCurrency(run: AttributionRun, name: string): string | undefined {
  return run.spend.find((s) => s.costCenter === name)?.currency;
}

function percentOf(spend: Decimal, amount: string): string | undefined {
  const budget = new Decimal(amount);
  if (budget.isZero()) return undefined;
  return spend.times(100).dividedBy(budget).toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN).toFixed(2);
}

/**
 * Spend so far, extrapolated linearly over the whole period from the part of it the data covers.
 * The data's own coverage, not the wall clock, is the base: bills arrive a day or two late, and a
 * forecast from the clock would move on every reconcile without any new data.
 */
function forecast(spend: Decimal, window: AttributionWindow, dataThrough: string | null): Decimal {
  if (dataThrough === null) return spend;
  const start = Date.parse(window.start);
  const end = Date.parse(window.end);
  const through = Math.min(Date.parse(dataThrough), end);
  if (through <= start) return spend;
  return spend.times(end - start).dividedBy(through - start);
}
