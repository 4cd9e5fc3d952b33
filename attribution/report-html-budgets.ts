// Budget burn for a saved run, from the store: the run's allocations as a spend timeline, each
// budgeted CostCenter judged for the budget period the run's data ends in, and the cumulative gross
// spend of its subtree day by day, which is what a burn-down chart draws.
import { daysOf } from './budget-calendar.js';
import { CostCenterTree } from './budget-hierarchy.js';
import type { SpendPoint, SpendTimeline } from './budget-spend.js';
import { budgetStatuses, type BudgetStatus } from './budgets.js';
import { Money } from './money.js';
import type { CostCenter } from './resources.js';
import type { Sql } from './store/index.js';

export interface BurnDay {
  /** `YYYY-MM-DD` in the CostCenter's time zone. */
  date: string;
  startMs: number;
  endMs: number;
  /** Cumulative gross spend at the day's end, for drawing only; figures come from the status. */
  cumulative: number;
  /** The day ends after the data does: nothing is known of it yet. */
  future: boolean;
}

export interface BudgetBurn {
  status: BudgetStatus;
  days: BurnDay[];
}

export async function runTimeline(sql: Sql, runId: number): Promise<SpendTimeline> {
  const rows = await sql.query<Record<string, string | null>>(
    `SELECT a.cost_center, r.currency,
            to_char(coalesce(a.charge_period_start, r.period_start) AT TIME ZONE 'UTC',
                    'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS s,
            to_char(coalesce(a.charge_period_end, r.period_end) AT TIME ZONE 'UTC',
                    'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS e,
            coalesce(sum(a.cost) FILTER (WHERE a.charge_category = 'Usage' AND a.cost > 0), 0)::text
              AS gross,
            sum(a.cost)::text AS net
       FROM allocations a JOIN attribution_runs r ON r.id = a.run_id
      WHERE a.run_id = $1
      GROUP BY 1, 2, 3, 4
      ORDER BY 3, 4, 1`,
    [runId],
  );
  let dataThroughMs: number | null = null;
  const points: SpendPoint[] = rows.map((r) => {
    const startMs = Date.parse(r.s!);
    const endMs = Math.max(Date.parse(r.e!), startMs);
    dataThroughMs = Math.max(dataThroughMs ?? endMs, endMs);
    return {
      costCenter: r.cost_center ?? null,
      currency: r.currency!,
      startMs,
      endMs,
      gross: new Money(r.gross!),
      net: new Money(r.net!),
    };
  });
  return { points, dataThroughMs };
}

/** One burn per budgeted CostCenter, for the budget period that holds the last of the data. */
export function budgetBurns(costCenters: CostCenter[], timeline: SpendTimeline): BudgetBurn[] {
  if (timeline.dataThroughMs === null) return [];
  const at = timeline.dataThroughMs - 1;
  const statuses = budgetStatuses({ costCenters, timeline, at });
  const tree = new CostCenterTree(costCenters);
  return statuses.map((status) => {
    const subtree = tree.subtree(status.costCenter);
    const points = timeline.points.filter(
      (p) => p.costCenter !== null && subtree.has(p.costCenter) && p.currency === status.currency,
    );
    const days = daysOf(status.period);
    let total = 0;
    const burn = days.map((day) => {
      for (const p of points) total += grossIn(p, day.startMs, day.endMs);
      return {
        date: day.date,
        startMs: day.startMs,
        endMs: day.endMs,
        cumulative: total,
        future: day.endMs > (timeline.dataThroughMs ?? 0),
      };
    });
    return { status, days: burn };
  });
}

/** The gross of a point that falls in [startMs, endMs), spread evenly over its own span. */
function grossIn(p: SpendPoint, startMs: number, endMs: number): number {
  if (p.startMs === p.endMs)
    return p.startMs >= startMs && p.startMs < endMs ? p.gross.toNumber() : 0;
  const overlap = Math.min(p.endMs, endMs) - Math.max(p.startMs, startMs);
  return overlap <= 0 ? 0 : (p.gross.toNumber() * overlap) / (p.endMs - p.startMs);
}
