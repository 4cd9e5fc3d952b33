// When attributed spend happened, for budgets: each slice of a bill line is placed at the requests
// it was distributed over where they are known, otherwise spread evenly over the line's charge
// period. Budgets judge gross usage, so each piece carries its gross (positive usage) and its net
// (everything, credits and tax included) apart.
import type { UsageEvent } from './model.js';
import { allocate, decimalPlaces, MIN_ALLOCATION_SCALE, Money, ZERO } from './money.js';
import type { Allocation } from './reconcile.js';

/**
 * Request timestamps place spend to the quarter hour. Every time zone's offset is a whole number of
 * quarter hours, so no quarter hour straddles a local midnight, and a month of millions of requests
 * stays a few thousand pieces per CostCenter.
 */
export const REQUEST_BUCKET_MS = 15 * 60_000;

/** A piece of attributed spend, at one instant (`startMs === endMs`) or spread evenly over time. */
export interface SpendPoint {
  costCenter: string | null;
  currency: string;
  startMs: number;
  endMs: number;
  /** Positive usage: what a budget is judged on. */
  gross: Money;
  /** Usage, credits, refunds, tax and fees together. */
  net: Money;
}

export interface SpendTimeline {
  points: SpendPoint[];
  /** The end of the latest charge period the bill covers; null when there is no spend. */
  dataThroughMs: number | null;
}

export interface TimelineInputs {
  allocations: Allocation[];
  /** The requests of the run, to place request-distributed spend at the moments it was made. */
  events?: UsageEvent[];
  normalizeModel?(provider: string, model: string): string;
  /** Where a request's spend went; only requests of the slice's own CostCenter time it. */
  costCenterOf?(event: UsageEvent): string | null;
}

interface TimedRequest {
  at: number;
  event: UsageEvent;
}

export function spendTimeline(inputs: TimelineInputs): SpendTimeline {
  const requests = indexRequests(inputs);
  const merged = new Map<string, SpendPoint>();
  const add = (point: SpendPoint) => {
    const key = `${point.costCenter}|${point.currency}|${point.startMs}|${point.endMs}`;
    const known = merged.get(key);
    if (!known) merged.set(key, point);
    else {
      known.gross = known.gross.plus(point.gross);
      known.net = known.net.plus(point.net);
    }
  };
  let dataThroughMs: number | null = null;
  const requestsOfLine = new Map<string, Map<string | null, TimedRequest[]>>();

  for (const allocation of inputs.allocations) {
    const { row } = allocation;
    const cost = new Money(allocation.cost);
    const startMs = Date.parse(row.chargePeriodStart);
    const endMs = Math.max(Date.parse(row.chargePeriodEnd), startMs);
    dataThroughMs = Math.max(dataThroughMs ?? endMs, endMs);
    const costCenter = allocation.attribution.costCenter;
    const usage = row.chargeCategory === 'Usage' && cost.isPositive();
    const base = { costCenter, currency: row.currency };

    const timed =
      allocation.requests > 0
        ? requestsFor(allocation, requests, requestsOfLine, inputs.costCenterOf)
        : [];
    if (timed.length === 0) {
      add({ ...base, startMs, endMs, gross: usage ? cost : ZERO, net: cost });
      continue;
    }
    // Spread by the requests' tokens of the line's class, as reconciliation distributed the line.
    const buckets = new Map<number, number>();
    for (const r of timed) {
      const bucket = r.at - (r.at % REQUEST_BUCKET_MS);
      buckets.set(bucket, (buckets.get(bucket) ?? 0) + (r.event[row.tokenClass!] ?? 0));
    }
    const starts = [...buckets.keys()];
    const scale = Math.max(decimalPlaces(cost.toFixed()), MIN_ALLOCATION_SCALE);
    const parts = allocate(
      cost,
      starts.map((s) => new Money(buckets.get(s)!)),
      scale,
    );
    starts.forEach((s, i) => {
      const piece = parts[i]!;
      const from = Math.max(s, startMs);
      const to = Math.min(s + REQUEST_BUCKET_MS, endMs);
      add({ ...base, startMs: from, endMs: to, gross: usage ? piece : ZERO, net: piece });
    });
  }
  return { points: [...merged.values()], dataThroughMs };
}

/** Requests with a model, by normalized model, in time order. */
function indexRequests(inputs: TimelineInputs): Map<string, TimedRequest[]> {
  const byModel = new Map<string, TimedRequest[]>();
  if (!inputs.events || !inputs.costCenterOf) return byModel;
  const normalize = inputs.normalizeModel ?? ((_p: string, m: string) => m);
  for (const event of inputs.events) {
    if (!event.model) continue;
    const model = normalize(event.provider, event.model);
    const list = byModel.get(model) ?? [];
    list.push({ at: Date.parse(event.timestamp), event });
    byModel.set(model, list);
  }
  for (const list of byModel.values()) list.sort((a, b) => a.at - b.at);
  return byModel;
}

/**
 * The requests a slice was distributed over: those of the line's model, account, region and
 * charge period with tokens of its class, made by callers of the slice's CostCenter. Each line's
 * requests are gathered once and kept by CostCenter for the line's other slices.
 */
function requestsFor(
  allocation: Allocation,
  byModel: Map<string, TimedRequest[]>,
  ofLine: Map<string, Map<string | null, TimedRequest[]>>,
  costCenterOf?: (event: UsageEvent) => string | null,
): TimedRequest[] {
  const { row } = allocation;
  if (!row.tokenClass || !allocation.model) return [];
  const lineKey = `${row.source.connector}|${row.id}|${allocation.model}`;
  let byCostCenter = ofLine.get(lineKey);
  if (!byCostCenter) {
    byCostCenter = new Map();
    const list = byModel.get(allocation.model) ?? [];
    const startMs = Date.parse(row.chargePeriodStart);
    const endMs = Date.parse(row.chargePeriodEnd);
    for (let i = firstAtOrAfter(list, startMs); i < list.length && list[i]!.at < endMs; i++) {
      const r = list[i]!;
      const { event } = r;
      if (event.account !== undefined && event.account !== row.subAccountId) continue;
      if (event.region !== undefined && row.region !== null && event.region !== row.region) {
        continue;
      }
      if (!event[row.tokenClass]) continue;
      const costCenter = costCenterOf ? costCenterOf(event) : null;
      const bucket = byCostCenter.get(costCenter) ?? [];
      bucket.push(r);
      byCostCenter.set(costCenter, bucket);
    }
    ofLine.set(lineKey, byCostCenter);
  }
  return byCostCenter.get(allocation.attribution.costCenter) ?? [];
}

function firstAtOrAfter(list: TimedRequest[], at: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.at < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
