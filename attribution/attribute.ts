// One attribution run over the store: the bill of the named connectors, the requests of its
// period, the people and the cluster state, reconciled into allocations, kept, and reported.
import path from 'node:path';
import type { EvidenceKind } from './evidence.js';
import { RunPaths } from './explain-paths.js';
import type { GraphProblem, OwnershipLookup } from './graph.js';
import { PolicyResolver } from './policy.js';
import type { CostRow, Quarantined } from './model.js';
import { Money, ZERO } from './money.js';
import { loadPriceBook, type PriceBook } from './price-book.js';
import { priceDrift } from './price-book-drift.js';
import { costOf, reconcile, type Allocation, type CostView } from './reconcile.js';
import { buildReport, type Report } from './report.js';
import { groupBoundaries } from './requests.js';
import type { AttributionPolicy, ClusterState } from './resources.js';
import type { Store } from './store/index.js';
import { requestGroups } from './store/request-groups.js';
import { saveRun } from './store/runs.js';
import { previousRun, runChanges, type RunChanges } from './run-changes.js';
import { runInputs, runOutcome, saveRunInputs } from './run-inputs.js';
import { ARGMIN_VERSION } from './version.js';

export interface AttributeOptions {
  store: Store;
  state: ClusterState;
  /** Names of the connectors whose bills to attribute. */
  connectors: string[];
  codeowners: Map<string, OwnershipLookup>;
  /** Whether a bill line is AI spend; the rest is counted as out of scope. */
  isAiSpend(row: CostRow): boolean;
  normalizeModel(provider: string, model: string): string;
  weights?: Partial<Record<EvidenceKind, string>>;
  /** `billed` (the invoice, the default) or `effective` (amortized commitments). */
  costView?: CostView;
  /** Inputs already refused on the way in, reported with the result. */
  quarantined?: Quarantined[];
  /**
   * List prices, for requests without a cost and for drift against the bill. By default the book
   * that ships with Argmin, with the files the AttributionPolicies name in `spec.priceBook`.
   */
  priceBook?: PriceBook;
  /**
   * Decimal string: relative difference between the bill's and the book's unit price past which
   * drift is reported. By default an AttributionPolicy's `spec.priceDriftThreshold`, else 5%.
   */
  driftThreshold?: string;
}

/** The pricing fields of an AttributionPolicy's spec. */
export interface AttributeResult {
  report: Report;
  /** The id the run was saved under, for reports and explanations of this very run. */
  runId: number;
  allocations: Allocation[];
  /** References in the cluster state that point nowhere. */
  problems: GraphProblem[];
  /** How this run compares with the previous run of the same period: its inputs and its answer. */
  changes: RunChanges;
}

export class AttributionError extends Error {
  constructor(
    readonly code: 'NO_BILL' | 'MIXED_CURRENCIES' | 'UNEXPLAINED_CHANGE',
    message: string,
  ) {
    super(message);
    this.name = 'AttributionError';
  }
}

export async function attribute(options: AttributeOptions): Promise<AttributeResult> {
  const { store } = options;

  const all = await store.costRows(options.connectors);
  const rows = all.filter((r) => options.isAiSpend(r));
  const outOfScope = all.filter((r) => !options.isAiSpend(r));
  if (rows.length === 0) {
    throw new AttributionError(
      'NO_BILL',
      `no AI spend in the bills of ${options.connectors.join(', ')}`,
    );
  }
  const currencies = [...new Set(rows.map((r) => r.currency))].sort();
  if (currencies.length > 1) {
    // Converting would need exchange rates the bill does not carry; refuse rather than mix.
    throw new AttributionError(
      'MIXED_CURRENCIES',
      `bills in several currencies: ${currencies.join(', ')}`,
    );
  }
  const period = {
    start: rows.map((r) => r.billingPeriodStart).reduce((a, b) => (a < b ? a : b)),
    end: rows.map((r) => r.billingPeriodEnd).reduce((a, b) => (a > b ? a : b)),
  };

  const [people, groups, bindings] = await Promise.all([
    store.people(),
    store.groups(),
    store.bindings(),
  ]);
  const graph = new PolicyResolver({
    state: options.state,
    people,
    groups,
    bindings,
    codeowners: options.codeowners,
    weights: options.weights,
  });
  const costView = options.costView ?? 'billed';
  // The paths callers took, kept with the run so any figure can be explained from the store.
  const paths = new RunPaths({
    state: options.state,
    people,
    groups,
    bindings,
    codeowners: options.codeowners,
    weights: options.weights,
  });
  const book =
    options.priceBook ??
    (await loadPriceBook({
      normalizeModel: options.normalizeModel,
      paths: policyPriceBooks(options.state.policies),
    }));
  const currency = currencies[0]!;
  // Requests are summed in the store, between every moment a line, the cluster or a price changes.
  const boundaries = groupBoundaries(rows, [...graph.changes(), ...book.changes()]);
  const allocations = reconcile({
    rows,
    groups: await requestGroups(store.sql, period.start, period.end, boundaries),
    boundaries,
    graph: paths.recording(graph),
    costView,
    normalizeModel: options.normalizeModel,
    estimateCost: (event) => book.estimateCost(event, { currency }),
  });
  // Drift compares what the invoice charged per token, whichever view is reported.
  const driftThreshold = options.driftThreshold ?? policyDriftThreshold(options.state.policies);
  const drift = priceDrift(rows, book, { threshold: driftThreshold });

  const report = buildReport({
    currency,
    costView,
    period,
    allocations,
    outOfScope: {
      rows: outOfScope.length,
      cost: outOfScope.reduce((sum, r) => sum.plus(costOf(r, costView)), ZERO),
    },
    quarantined: options.quarantined ?? [],
    priceDrift: drift,
  });
  assertReconciled(rows, costView, report);
  // What the run read and what it answered, kept with it, so a re-run can say what changed. A
  // different answer from the same inputs is a defect: refused before it is kept.
  const inputs = await runInputs(store.sql, {
    connectors: options.connectors,
    period,
    state: options.state,
    people,
    groups,
    bindings,
    codeowners: options.codeowners,
    priceBook: book,
    weights: options.weights,
    costView,
    driftThreshold,
    engineVersion: ARGMIN_VERSION,
  });
  const outcome = runOutcome(report);
  const previous = await previousRun(store.sql, {
    connectors: options.connectors,
    period,
    costView,
  });
  const changes = runChanges(previous, { inputs, outcome });
  if (changes.unexplained) {
    throw new AttributionError(
      'UNEXPLAINED_CHANGE',
      `the answer differs from run ${previous?.runId}'s on the same inputs:\n` +
        changes.lines.join('\n'),
    );
  }

  const runId = await saveRun(store.sql, report, allocations);
  await paths.save(store.sql, runId);
  await saveRunInputs(store.sql, runId, inputs, outcome);
  return { report, runId, allocations, problems: graph.problems, changes };
}

function policyPriceBooks(policies: AttributionPolicy[]): string[] {
  return policies.flatMap((p) => {
    const file = p.spec.priceBook;
    return typeof file === 'string' && file !== ''
      ? [path.resolve(path.dirname(p.origin.file), file)]
      : [];
  });
}

/** The strictest threshold any policy sets, so no policy's drift goes unreported. */
function policyDriftThreshold(policies: AttributionPolicy[]): string | undefined {
  const set = policies
    .map((p) => p.spec.priceDriftThreshold)
    .filter((t): t is string => typeof t === 'string' && /^\d+(\.\d+)?$/.test(t));
  return set.length === 0 ? undefined : set.reduce((a, b) => (new Money(b).lessThan(a) ? b : a));
}

/** Every billed cent is attributed or unattributed: a run that breaks this must not be reported. */
function assertReconciled(rows: CostRow[], view: CostView, report: Report): void {
  const bill = rows.reduce((sum, r) => sum.plus(costOf(r, view)), ZERO);
  const { billed, attributed, unattributed } = report.totals;
  const parts = new Money(attributed).plus(unattributed);
  if (!bill.equals(billed) || !parts.equals(billed)) {
    throw new Error(
      `reconciliation broke: bill ${bill}, reported ${billed} = ${attributed} + ${unattributed}`,
    );
  }
}
