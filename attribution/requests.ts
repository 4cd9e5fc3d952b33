// Requests as reconciliation sees them: summed into groups that share everything attribution looks
// at (caller, model, account, region, the shared service they went through) and lie between the
// same two boundaries of time, the edges of bill lines' charge periods and the moments the cluster
// or the price book changed. Every request of a group falls on the same side of every boundary, so
// a line covers a group whole or not at all, and the engine holds groups, never one per request.
import type { CallerIdentity, Provider, TokenClass, UsageEvent } from './model.js';
import { assignDefined, TOKEN_CLASSES } from './model.js';
import { Money } from './money.js';

/** The attribute a request carries when it went through a shared service (`namespace/name`). */
export const VIA_ATTRIBUTE = 'argmin.io/via';

/** Requests summed over everything attribution does not tell apart. */
export interface RequestGroup {
  /** The earliest request's timestamp, ISO 8601 to the second, as the store gives timestamps. */
  timestamp: string;
  provider: Provider;
  model: string | null;
  identity?: CallerIdentity;
  service?: string;
  account?: string;
  region?: string;
  /** The shared service the requests went through, from their `argmin.io/via` attribute. */
  via?: string;
  requests: number;
  /** Tokens of each class, summed. */
  tokens: Record<TokenClass, number>;
  /** How many of the requests have tokens of each class. */
  requestsWithTokens: Record<TokenClass, number>;
  /** How many of the requests have tokens of any class. */
  requestsWithAnyTokens: number;
  /** Decimal string: the requests' own costs summed; absent when none of them carries one. */
  cost?: string;
  /** How many of the requests carry a positive cost of their own. */
  requestsWithCost: number;
  /** Whether every request knows its input and output tokens, so the price book can price it. */
  usageKnown: boolean;
}

/** The group of one request, for callers that hold requests rather than groups. */
export function groupOfEvent(event: UsageEvent): RequestGroup {
  const tokens = {} as Record<TokenClass, number>;
  const requestsWithTokens = {} as Record<TokenClass, number>;
  let any = 0;
  for (const c of TOKEN_CLASSES) {
    tokens[c] = event[c] ?? 0;
    requestsWithTokens[c] = tokens[c] ? 1 : 0;
    any += tokens[c];
  }
  const group: RequestGroup = {
    timestamp: event.timestamp,
    provider: event.provider,
    model: event.model,
    requests: 1,
    tokens,
    requestsWithTokens,
    requestsWithAnyTokens: any > 0 ? 1 : 0,
    requestsWithCost: event.cost !== undefined && new Money(event.cost).isPositive() ? 1 : 0,
    usageKnown: event.inputTokens !== undefined && event.outputTokens !== undefined,
  };
  const optional = {
    identity: event.identity,
    service: event.service,
    account: event.account,
    region: event.region,
    via: event.attributes?.[VIA_ATTRIBUTE],
    cost: event.cost,
  };
  assignDefined(group, optional);
  return group;
}

/**
 * The request a group stands for when the graph resolves its caller or the price book prices it:
 * its caller, its time and its summed tokens. A group whose usage is not known has no tokens here.
 */
export function eventOfGroup(group: RequestGroup): UsageEvent {
  const event: UsageEvent = {
    requestId: '',
    timestamp: group.timestamp,
    provider: group.provider,
    model: group.model,
  };
  if (group.usageKnown) Object.assign(event, group.tokens);
  const optional = {
    identity: group.identity,
    service: group.service,
    account: group.account,
    region: group.region,
  };
  assignDefined(event, optional);
  return event;
}

/**
 * The boundaries groups must not straddle, ascending and distinct: every charge period's start and
 * end, and every moment the cluster or the prices changed.
 */
export function groupBoundaries(
  chargePeriods: { chargePeriodStart: string; chargePeriodEnd: string }[],
  changes: readonly string[],
): string[] {
  const at = new Map<number, string>();
  const add = (t: string) => {
    const ms = Date.parse(t);
    if (!Number.isNaN(ms) && !at.has(ms)) at.set(ms, new Date(ms).toISOString());
  };
  for (const p of chargePeriods) {
    add(p.chargePeriodStart);
    add(p.chargePeriodEnd);
  }
  changes.forEach(add);
  return [...at.entries()].sort((a, b) => a[0] - b[0]).map(([, iso]) => iso);
}

/** Which interval between boundaries a moment lies in: how many boundaries are at or before it. */
export function bucketOf(boundariesMs: readonly number[], atMs: number): number {
  let lo = 0;
  let hi = boundariesMs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (boundariesMs[mid]! <= atMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Groups filed by a key (a model, a shared service) and by the interval they lie in. */
export class BucketIndex<T> {
  private readonly byKey = new Map<string, Map<number, T[]>>();

  constructor(private readonly boundariesMs: readonly number[]) {}

  add(key: string, atMs: number, item: T): void {
    const bucket = bucketOf(this.boundariesMs, atMs);
    let buckets = this.byKey.get(key);
    if (!buckets) this.byKey.set(key, (buckets = new Map()));
    const list = buckets.get(bucket);
    if (list) list.push(item);
    else buckets.set(bucket, [item]);
  }

  /** What was filed under `key` at a moment in [startMs, endMs), in the order it was filed. */
  *within(key: string, startMs: number, endMs: number): Generator<T> {
    const buckets = this.byKey.get(key);
    if (!buckets || !(startMs < endMs)) return;
    const first = bucketOf(this.boundariesMs, startMs);
    // The bucket of the last moment before the end; an end that is no boundary is still covered.
    const last = bucketOf(this.boundariesMs, endMs - 1);
    for (let b = first; b <= last; b++) yield* buckets.get(b) ?? [];
  }
}
