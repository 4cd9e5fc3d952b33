// The attribution report: one JSON document that pipelines read (a stable contract), and the
// readable table people read. Both come from the same allocations.
import { confidenceNumber, pathConfidence } from './evidence.js';
import type { ChargeCategory, Quarantined } from './model.js';
import { moneyText, Money, ZERO } from './money.js';
import type { PriceDrift } from './price-book-drift.js';
import type { Allocation, CostView } from './reconcile.js';

export interface ReportRow {
  costCenter: string | null;
  service: string | null;
  team: string | null;
  person: string | null;
  provider: string;
  model: string | null;
  chargeCategory: ChargeCategory;
  cost: string;
  confidence: number;
  evidence: string[];
}

export interface Report {
  currency: string;
  /** Which cost the figures are: `billed` (the invoice) or `effective` (amortized). */
  costView: CostView;
  period: { start: string; end: string };
  totals: {
    billed: string;
    attributed: string;
    unattributed: string;
    byChargeCategory: Partial<Record<ChargeCategory, string>>;
    /**
     * Of `billed`, what arrived after its billing period had closed (refunds, credits, late usage);
     * present only when some did.
     */
    late?: string;
  };
  rows: ReportRow[];
  /** Rows of the exports that are not AI spend, left out of every total above. */
  outOfScope: { rows: number; cost: string };
  quarantined: { file: string; line: number; field: string | null; reason: string }[];
  /**
   * Where the bill's unit prices differ from the price book's by more than the threshold; present
   * only when some do. The bill stays the truth: drift changes no figure above.
   */
  priceDrift?: PriceDrift[];
}

export interface ReportInputs {
  currency: string;
  costView: CostView;
  period: { start: string; end: string };
  allocations: Allocation[];
  outOfScope: { rows: number; cost: Money };
  quarantined: Quarantined[];
  priceDrift?: PriceDrift[];
}

const CATEGORY_ORDER: ChargeCategory[] = ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'];

export function buildReport(inputs: ReportInputs): Report {
  const groups = new Map<string, { row: Omit<ReportRow, 'cost'>; cost: Money }>();
  const byCategory = new Map<ChargeCategory, Money>();
  let billed = ZERO;
  let attributed = ZERO;
  let late: Money | undefined;

  // Allocations share their attribution objects: the row of each is worked out once per way.
  const rowsOf = new WeakMap<object, Map<string, { key: string; row: Omit<ReportRow, 'cost'> }>>();
  for (const a of inputs.allocations) {
    const { attribution } = a;
    let byLine = rowsOf.get(attribution);
    if (!byLine) rowsOf.set(attribution, (byLine = new Map()));
    const lineKey = JSON.stringify([a.row.provider, a.model, a.row.chargeCategory]);
    let found = byLine.get(lineKey);
    if (!found) {
      const confidence = attribution.costCenter ? pathConfidence(attribution.edges) : ZERO;
      const row: Omit<ReportRow, 'cost'> = {
        costCenter: attribution.costCenter,
        service: attribution.service,
        team: attribution.team,
        person: attribution.person,
        provider: a.row.provider,
        model: a.model,
        chargeCategory: a.row.chargeCategory,
        confidence: confidenceNumber(confidence),
        evidence: attribution.edges.map((e) =>
          e.confidence.equals(1) ? e.evidence : `${e.evidence} [${confidenceNumber(e.confidence)}]`,
        ),
      };
      byLine.set(lineKey, (found = { key: JSON.stringify(row), row }));
    }
    const { key, row } = found;
    const cost = new Money(a.cost);
    const group = groups.get(key) ?? { row, cost: ZERO };
    group.cost = group.cost.plus(cost);
    groups.set(key, group);

    billed = billed.plus(cost);
    if (attribution.costCenter) attributed = attributed.plus(cost);
    if (a.row.late) late = (late ?? ZERO).plus(cost);
    const category = a.row.chargeCategory;
    byCategory.set(category, (byCategory.get(category) ?? ZERO).plus(cost));
  }

  const rows = [...groups.values()]
    .map(({ row, cost }) => ({ ...row, cost: moneyText(cost) }))
    .sort(compareRows);
  return {
    currency: inputs.currency,
    costView: inputs.costView,
    period: inputs.period,
    totals: {
      billed: moneyText(billed),
      attributed: moneyText(attributed),
      unattributed: moneyText(billed.minus(attributed)),
      byChargeCategory: Object.fromEntries(
        CATEGORY_ORDER.filter((c) => byCategory.has(c)).map((c) => [
          c,
          moneyText(byCategory.get(c)!),
        ]),
      ),
      ...(late === undefined ? {} : { late: moneyText(late) }),
    },
    rows,
    outOfScope: { rows: inputs.outOfScope.rows, cost: moneyText(inputs.outOfScope.cost) },
    quarantined: inputs.quarantined.map((q) => ({
      file: q.source.file,
      line: q.source.line,
      field: q.field,
      reason: q.reason,
    })),
    ...(inputs.priceDrift?.length ? { priceDrift: inputs.priceDrift } : {}),
  };
}

function compareRows(a: ReportRow, b: ReportRow): number {
  // Code-point order, not the locale's, so the report is the same bytes on every machine.
  const byText = (x: string | null, y: string | null) =>
    x === y ? 0 : x === null ? 1 : y === null ? -1 : x < y ? -1 : 1;
  return (
    byText(a.costCenter, b.costCenter) ||
    byText(a.service, b.service) ||
    byText(a.person, b.person) ||
    byText(a.team, b.team) ||
    byText(a.model, b.model) ||
    CATEGORY_ORDER.indexOf(a.chargeCategory) - CATEGORY_ORDER.indexOf(b.chargeCategory) ||
    byText(a.evidence.join('\n'), b.evidence.join('\n'))
  );
}
