// Spend of a saved attribution run, grouped by any of its dimensions and cut to a period of days,
// straight from the store so PostgreSQL and PGlite answer alike. Billed figures come from the run's
// allocations and reconcile to its totals exactly; request-level estimates for what the bill does
// not cover yet sit beside them, marked as such, and never enter the billed totals.
import { Money, moneyText, ZERO } from './money.js';
import { VIA_ATTRIBUTE, type CostView } from './reconcile.js';
import type { Sql } from './store/index.js';

export const GROUP_DIMENSIONS = [
  'costCenter',
  'team',
  'service',
  'person',
  'provider',
  'model',
  'account',
  'day',
] as const;
export type GroupDimension = (typeof GROUP_DIMENSIONS)[number];

/** `billed`: reconciled to a bill. `estimate`: from requests the bill does not cover yet. */
export type Basis = 'billed' | 'estimate';

export interface ReportQuery {
  runId: number;
  groupBy: GroupDimension[];
  /** First UTC day counted, `YYYY-MM-DD`. */
  from?: string;
  /** First UTC day no longer counted, `YYYY-MM-DD`, like a period's end. */
  to?: string;
  /** A provider's spelling of a model as the bill spells it, so estimates group with bill lines. */
  normalizeModel?(provider: string, model: string): string;
}

export type GroupKey = Partial<Record<GroupDimension, string | null>>;

export interface ReportGroup {
  key: GroupKey;
  basis: Basis;
  /** Decimal string: net cost, credits, tax and fees included. */
  cost: string;
  /** Spend-weighted over the group's gross usage; null when it has none. */
  confidence: number | null;
  /** Requests behind an estimate; zero for billed groups. */
  requests: number;
}

export interface GroupedReport {
  runId: number;
  currency: string;
  costView: CostView;
  period: { start: string; end: string };
  filter: { from: string | null; to: string | null };
  groupBy: GroupDimension[];
  /** The bill covers usage up to here; requests from here on are estimates. */
  billedThrough: string | null;
  totals: {
    billed: string;
    attributed: string;
    unattributed: string;
    estimated: string;
    /** Requests after `billedThrough` that carry no cost, so no estimate could be made. */
    unpricedRequests: number;
  };
  groups: ReportGroup[];
}

export class ReportQueryError extends Error {
  constructor(
    readonly code: 'NO_RUN' | 'BAD_DIMENSION' | 'BAD_DATE' | 'BAD_PERIOD',
    message: string,
  ) {
    super(message);
    this.name = 'ReportQueryError';
  }
}

/** Column of each dimension in the day pieces below; fixed text, never user input. */
const COLUMNS: Record<GroupDimension, string> = {
  costCenter: 'cost_center',
  team: 'team',
  service: 'service',
  person: 'person',
  provider: 'provider',
  model: 'model',
  account: 'account',
  day: `to_char(day, 'YYYY-MM-DD')`,
};

/**
 * Each allocation split over the UTC days of its charge period by time, exactly: every piece is
 * cut down to the allocation's own decimals (at least six), and the units left go to the pieces
 * with the largest remainders, earlier days first on ties, so the pieces add up to the allocation.
 * A report that neither groups by day nor cuts the period keeps each allocation whole (`$4`), so
 * a month's credit spread over a million slices does not become thirty million pieces.
 */
const DAY_PIECES = `
  WITH run AS (
    SELECT period_start, period_end FROM attribution_runs WHERE id = $1
  ), spans AS (
    SELECT row_number() OVER () AS n, a.cost_center, a.team, a.service, a.person, a.provider,
           a.model, a.account, a.charge_category, a.cost, a.confidence,
           greatest(scale(a.cost), 6) AS places,
           coalesce(a.charge_period_start, run.period_start) AT TIME ZONE 'UTC' AS s,
           coalesce(a.charge_period_end, run.period_end) AT TIME ZONE 'UTC' AS e
      FROM allocations a, run
     WHERE a.run_id = $1
  ), days AS (
    SELECT spans.*, d.day,
           CASE WHEN e <= s THEN 1
                ELSE extract(epoch FROM least(e, d.day + interval '1 day') - greatest(s, d.day))
           END AS w
      FROM spans,
           generate_series(date_trunc('day', s),
                           CASE WHEN $4::boolean
                                THEN date_trunc('day', greatest(s, e - interval '1 microsecond'))
                                ELSE date_trunc('day', s) END,
                           interval '1 day') AS d(day)
  ), exact AS (
    SELECT days.*, abs(cost) * w / sum(w) OVER (PARTITION BY n) AS share FROM days
  ), cut AS (
    SELECT exact.*, trunc(share, places) AS floor_part,
           round((abs(cost) - sum(trunc(share, places)) OVER (PARTITION BY n))
                 * power(10::numeric, places)) AS units_left,
           row_number() OVER (PARTITION BY n ORDER BY share - trunc(share, places) DESC, day)
             AS rank
      FROM exact
  ), pieces AS (
    SELECT cost_center, team, service, person, provider, model, account, charge_category,
           confidence, day,
           sign(cost) * (floor_part + CASE WHEN rank <= units_left
                                           THEN power(10::numeric, -places) ELSE 0 END) AS piece
      FROM cut
  )`;

interface GroupRecord {
  total: number;
  cost: string;
  attributed: string | null;
  weighted: string | null;
  usage: string | null;
  requests: string | number | null;
  unpriced: string | number | null;
  [column: string]: unknown;
}

export async function latestRunId(sql: Sql): Promise<number | null> {
  const [row] = await sql.query<{ id: string | number | null }>(
    'SELECT max(id) AS id FROM attribution_runs',
  );
  return row?.id === null || row?.id === undefined ? null : Number(row.id);
}

export function parseGroupBy(text: string): GroupDimension[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0) {
    throw new ReportQueryError('BAD_DIMENSION', 'group by at least one dimension');
  }
  for (const name of names) {
    if (!(GROUP_DIMENSIONS as readonly string[]).includes(name)) {
      throw new ReportQueryError(
        'BAD_DIMENSION',
        `cannot group by ${name}; choose from ${GROUP_DIMENSIONS.join(', ')}`,
      );
    }
  }
  return [...new Set(names)] as GroupDimension[];
}

/** An ISO date, checked to be a real calendar day. */
export function parseDay(text: string, option: string): string {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T00:00:00Z`) : null;
  if (!day || Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== text) {
    throw new ReportQueryError('BAD_DATE', `${option} must be an ISO date (YYYY-MM-DD): ${text}`);
  }
  return text;
}

export async function queryReport(sql: Sql, query: ReportQuery): Promise<GroupedReport> {
  // An empty period would report nothing and look like no spend: refuse it instead.
  if (query.from !== undefined && query.to !== undefined && query.from >= query.to) {
    throw new ReportQueryError(
      'BAD_PERIOD',
      `the first day counted (${query.from}) must come before the first day not counted (${query.to})`,
    );
  }
  const [run] = await sql.query<Record<string, string | null>>(
    `SELECT currency, cost_view, billed::text AS billed,
            to_char(period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS start,
            to_char(period_end AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "end"
       FROM attribution_runs WHERE id = $1`,
    [query.runId],
  );
  if (!run) throw new ReportQueryError('NO_RUN', `no attribution run ${query.runId} in the store`);
  const groupBy = query.groupBy.length > 0 ? query.groupBy : (['costCenter'] as GroupDimension[]);
  const from = query.from ?? null;
  const to = query.to ?? null;

  const billed = await billedGroups(sql, query.runId, groupBy, from, to);
  const estimates = await estimateGroups(sql, query, groupBy, from, to);
  const billedThrough = await coverageEnd(sql, query.runId);

  // Without a cut, the pieces must give back the run's own total: a mismatch is a broken split.
  if (from === null && to === null && !new Money(billed.totals.cost).equals(run.billed ?? '0')) {
    throw new Error(`report broke: pieces sum to ${billed.totals.cost}, the run to ${run.billed}`);
  }
  const billedTotal = new Money(billed.totals.cost);
  const attributed = new Money(billed.totals.attributed ?? '0');
  return {
    runId: query.runId,
    currency: run.currency ?? '',
    costView: (run.cost_view ?? 'billed') as CostView,
    period: { start: run.start!, end: run.end! },
    filter: { from, to },
    groupBy,
    billedThrough,
    totals: {
      billed: moneyText(billedTotal),
      attributed: moneyText(attributed),
      unattributed: moneyText(billedTotal.minus(attributed)),
      estimated: moneyText(estimates.total),
      unpricedRequests: estimates.unpriced,
    },
    groups: [...billed.groups, ...estimates.groups].sort(compareGroups),
  };
}

async function billedGroups(
  sql: Sql,
  runId: number,
  groupBy: GroupDimension[],
  from: string | null,
  to: string | null,
) {
  const dims = groupBy.map((d) => `${COLUMNS[d]} AS "${d}"`).join(', ');
  const keys = groupBy.map((d) => COLUMNS[d]).join(', ');
  const split = groupBy.includes('day') || from !== null || to !== null;
  const records = await sql.query<GroupRecord>(
    `${DAY_PIECES}
     SELECT ${dims}, GROUPING(${keys}) > 0 AS total,
            coalesce(sum(piece), 0)::text AS cost,
            coalesce(sum(piece) FILTER (WHERE cost_center IS NOT NULL), 0)::text AS attributed,
            sum(piece * confidence) FILTER (WHERE ${GROSS_USAGE})::text AS weighted,
            sum(piece) FILTER (WHERE ${GROSS_USAGE})::text AS usage
       FROM pieces
      WHERE ($2::date IS NULL OR day >= $2::date) AND ($3::date IS NULL OR day < $3::date)
      GROUP BY GROUPING SETS ((${keys}), ())`,
    [runId, from, to, split],
  );
  const totals = records.find((r) => r.total) ?? { cost: '0', attributed: '0' };
  const groups = records
    .filter((r) => !r.total)
    .map((r) => ({
      key: keyOf(r, groupBy),
      basis: 'billed' as const,
      cost: moneyText(new Money(r.cost)),
      confidence: weightedConfidence(r.weighted, r.usage),
      requests: 0,
    }));
  return { totals, groups };
}

const GROSS_USAGE = `charge_category = 'Usage' AND piece > 0`;

/** The end of the latest usage the run's bill covers, per account, with the bill's overall end. */
const COVERAGE = `
  through AS (
    SELECT provider, account, max(charge_period_end) AS through
      FROM allocations WHERE run_id = $1 AND charge_category = 'Usage'
     GROUP BY provider, account
  ), overall AS (
    SELECT max(charge_period_end) AS through
      FROM allocations WHERE run_id = $1 AND charge_category = 'Usage'
  )`;

async function coverageEnd(sql: Sql, runId: number): Promise<string | null> {
  const [row] = await sql.query<{ through: string | null }>(
    `WITH ${COVERAGE}
     SELECT to_char(through AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS through
       FROM overall`,
    [runId],
  );
  return row?.through ?? null;
}

/**
 * Requests made after the bill stops (their own provider and account's usage lines where the bill
 * has them, the whole bill's otherwise), from the run's period on, each taking the path its caller
 * took in the run. A caller the run never saw stays unattributed. Calls made through a shared
 * service are left out: the service's own calls are the ones a bill will charge.
 */
async function estimateGroups(
  sql: Sql,
  query: ReportQuery,
  groupBy: GroupDimension[],
  from: string | null,
  to: string | null,
) {
  const columns: Record<GroupDimension, string> = {
    costCenter: `path.chosen->>'costCenter'`,
    team: `path.chosen->>'team'`,
    service: `path.chosen->>'service'`,
    person: `path.chosen->>'person'`,
    provider: 'e.provider',
    model: 'e.model',
    account: 'e.account',
    day: `to_char(date_trunc('day', e.ts AT TIME ZONE 'UTC'), 'YYYY-MM-DD')`,
  };
  const dims = groupBy.map((d) => `${columns[d]} AS "${d}"`).join(', ');
  const keys = groupBy.map((d) => columns[d]).join(', ');
  const records = await sql.query<GroupRecord>(
    `WITH ${COVERAGE}, run AS (SELECT period_start FROM attribution_runs WHERE id = $1)
     SELECT ${dims}, e.provider AS "_provider", false AS total,
            coalesce(sum(e.cost), 0)::text AS cost,
            sum(e.cost * (path.chosen->>'confidence')::numeric)
              FILTER (WHERE e.cost > 0 AND path.chosen->>'costCenter' IS NOT NULL)::text AS weighted,
            sum(e.cost) FILTER (WHERE e.cost > 0)::text AS usage,
            count(e.cost) AS requests,
            count(*) - count(e.cost) AS unpriced
       FROM usage_events e
       CROSS JOIN run CROSS JOIN overall
       LEFT JOIN through t ON t.provider = e.provider AND t.account IS NOT DISTINCT FROM e.account
       LEFT JOIN LATERAL (
         SELECT p.chosen FROM run_paths p
          WHERE p.run_id = $1
            AND p.caller = jsonb_build_object(
                  'identity', jsonb_strip_nulls(jsonb_build_object(
                    'serviceAccount', e.caller_service_account, 'spiffeId', e.caller_spiffe_id,
                    'apiKeyId', e.caller_api_key_id, 'user', e.caller_user,
                    'awsPrincipal', e.caller_aws_principal, 'gcpPrincipal', e.caller_gcp_principal,
                    'azurePrincipal', e.caller_azure_principal)),
                  'service', e.service, 'account', e.account)
            AND (p.held_from IS NULL OR p.held_from <= e.ts)
            AND (p.held_until IS NULL OR p.held_until > e.ts)
          LIMIT 1
       ) path ON true
      WHERE e.ts >= run.period_start
        AND (e.attributes IS NULL OR NOT e.attributes ? $4)
        AND e.ts >= coalesce(t.through, overall.through, run.period_start)
        AND ($2::date IS NULL OR e.ts >= $2::date::timestamp AT TIME ZONE 'UTC')
        AND ($3::date IS NULL OR e.ts < $3::date::timestamp AT TIME ZONE 'UTC')
      GROUP BY ${keys}, e.provider`,
    [query.runId, from, to, VIA_ATTRIBUTE],
  );

  // Known gap: a request without a cost is counted as unpriced, not priced from the price book, so
  // estimates understate spend until the events carry their cost.
  // Grouped again after model names are normalized: two spellings of one model are one group.
  const merged = new Map<string, { key: GroupKey; cost: Money; weighted: Money; usage: Money }>();
  const counts = new Map<string, number>();
  let total = ZERO;
  let unpriced = 0;
  for (const r of records) {
    const key = keyOf(r, groupBy);
    if (key.model && query.normalizeModel) {
      key.model = query.normalizeModel(String(r._provider), key.model);
    }
    unpriced += Number(r.unpriced ?? 0);
    const requests = Number(r.requests ?? 0);
    if (requests === 0) continue;
    const id = JSON.stringify(groupBy.map((d) => key[d]));
    const sum = merged.get(id) ?? { key, cost: ZERO, weighted: ZERO, usage: ZERO };
    sum.cost = sum.cost.plus(r.cost);
    sum.weighted = sum.weighted.plus(r.weighted ?? 0);
    sum.usage = sum.usage.plus(r.usage ?? 0);
    merged.set(id, sum);
    counts.set(id, (counts.get(id) ?? 0) + requests);
    total = total.plus(r.cost);
  }
  const groups = [...merged.entries()].map(([id, s]) => ({
    key: s.key,
    basis: 'estimate' as const,
    cost: moneyText(s.cost),
    confidence: weightedConfidence(s.weighted.toFixed(), s.usage.toFixed()),
    requests: counts.get(id) ?? 0,
  }));
  return { groups, total, unpriced };
}

function keyOf(record: GroupRecord, groupBy: GroupDimension[]): GroupKey {
  const key: GroupKey = {};
  for (const d of groupBy) {
    const value = record[d];
    key[d] = value === null || value === undefined ? null : String(value);
  }
  return key;
}

/** Confidence to three decimals, the precision the report's rows carry. */
function weightedConfidence(weighted: string | null, usage: string | null): number | null {
  if (usage === null || new Money(usage).isZero()) return null;
  return new Money(weighted ?? 0).dividedBy(usage).toDecimalPlaces(3).toNumber();
}

/** Billed before estimates, days in order, the largest cost first, then the key's code points. */
function compareGroups(a: ReportGroup, b: ReportGroup): number {
  if (a.basis !== b.basis) return a.basis === 'billed' ? -1 : 1;
  const dayA = a.key.day ?? '';
  const dayB = b.key.day ?? '';
  if (dayA !== dayB) return dayA < dayB ? -1 : 1;
  const byCost = new Money(b.cost).comparedTo(a.cost);
  if (byCost !== 0) return byCost;
  const x = JSON.stringify(a.key);
  const y = JSON.stringify(b.key);
  return x < y ? -1 : x > y ? 1 : 0;
}
