// Why a request or a bill line landed where it did, read back from an attribution run in the store:
// the path from the spend to its CostCenter, each edge with its evidence, confidence and the
// interval it held in, and the paths that lost.
import {
  type Store,
  type UsageEvent,
  pathAt,
  pathsByKey,
  type CallerPath,
  type CallerRef,
  type EdgeView,
  type PathView,
} from '../attribution/index.js';

/** Lines of a request's group named in its explanation; the rest are counted. */
const MAX_LINES_SHOWN = 20;
/** Callers named for each group of callers that went the same way. */
const EXAMPLE_CALLERS = 3;
/** The store keeps timestamps to the second in what it reads back; look within that second. */
const TIMESTAMP_RESOLUTION_MS = 1000;

export class ExplainError extends Error {
  constructor(
    readonly code: 'NO_RUN' | 'UNKNOWN_ID',
    message: string,
  ) {
    super(message);
    this.name = 'ExplainError';
  }
}

export interface RunRef {
  id: number;
  currency: string;
  period: { start: string; end: string };
}

/** A slice of a bill line: where it went, the path that took it there, and its callers' paths. */
export interface LineSlice {
  cost: string;
  costCenter: string | null;
  service: string | null;
  team: string | null;
  person: string | null;
  confidence: number;
  /** Requests the slice was distributed over; 0 when it went by the account or the line's caller. */
  requests: number;
  edges: EdgeView[];
  /** The callers of the slice's group, gathered where they held in the same snapshot and lost the same alternatives. */
  callers: CallerGroup[];
}

export interface CallerGroup {
  count: number;
  /** The first few of them. */
  examples: CallerRef[];
  heldFrom: string | null;
  heldUntil: string | null;
  alternatives: PathView[];
}

export interface CostRowExplanation {
  kind: 'costRow';
  id: string;
  run: RunRef;
  /** Every line the id names: a line item id alone names each of its charge periods. */
  lines: {
    connector: string;
    costRowId: string;
    file: string;
    line: number | null;
    chargeCategory: string;
    model: string | null;
    chargePeriod: { start: string; end: string };
    billedCost: string;
    slices: LineSlice[];
  }[];
}

export interface RequestExplanation {
  kind: 'request';
  id: string;
  run: RunRef;
  request: Omit<UsageEvent, 'attributes'>;
  caller: CallerRef;
  heldFrom: string | null;
  heldUntil: string | null;
  /** False when the run kept no path for the caller: the request lies outside what it attributed. */
  recorded: boolean;
  /** Null: nothing placed the caller, so its share of the bill is unattributed. */
  path: PathView | null;
  alternatives: PathView[];
  /** The bill lines whose slices went to this request's group, with the group's slice. */
  lines: { connector: string; costRowId: string; chargePeriodStart: string; cost: string }[];
  linesNotShown: number;
}

export type Explanation = CostRowExplanation | RequestExplanation;

/** The run saved under `id`, else the latest in the store; an error when there is none. */
export async function findRun(store: Store, id?: number): Promise<RunRef> {
  const [run] = await store.sql.query<{ id: string | number; currency: string } & Period>(
    `SELECT id, currency, ${iso('period_start')}, ${iso('period_end')}
       FROM attribution_runs WHERE $1::bigint IS NULL OR id = $1 ORDER BY id DESC LIMIT 1`,
    [id ?? null],
  );
  if (!run) throw new ExplainError('NO_RUN', 'no attribution run in the store to explain');
  return {
    id: Number(run.id),
    currency: run.currency,
    period: { start: run.period_start, end: run.period_end },
  };
}

/** A request id first, since the ingestion API makes them unique; then a bill line's id. */
export async function explain(store: Store, run: RunRef, id: string): Promise<Explanation> {
  const request = await explainRequest(store, run, id);
  if (request) return request;
  const line = await explainCostRow(store, run, id);
  if (line) return line;
  throw new ExplainError(
    'UNKNOWN_ID',
    `'${id}' is neither a request id nor a cost row id of attribution run ${run.id}`,
  );
}

interface Period {
  period_start: string;
  period_end: string;
}

async function explainRequest(
  store: Store,
  run: RunRef,
  id: string,
): Promise<RequestExplanation | null> {
  const [found] = await store.sql.query<{ ts: string }>(
    `SELECT ${iso('ts')} FROM usage_events WHERE request_id = $1`,
    [id],
  );
  if (!found) return null;
  // The store's own reading of the event, so the caller matches the one the run recorded.
  const end = new Date(Date.parse(found.ts) + TIMESTAMP_RESOLUTION_MS).toISOString();
  const event = (await store.usageEvents(found.ts, end)).find((e) => e.requestId === id);
  if (!event) return null;

  const caller: CallerRef = {
    identity: event.identity ?? {},
    service: event.service ?? null,
    account: event.account ?? null,
  };
  const path = await pathAt(store.sql, run.id, caller, event.timestamp);
  const lines = path
    ? await store.sql.query<{
        connector: string;
        cost_row_id: string;
        charge_period_start: string;
        cost: string;
      }>(
        `SELECT connector, cost_row_id, ${iso('charge_period_start')}, cost::text AS cost
           FROM allocations
          WHERE run_id = $1 AND caller_key = $2
            AND charge_period_start <= $3 AND charge_period_end > $3
          ORDER BY connector, cost_row_id`,
        [run.id, path.pathKey, event.timestamp],
      )
    : [];
  const { attributes: _attributes, ...request } = event;
  return {
    kind: 'request',
    id,
    run,
    request,
    caller,
    recorded: path !== null,
    heldFrom: path?.heldFrom ?? null,
    heldUntil: path?.heldUntil ?? null,
    path: path?.chosen ?? null,
    alternatives: path?.alternatives ?? [],
    lines: lines.slice(0, MAX_LINES_SHOWN).map((l) => ({
      connector: l.connector,
      costRowId: l.cost_row_id,
      chargePeriodStart: l.charge_period_start,
      cost: l.cost,
    })),
    linesNotShown: Math.max(0, lines.length - MAX_LINES_SHOWN),
  };
}

interface AllocationRecord {
  connector: string;
  cost_row_id: string;
  source_file: string | null;
  source_line: number | null;
  charge_category: string;
  model: string | null;
  charge_period_start: string;
  charge_period_end: string;
  billed_cost: string;
  cost_center: string | null;
  service: string | null;
  team: string | null;
  person: string | null;
  cost: string;
  confidence: string;
  evidence: EdgeView[];
  requests: number | null;
  caller_key: string | null;
}

async function explainCostRow(
  store: Store,
  run: RunRef,
  id: string,
): Promise<CostRowExplanation | null> {
  const slices = await store.sql.query<AllocationRecord>(
    `SELECT a.connector, a.cost_row_id, a.source_file, c.source_line, a.charge_category, a.model,
            ${iso('a.charge_period_start', 'charge_period_start')},
            ${iso('a.charge_period_end', 'charge_period_end')},
            c.billed_cost::text AS billed_cost, a.cost_center, a.service, a.team, a.person,
            a.cost::text AS cost, a.confidence::text AS confidence, a.evidence, a.requests,
            a.caller_key
       FROM allocations a
       LEFT JOIN cost_rows c ON c.connector = a.connector AND c.id = a.cost_row_id
      WHERE a.run_id = $1 AND (a.cost_row_id = $2 OR starts_with(a.cost_row_id, $2 || '/'))
      ORDER BY a.connector, a.cost_row_id, a.cost DESC, a.cost_center NULLS LAST`,
    [run.id, id],
  );
  if (slices.length === 0) return null;

  const keys = [...new Set(slices.flatMap((s) => (s.caller_key ? [s.caller_key] : [])))];
  const callers = await pathsByKey(store.sql, run.id, keys);
  const lines = new Map<string, CostRowExplanation['lines'][number]>();
  for (const s of slices) {
    const lineKey = JSON.stringify([s.connector, s.cost_row_id]);
    const line = lines.get(lineKey) ?? {
      connector: s.connector,
      costRowId: s.cost_row_id,
      file: s.source_file ?? '',
      line: s.source_line,
      chargeCategory: s.charge_category,
      model: s.model,
      chargePeriod: { start: s.charge_period_start, end: s.charge_period_end },
      billedCost: s.billed_cost,
      slices: [],
    };
    const during = callers.filter(
      (c) =>
        c.pathKey === s.caller_key &&
        (c.heldFrom === null || c.heldFrom < s.charge_period_end) &&
        (c.heldUntil === null || c.heldUntil > s.charge_period_start),
    );
    line.slices.push({
      cost: s.cost,
      costCenter: s.cost_center,
      service: s.service,
      team: s.team,
      person: s.person,
      confidence: Number(s.confidence),
      requests: s.requests ?? 0,
      edges: s.evidence,
      callers: gathered(during),
    });
    lines.set(lineKey, line);
  }
  return { kind: 'costRow', id, run, lines: [...lines.values()] };
}

/** Callers that differ only by who they are (a role session each, say) are told once. */
function gathered(paths: CallerPath[]): CallerGroup[] {
  const groups = new Map<string, CallerGroup>();
  for (const p of paths) {
    const key = JSON.stringify([p.heldFrom, p.heldUntil, p.alternatives]);
    const group = groups.get(key) ?? {
      count: 0,
      examples: [],
      heldFrom: p.heldFrom,
      heldUntil: p.heldUntil,
      alternatives: p.alternatives,
    };
    group.count++;
    if (group.examples.length < EXAMPLE_CALLERS) group.examples.push(p.caller);
    groups.set(key, group);
  }
  return [...groups.values()];
}

function iso(column: string, as = column): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS ${as}`;
}
