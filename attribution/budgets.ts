// Budgets: for each CostCenter with a budget and each of its budget periods, the spend to date of
// the CostCenter and everything below it, judged on gross usage so that credits do not hide
// overspend, with the net cost beside it; a forecast for the period's end; the moment each alert
// threshold was crossed; and whether a budget above it is exceeded even where its own is not.
import {
  assertTimeZone,
  budgetPeriodAt,
  budgetPeriodsBetween,
  daysOf,
  DEFAULT_TIME_ZONE,
  type CalendarDay,
  type PeriodWindow,
} from './budget-calendar.js';
import { CostCenterTree } from './budget-hierarchy.js';
import type { SpendPoint, SpendTimeline } from './budget-spend.js';
import { forecastSpend, type ForecastMethod } from './forecast.js';
import { decimalPlaces, MIN_ALLOCATION_SCALE, Money, moneyText, ZERO } from './money.js';
import type { BudgetPeriod, CostCenter } from './resources.js';

export interface BudgetThreshold {
  /** Percentage of the budget amount. */
  percent: number;
  /** Decimal string: the spend at which it is crossed. */
  amount: string;
  /** RFC 3339: when cumulative gross spend first reached it in the period; null if it has not. */
  crossedAt: string | null;
}

export interface BudgetStatus {
  costCenter: string;
  parent: string | null;
  budgetPeriod: BudgetPeriod;
  period: PeriodWindow;
  /** Decimal strings in `currency`. */
  amount: string;
  currency: string;
  /** Gross usage to date of the CostCenter and its descendants: what the budget is judged on. */
  spend: string;
  /** The part of `spend` attributed to the CostCenter itself. */
  ownSpend: string;
  /** Everything to date, credits, refunds, tax and fees included. */
  net: string;
  /** `spend` as a percentage of `amount`, two decimals; null for a zero budget. */
  usedPercent: string | null;
  /** Gross spend expected by the period's end, two decimals. */
  forecast: string;
  forecastMethod: ForecastMethod;
  /** Why the method was chosen. */
  forecastReason: string;
  /** RFC 3339: the data covers the period up to here; null when none of it yet. */
  dataThrough: string | null;
  thresholds: BudgetThreshold[];
  /** Spend has reached the amount. */
  exceeded: boolean;
  forecastExceeded: boolean;
  /** A CostCenter above this one has reached its own budget for the same moment. */
  parentExceeded: boolean;
  /** Which ones, nearest first. */
  exceededAncestors: string[];
  /** Currencies of spend that is not counted against a budget in another currency. */
  otherCurrencies: string[];
}

export interface BudgetInputs {
  costCenters: CostCenter[];
  timeline: SpendTimeline;
  /**
   * Judge only the budget period that contains this instant, one per CostCenter; by default every
   * period the timeline touches.
   */
  at?: Date | string | number;
}

type Budget = NonNullable<CostCenter['spec']['budget']>;

interface Piece {
  startMs: number;
  endMs: number;
  gross: Money;
}

export function budgetStatuses(inputs: BudgetInputs): BudgetStatus[] {
  const tree = new CostCenterTree(inputs.costCenters);
  const { points, dataThroughMs } = inputs.timeline;
  const byCostCenter = new Map<string | null, SpendPoint[]>();
  for (const p of points) {
    const list = byCostCenter.get(p.costCenter);
    if (list) list.push(p);
    else byCostCenter.set(p.costCenter, [p]);
  }
  const firstMs = points.reduce((min, p) => Math.min(min, p.startMs), dataThroughMs ?? Infinity);

  const statuses: BudgetStatus[] = [];
  for (const name of [...tree.byName.keys()].sort()) {
    const cc = tree.byName.get(name)!;
    const budget = cc.spec.budget;
    if (!budget) continue;
    const timeZone = cc.spec.timeZone ?? DEFAULT_TIME_ZONE;
    assertTimeZone(timeZone, `${cc.origin.file}:${cc.origin.line}`);
    const windows =
      inputs.at !== undefined
        ? [budgetPeriodAt(budget.period, inputs.at, timeZone)]
        : dataThroughMs === null
          ? []
          : budgetPeriodsBetween(budget.period, firstMs, dataThroughMs, timeZone);
    const subtree = [...tree.subtree(name)].flatMap((n) => byCostCenter.get(n) ?? []);
    for (const window of windows) {
      statuses.push(judge(name, tree.parentOf(name), budget, window, subtree, dataThroughMs));
    }
  }

  // A parent's budget can be exceeded by children that are each within their own.
  for (const status of statuses) {
    const startMs = Date.parse(status.period.start);
    const endMs = Date.parse(status.period.end);
    const moment = Math.min(Math.max(dataThroughMs ?? startMs, startMs), endMs - 1);
    for (const ancestor of tree.ancestors(status.costCenter)) {
      const above = statuses.find(
        (s) =>
          s.costCenter === ancestor &&
          Date.parse(s.period.start) <= moment &&
          moment < Date.parse(s.period.end),
      );
      if (above?.exceeded) status.exceededAncestors.push(ancestor);
    }
    status.parentExceeded = status.exceededAncestors.length > 0;
  }
  return statuses;
}

function judge(
  name: string,
  parent: string | null,
  budget: Budget,
  window: PeriodWindow,
  points: SpendPoint[],
  dataThroughMs: number | null,
): BudgetStatus {
  const startMs = Date.parse(window.start);
  const endMs = Date.parse(window.end);
  const days = daysOf(window);
  const daily = days.map(() => ZERO);
  const pieces: Piece[] = [];
  const otherCurrencies = new Set<string>();
  let spend = ZERO;
  let own = ZERO;
  let net = ZERO;

  for (const p of points) {
    const from = Math.max(p.startMs, startMs);
    const to = Math.min(p.endMs, endMs);
    const instant = p.startMs === p.endMs;
    if (instant ? p.startMs < startMs || p.startMs >= endMs : from >= to) continue;
    if (p.currency !== budget.currency) {
      otherCurrencies.add(p.currency);
      continue;
    }
    const gross = instant ? p.gross : share(p.gross, to - from, p.endMs - p.startMs);
    spend = spend.plus(gross);
    net = net.plus(instant ? p.net : share(p.net, to - from, p.endMs - p.startMs));
    if (p.costCenter === name) own = own.plus(gross);
    if (gross.isZero()) continue;
    pieces.push({ startMs: from, endMs: instant ? from : to, gross });
    spreadOverDays({ startMs: from, endMs: instant ? from : to, gross }, days, daily);
  }

  const throughMs = dataThroughMs === null ? startMs : Math.min(dataThroughMs, endMs);
  const forecast = forecastSpend({ days, daily, throughMs: Math.max(throughMs, startMs) });
  const amount = new Money(budget.amount);
  const thresholds = (budget.alertThresholds ?? []).map((percent) => ({
    percent,
    amount: amount.times(percent).dividedBy(100),
  }));
  const crossings = crossingTimes(
    pieces,
    thresholds.map((t) => t.amount),
    startMs,
  );
  return {
    costCenter: name,
    parent,
    budgetPeriod: budget.period,
    period: window,
    amount: budget.amount,
    currency: budget.currency,
    spend: moneyText(spend),
    ownSpend: moneyText(own),
    net: moneyText(net),
    usedPercent: amount.isZero() ? null : spend.times(100).dividedBy(amount).toFixed(2),
    forecast: forecast.amount.toFixed(2),
    forecastMethod: forecast.method,
    forecastReason: forecast.reason,
    dataThrough: throughMs > startMs ? new Date(throughMs).toISOString() : null,
    thresholds: thresholds.map((t, i) => ({
      percent: t.percent,
      amount: moneyText(t.amount),
      crossedAt: crossings[i] === null ? null : new Date(crossings[i]!).toISOString(),
    })),
    exceeded: spend.greaterThanOrEqualTo(amount),
    forecastExceeded: forecast.amount.greaterThanOrEqualTo(amount),
    parentExceeded: false,
    exceededAncestors: [],
    otherCurrencies: [...otherCurrencies].sort(),
  };
}

/** The part of `amount` spread evenly over `total` ms that falls in `part` ms of it. */
function share(amount: Money, part: number, total: number): Money {
  if (part >= total) return amount;
  const scale = Math.max(decimalPlaces(amount.toFixed()), MIN_ALLOCATION_SCALE);
  return amount.times(part).dividedBy(total).toDecimalPlaces(scale);
}

function spreadOverDays(piece: Piece, days: CalendarDay[], daily: Money[]): void {
  let i = dayIndex(days, piece.startMs);
  if (piece.startMs === piece.endMs) {
    if (i < days.length) daily[i] = daily[i]!.plus(piece.gross);
    return;
  }
  for (; i < days.length && days[i]!.startMs < piece.endMs; i++) {
    const day = days[i]!;
    const part = share(
      piece.gross,
      Math.min(piece.endMs, day.endMs) - Math.max(piece.startMs, day.startMs),
      piece.endMs - piece.startMs,
    );
    daily[i] = daily[i]!.plus(part);
  }
}

/** The day that contains `ms`, or the number of days when none does. */
function dayIndex(days: CalendarDay[], ms: number): number {
  let lo = 0;
  let hi = days.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (days[mid]!.endMs <= ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * When cumulative spend first reached each target: spend at an instant counts at that instant, spend
 * spread over an interval accrues evenly through it, so a target reached inside an interval is
 * crossed at the moment the accrual reaches it.
 */
function crossingTimes(pieces: Piece[], targets: Money[], startMs: number): (number | null)[] {
  const changes = new Map<number, { rate: Money; lump: Money }>();
  const at = (t: number) => {
    const known = changes.get(t);
    if (known) return known;
    const fresh = { rate: ZERO, lump: ZERO };
    changes.set(t, fresh);
    return fresh;
  };
  for (const p of pieces) {
    if (p.startMs === p.endMs) {
      at(p.startMs).lump = at(p.startMs).lump.plus(p.gross);
      continue;
    }
    const rate = p.gross.dividedBy(p.endMs - p.startMs);
    at(p.startMs).rate = at(p.startMs).rate.plus(rate);
    at(p.endMs).rate = at(p.endMs).rate.minus(rate);
  }

  const crossed: (number | null)[] = targets.map(() => null);
  const reach = (total: Money, when: (target: Money) => number) => {
    targets.forEach((target, i) => {
      if (crossed[i] === null && total.greaterThanOrEqualTo(target)) crossed[i] = when(target);
    });
  };
  let total = ZERO;
  let rate = ZERO;
  let previous = startMs;
  for (const t of [...changes.keys()].sort((a, b) => a - b)) {
    const accrued = total.plus(rate.times(t - previous));
    const before = total;
    const from = previous;
    reach(accrued, (target) =>
      target.lessThanOrEqualTo(before)
        ? from
        : target.minus(before).dividedBy(rate).plus(from).ceil().toNumber(),
    );
    const change = changes.get(t)!;
    total = accrued.plus(change.lump);
    rate = rate.plus(change.rate);
    previous = t;
    reach(total, () => t);
  }
  return crossed;
}
