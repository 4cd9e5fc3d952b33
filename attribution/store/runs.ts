// Keeps each attribution run and its allocations, so a figure can be explained after the fact. A
// run's bill lines and the ways its spend went are written once each; an allocation is a line, a
// way and an amount, so a run of a million allocations writes a few small columns per allocation.
import type { Attribution } from '../evidence.js';
import { confidenceNumber, pathConfidence } from '../evidence.js';
import type { CostRow } from '../model.js';
import type { Allocation } from '../reconcile.js';
import type { Report } from '../report.js';
import { edgeView, pathKey } from '../explain-paths.js';
import type { Sql } from './sql.js';

/** Rows a statement carries: arrays of this many, one parameter per column. */
const BATCH_ROWS = 20_000;

export async function saveRun(
  sql: Sql,
  report: Report,
  allocations: Allocation[],
): Promise<number> {
  return sql.transaction(async (tx) => {
    const [run] = await tx.query<{ id: string | number }>(
      `INSERT INTO attribution_runs (period_start, period_end, currency, billed, attributed,
                                     unattributed, cost_view)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [
        report.period.start,
        report.period.end,
        report.currency,
        report.totals.billed,
        report.totals.attributed,
        report.totals.unattributed,
        report.costView,
      ],
    );
    const runId = Number(run!.id);
    const lines = new Numbering<CostRow>();
    const ways = new Numbering<Attribution>();
    const lineOf = new Int32Array(allocations.length);
    const wayOf = new Int32Array(allocations.length);
    allocations.forEach((a, i) => {
      lineOf[i] = lines.of(a.row, '');
      wayOf[i] = ways.of(a.attribution, `${a.model ?? ''}\u0000${a.callerKey ?? ''}`, a);
    });
    const lineList = lines.items();
    const wayList = ways.items();

    await insertColumns(tx, runId, 'run_lines', LINE_COLUMNS, lineList.length, (i) => {
      const { item: row, no } = lineList[i]!;
      return [
        no,
        row.source.connector,
        row.id,
        row.provider,
        row.chargeCategory,
        row.subAccountId,
        row.chargePeriodStart,
        row.chargePeriodEnd,
        row.source.file,
      ];
    });
    await insertColumns(tx, runId, 'run_attributions', WAY_COLUMNS, wayList.length, (i) => {
      const { item: path, no, allocation: a } = wayList[i]!;
      return [
        no,
        path.costCenter,
        path.service,
        path.team,
        path.person,
        a!.model,
        path.costCenter ? confidenceNumber(pathConfidence(path.edges)) : 0,
        JSON.stringify(path.edges.map(edgeView)),
        a!.callerKey === undefined ? null : pathKey(a!.callerKey),
      ];
    });
    await insertColumns(tx, runId, 'run_allocations', AMOUNT_COLUMNS, allocations.length, (i) => {
      const a = allocations[i]!;
      return [lineOf[i], wayOf[i], a.cost, a.requests, a.weight ?? null];
    });
    return runId;
  });
}

type Columns = [name: string, type: string][];

const LINE_COLUMNS: Columns = [
  ['line_no', 'integer'],
  ['connector', 'text'],
  ['cost_row_id', 'text'],
  ['provider', 'text'],
  ['charge_category', 'text'],
  ['account', 'text'],
  ['charge_period_start', 'timestamptz'],
  ['charge_period_end', 'timestamptz'],
  ['source_file', 'text'],
];

const WAY_COLUMNS: Columns = [
  ['attribution_no', 'integer'],
  ['cost_center', 'text'],
  ['service', 'text'],
  ['team', 'text'],
  ['person', 'text'],
  ['model', 'text'],
  ['confidence', 'numeric'],
  ['evidence', 'jsonb'],
  ['caller_key', 'text'],
];

const AMOUNT_COLUMNS: Columns = [
  ['line_no', 'integer'],
  ['attribution_no', 'integer'],
  ['cost', 'numeric'],
  ['requests', 'integer'],
  ['weight', 'numeric'],
];

/**
 * Numbers things from 1 by object and a key beside it, keeping the first allocation seen with
 * each: reconciliation hands out one object per path, so this never compares paths by content.
 */
class Numbering<T extends object> {
  private readonly numbers = new Map<T, Map<string, number>>();
  private readonly list: { item: T; no: number; allocation?: Allocation }[] = [];

  of(item: T, key: string, allocation?: Allocation): number {
    let byKey = this.numbers.get(item);
    if (!byKey) this.numbers.set(item, (byKey = new Map()));
    let no = byKey.get(key);
    if (no === undefined) {
      no = this.list.length + 1;
      byKey.set(key, no);
      this.list.push({ item, no, allocation });
    }
    return no;
  }

  items(): { item: T; no: number; allocation?: Allocation }[] {
    return this.list;
  }
}

/**
 * Inserts `count` rows a batch at a time, each column one array parameter through `unnest`; a
 * batch's rows are made only when it is sent, so a run's million allocations never all at once.
 */
async function insertColumns(
  tx: Sql,
  runId: number,
  table: string,
  columns: Columns,
  count: number,
  rowAt: (i: number) => unknown[],
): Promise<void> {
  const names = columns.map(([name]) => name).join(', ');
  const arrays = columns.map(([, type], i) => `$${i + 2}::${type}[]`).join(', ');
  const text = `INSERT INTO ${table} (run_id, ${names}) SELECT $1, * FROM unnest(${arrays})`;
  for (let start = 0; start < count; start += BATCH_ROWS) {
    const params: unknown[][] = columns.map(() => []);
    for (let i = start; i < Math.min(count, start + BATCH_ROWS); i++) {
      rowAt(i).forEach((v, c) => params[c]!.push(v));
    }
    await tx.query(text, [runId, ...params]);
  }
}
