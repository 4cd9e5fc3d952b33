// Reconciliation: the bill is the truth, requests distribute it. Each usage line goes to the
// requests it covers, by their tokens of its class; a line that names its caller goes to that
// caller; credits, taxes and fees follow the account's attributed usage; what nothing explains
// goes to the account's owner, then to the unattributed bucket. Nothing is dropped or rounded away.
import { edge, type Attribution, type Edge } from './evidence.js';
import type { Resolver } from './policy.js';
import type { SharedService } from './resources.js';
import type { CallerIdentity, CostRow, TokenClass, UsageEvent } from './model.js';
import { TOKEN_CLASSES } from './model.js';
import { allocate, decimalPlaces, MIN_ALLOCATION_SCALE, Money, moneyText, ZERO } from './money.js';
import {
  BucketIndex,
  eventOfGroup,
  groupBoundaries,
  groupOfEvent,
  VIA_ATTRIBUTE,
  type RequestGroup,
} from './requests.js';

export { VIA_ATTRIBUTE };

export interface Allocation {
  row: CostRow;
  attribution: Attribution;
  model: string | null;
  /** How many requests this slice of the line was distributed over (0 when none). */
  requests: number;
  /** Decimal text: a decimal takes seven times the memory, and a run holds a million of these. */
  cost: string;
  /** The group of requests the slice went to: one key per path they resolved to. */
  callerKey?: string;
  /**
   * Decimal text: the group's tokens of the line's class (or its cost, for a line of no class), so
   * one request's share can be told. Text, not a decimal, as a run holds a million of these.
   */
  weight?: string;
}

/** Which amount of a bill line is distributed: what the invoice says, or the amortized view. */
export type CostView = 'billed' | 'effective';

export function costOf(row: CostRow, view: CostView): string {
  return view === 'effective' ? (row.effectiveCost ?? row.billedCost) : row.billedCost;
}

export interface ReconcileInputs {
  rows: CostRow[];
  costView?: CostView;
  /** The period's requests, one by one; or `groups`, the same summed by the store. */
  events?: UsageEvent[];
  groups?: RequestGroup[];
  /**
   * The moments no group spans (`groupBoundaries`): those the store grouped by. By default the
   * lines' charge periods, which is enough for requests given one by one.
   */
  boundaries?: string[];
  graph: Resolver;
  /** The model id a provider's spelling normalizes to, so bill lines and requests meet. */
  normalizeModel(provider: string, model: string): string;
  /**
   * What a request without a `cost` should have cost at list price, or null when it is unpriced.
   * Only a line that names no token class needs it; a group is priced as one request with its
   * summed tokens, which prices the same as its requests one by one.
   */
  estimateCost?(event: UsageEvent): Money | null;
}

/** A group of requests as reconciliation files it. */
interface Request {
  at: number;
  account: string | undefined;
  region: string | undefined;
  group: RequestGroup;
  /**
   * The group's own cost, else the price book's estimate; null when neither is known. Worked out
   * only for a line that needs it, which most bills never have.
   */
  cost(): Money | null;
  key: string;
}

interface Slice {
  attribution: Attribution;
  model: string | null;
  requests: number;
  /** Already passed through a shared service: never passed again. */
  via?: boolean;
  callerKey?: string;
  weight?: string;
}

const CERTAIN_STEP = '1';
const MAX_STEPS_KEPT = 10_000;

export function reconcile(inputs: ReconcileInputs): Allocation[] {
  const { rows, graph } = inputs;
  const view = inputs.costView ?? 'billed';
  const slices = new Map<string, Attribution | null>();
  const { byModel: requestsByModel, via } = indexRequests(inputs, slices);
  const allocations: Allocation[] = [];
  const usageByAccount = new Map<string, Allocation[]>();
  const deferred: CostRow[] = [];
  const none: Attribution = {
    costCenter: null,
    service: null,
    team: null,
    person: null,
    edges: [],
  };
  // One attribution object per way spend goes, shared by every allocation that goes that way: a
  // run of a million allocations holds a few thousand of them, and the store writes each once.
  const ways = new WeakMap<Attribution, Map<string, Attribution>>();
  const way = (base: Attribution, key: string, make: () => Attribution): Attribution => {
    let byKey = ways.get(base);
    if (!byKey) ways.set(base, (byKey = new Map()));
    let found = byKey.get(key);
    if (!found) byKey.set(key, (found = make()));
    return found;
  };
  const led = (base: Attribution, lead: string): Attribution =>
    way(base, lead, () => ({ ...base, edges: [step(lead), ...base.edges] }));

  const push = (row: CostRow, slice: Slice, cost: Money) => {
    if (cost.isZero()) return;
    const shared =
      row.chargeCategory === 'Usage' && !slice.via
        ? graph.sharedService?.(slice.attribution)
        : null;
    if (shared) {
      for (const part of passThrough(row, slice, cost, shared, via, slices)) {
        push(row, part.slice, part.cost);
      }
      return;
    }
    const allocation = { row, ...slice, cost: moneyText(cost) };
    allocations.push(allocation);
    if (row.chargeCategory === 'Usage' && cost.isPositive()) {
      const key = accountPeriod(row);
      const list = usageByAccount.get(key);
      if (list) list.push(allocation);
      else usageByAccount.set(key, [allocation]);
    }
  };
  const fallback = (
    row: CostRow,
    amount: Money,
    lead: string,
    known?: Attribution | null,
    group?: Pick<Slice, 'callerKey' | 'weight'>,
  ) => {
    const base = known ?? none;
    const attribution = way(base, `${lead}\u0000${row.subAccountId}`, () => {
      const owner = graph.accountOwner(row.subAccountId);
      return owner
        ? { ...base, costCenter: owner.costCenter, edges: [step(lead), ...owner.edges] }
        : { ...base, costCenter: null, edges: [step(lead)] };
    });
    push(row, { attribution, model: row.model, requests: 0, ...group }, amount);
  };

  // Usage lines first: they decide how the account's credits, taxes and fees are shared.
  for (const row of rows) {
    const cost = costOf(row, view);
    const amount = new Money(cost);
    const scale = Math.max(decimalPlaces(cost), MIN_ALLOCATION_SCALE);

    if (row.chargeCategory !== 'Usage' || (!row.principal && !row.model)) {
      deferred.push(row);
      continue;
    }
    if (row.principal) {
      const caller = graph.resolveCaller(
        principalIdentity(row),
        undefined,
        row.chargePeriodStart,
        row.subAccountId,
      );
      if (caller?.costCenter) {
        const attribution = {
          ...caller,
          edges: [step('bill line names its caller'), ...caller.edges],
        };
        push(row, { attribution, model: row.model, requests: 0 }, amount);
      } else {
        fallback(row, amount, 'bill line names a caller nothing identifies', caller);
      }
      continue;
    }

    if (!row.tokenClass) {
      // A line for a model but no token class can only be shared by what its requests cost.
      const matched = coarseRequests(row, requestsByModel.within(row.model!, ...chargePeriod(row)));
      if (matched.weights.length === 0) {
        deferred.push(row);
        continue;
      }
      const parts = allocate(
        amount,
        matched.weights.map((w) => w.weight),
        scale,
      );
      matched.weights.forEach((w, i) => {
        const resolved = slices.get(w.key) ?? null;
        const lead = `bill line distributed over its requests by ${matched.by}`;
        const group = { callerKey: w.key, weight: moneyText(w.weight) };
        if (resolved?.costCenter) {
          const attribution = led(resolved, lead);
          push(row, { attribution, model: row.model, requests: w.count, ...group }, parts[i]!);
        } else {
          fallback(row, parts[i]!, `${lead}; their caller has no CostCenter`, resolved, group);
        }
      });
      continue;
    }

    const tokenClass = row.tokenClass;
    const matched = matchingRequests(
      row,
      tokenClass,
      requestsByModel.within(row.model!, ...chargePeriod(row)),
    );
    if (matched.weights.length === 0) {
      fallback(row, amount, 'bill line has no matching requests');
      continue;
    }
    const billed = billedTokens(row);
    const covered =
      billed && billed.greaterThan(matched.total) ? matched.total.dividedBy(billed) : null;
    const toRequests = covered ? amount.times(covered).toDecimalPlaces(scale) : amount;
    const parts = allocate(
      toRequests,
      matched.weights.map((w) => w.tokens),
      scale,
    );
    matched.weights.forEach((w, i) => {
      const resolved = slices.get(w.key) ?? null;
      const lead = 'bill line distributed over its requests by tokens of its class';
      const group = { callerKey: w.key, weight: moneyText(w.tokens) };
      if (resolved?.costCenter) {
        const attribution = led(resolved, lead);
        push(row, { attribution, model: row.model, requests: w.count, ...group }, parts[i]!);
      } else {
        fallback(row, parts[i]!, `${lead}; their caller has no CostCenter`, resolved, group);
      }
    });
    if (covered) fallback(row, amount.minus(toRequests), "billed tokens beyond its requests'");
  }

  // Then everything else, in proportion to the gross usage attributed in the same account and period.
  for (const row of deferred) {
    const cost = costOf(row, view);
    const amount = new Money(cost);
    const scale = Math.max(decimalPlaces(cost), MIN_ALLOCATION_SCALE);
    const base = usageByAccount.get(accountPeriod(row)) ?? [];
    const lead = `${row.chargeType} line spread over the account's attributed usage`;
    if (base.length === 0) {
      fallback(row, amount, `${row.chargeType} line in an account with no attributed usage`);
      continue;
    }
    const parts = allocate(
      amount,
      base.map((a) => new Money(a.cost)),
      scale,
    );
    base.forEach((a, i) => {
      const attribution = way(a.attribution, lead, () => ({
        ...a.attribution,
        edges: [step(lead), ...a.attribution.edges.slice(1)],
      }));
      push(row, { attribution, model: a.model, requests: 0 }, parts[i]!);
    });
  }

  return allocations;
}

/** The caller a bill line names, in the identity field of its cloud. */
function principalIdentity(row: CostRow): CallerIdentity {
  const principal = row.principal ?? undefined;
  if (row.provider === 'gcp') return { gcpPrincipal: principal };
  if (row.provider === 'azure') return { azurePrincipal: principal };
  return { awsPrincipal: principal };
}

const steps = new Map<string, Edge>();

/** A certain step of a path; edges are never changed once made, so each text makes one. */
function step(evidence: string): Edge {
  let found = steps.get(evidence);
  if (!found) {
    found = edge(CERTAIN_STEP, evidence);
    // Pass-through steps name their shares and seldom repeat: the cache stops growing at a bound.
    if (steps.size < MAX_STEPS_KEPT) steps.set(evidence, found);
  }
  return found;
}

function accountPeriod(row: CostRow): string {
  return `${row.source.connector}|${row.subAccountId}|${row.billingPeriodStart}`;
}

function indexRequests(inputs: ReconcileInputs, slices: Map<string, Attribution | null>) {
  const boundaries = (inputs.boundaries ?? groupBoundaries(inputs.rows, [])).map((t) =>
    Date.parse(t),
  );
  const byModel = new BucketIndex<Request>(boundaries);
  const via = new BucketIndex<Request>(boundaries);
  const byCaller = new Map<string, string>();
  const groups = inputs.groups ?? (inputs.events ?? []).map(groupOfEvent);
  for (const group of groups) {
    const through = group.via;
    if (!group.model && !through) continue;
    // The same caller may land elsewhere after the cluster changed: key by the epoch too.
    const epoch = inputs.graph.epochOf(group.timestamp);
    const caller = JSON.stringify([group.identity ?? {}, group.service ?? null, epoch]);
    let key = byCaller.get(caller);
    if (key === undefined) {
      const resolved = inputs.graph.resolveEvent(eventOfGroup(group));
      key = JSON.stringify(resolved);
      byCaller.set(caller, key);
      slices.set(key, resolved);
    }
    const model = group.model ? inputs.normalizeModel(group.provider, group.model) : null;
    const at = Date.parse(group.timestamp);
    let estimate: Money | null | undefined;
    const cost = () => {
      if (group.cost !== undefined) return new Money(group.cost);
      if (estimate === undefined) estimate = inputs.estimateCost?.(eventOfGroup(group)) ?? null;
      return estimate;
    };
    const request = { at, account: group.account, region: group.region, group, cost, key };
    // A call through a shared service measures who used it; the service's own calls are the
    // ones the bill covers, so this one is never matched to a bill line.
    if (through) via.add(through, at, request);
    else if (model !== null) byModel.add(model, at, request);
  }
  return { byModel, via };
}

/**
 * A shared service's slice of a line, passed to the callers that used the service during the
 * line's charge period, by their requests or tokens. What no measured caller explains stays with
 * the service: its own CostCenter, or the one the policy names for it.
 */
function passThrough(
  row: CostRow,
  slice: Slice,
  cost: Money,
  shared: SharedService,
  via: BucketIndex<Request>,
  slices: Map<string, Attribution | null>,
): { slice: Slice; cost: Money }[] {
  const start = Date.parse(row.chargePeriodStart);
  const end = Date.parse(row.chargePeriodEnd);
  const byKey = new Map<string, { key: string; weight: Money; count: number }>();
  for (const r of via.within(shared.service, start, end)) {
    if (r.at < start || r.at >= end) continue;
    const byTokens = shared.splitBy === 'Tokens';
    const weight = new Money(byTokens ? totalTokens(r.group) : r.group.requests);
    if (weight.isZero()) continue;
    const entry = byKey.get(r.key) ?? { key: r.key, weight: ZERO, count: 0 };
    entry.weight = entry.weight.plus(weight);
    entry.count += byTokens ? r.group.requestsWithAnyTokens : r.group.requests;
    byKey.set(r.key, entry);
  }
  const callers = [...byKey.values()].filter((c) => {
    const resolved = slices.get(c.key);
    return resolved?.costCenter && resolved.service !== shared.service;
  });
  const [lead, ...own] = slice.attribution.edges;

  if (callers.length === 0) {
    const why = `shared service ${shared.service} had no measured callers in the line's period`;
    const stays = shared.costCenter
      ? { ...slice.attribution, costCenter: shared.costCenter, service: shared.service }
      : slice.attribution;
    const edges = [lead!, ...own, step(why)];
    // Returned to `push` with the policy's CostCenter, which is not itself shared: no loop.
    return [{ slice: { ...slice, attribution: { ...stays, edges }, via: true }, cost }];
  }
  const total = callers.reduce((sum, c) => sum.plus(c.weight), ZERO);
  const scale = Math.max(cost.decimalPlaces(), MIN_ALLOCATION_SCALE);
  const parts = allocate(
    cost,
    callers.map((c) => c.weight),
    scale,
  );
  return callers.map((c, i) => {
    const caller = slices.get(c.key)!;
    const unit = shared.splitBy === 'Tokens' ? 'tokens' : 'requests';
    const why =
      `shared service ${shared.service} passes its spend to its callers by ${unit}: ` +
      `${c.weight.toString()} of ${total.toString()}`;
    const edges = [lead!, ...own, step(why), ...caller.edges];
    return {
      slice: { ...slice, attribution: { ...caller, edges }, requests: c.count, via: true },
      cost: parts[i]!,
    };
  });
}

/** The requests a line covers, summed by where they are attributed, in first-seen order. */
function matchingRequests(row: CostRow, tokenClass: TokenClass, requests: Iterable<Request>) {
  const start = Date.parse(row.chargePeriodStart);
  const end = Date.parse(row.chargePeriodEnd);
  // Token counts are integers and their sums stay far below 2^53, so plain numbers add them
  // exactly; each becomes a decimal once, for the split.
  const byKey = new Map<string, { key: string; sum: number; count: number }>();
  let total = 0;
  for (const r of requests) {
    if (r.at < start || r.at >= end) continue;
    // A request whose account or region is unknown may belong to any line of its model and time.
    if (r.account !== undefined && r.account !== row.subAccountId) continue;
    if (r.region !== undefined && row.region !== null && r.region !== row.region) continue;
    const count = r.group.tokens[tokenClass];
    if (!count) continue;
    const entry = byKey.get(r.key) ?? { key: r.key, sum: 0, count: 0 };
    entry.sum += count;
    entry.count += r.group.requestsWithTokens[tokenClass];
    byKey.set(r.key, entry);
    total += count;
  }
  const weights = [...byKey.values()].map((e) => ({ ...e, tokens: new Money(e.sum) }));
  return { weights, total: new Money(total) };
}

/**
 * The requests a line that names no token class covers, weighed by their cost. One request whose
 * cost is unknown (an unpriced model, unknown usage) would count as free, so then every request is
 * weighed by its tokens of all classes instead.
 */
function coarseRequests(row: CostRow, requests: Iterable<Request>) {
  const start = Date.parse(row.chargePeriodStart);
  const end = Date.parse(row.chargePeriodEnd);
  const covered = [...requests].filter(
    (r) =>
      r.at >= start &&
      r.at < end &&
      (r.account === undefined || r.account === row.subAccountId) &&
      (r.region === undefined || row.region === null || r.region === row.region),
  );
  const byCost = covered.every((r) => r.cost() !== null);
  const weightOf = (r: Request): Money => (byCost ? r.cost()! : new Money(totalTokens(r.group)));
  const byKey = new Map<string, { key: string; weight: Money; count: number }>();
  for (const r of covered) {
    const weight = weightOf(r);
    // Decimal's isPositive holds for zero too: a request that weighs nothing is not counted.
    if (!weight.greaterThan(0)) continue;
    const entry = byKey.get(r.key) ?? { key: r.key, weight: ZERO, count: 0 };
    entry.weight = entry.weight.plus(weight);
    // Requests of a group whose costs are estimated count as priced when they have tokens.
    const { group } = r;
    entry.count += !byCost
      ? group.requestsWithAnyTokens
      : group.cost !== undefined
        ? group.requestsWithCost
        : group.requestsWithAnyTokens;
    byKey.set(r.key, entry);
  }
  const by = byCost ? 'their estimated cost' : 'their tokens (some requests are unpriced)';
  return { weights: [...byKey.values()], by };
}

/** A group's tokens of every class. */
function totalTokens(group: RequestGroup): number {
  return TOKEN_CLASSES.reduce((sum, c) => sum + group.tokens[c], 0);
}

function chargePeriod(row: CostRow): [number, number] {
  return [Date.parse(row.chargePeriodStart), Date.parse(row.chargePeriodEnd)];
}

/** Tokens a line bills, from its quantity and pricing unit, or null when the unit is not tokens. */
function billedTokens(row: CostRow): Money | null {
  if (!row.quantity || !row.unit) return null;
  const unit = /^\s*(\d+(?:\.\d+)?)?\s*([KMB])?\s*tokens?\s*$/i.exec(row.unit);
  if (!unit) return null;
  const scale = { K: 1e3, M: 1e6, B: 1e9 }[(unit[2] ?? '').toUpperCase()] ?? 1;
  return new Money(row.quantity).times(unit[1] ?? 1).times(scale);
}
