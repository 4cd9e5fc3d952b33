// Whether a re-run of a period gives the same answer as the run before it, and if not, why: the
// inputs that changed, at the finest grain their digests keep, and how each CostCenter moved.
import { Money, moneyText, ZERO } from './money.js';
import type { CostView } from './reconcile.js';
import type {
  CostRowsDigest,
  DigestSet,
  RunInputs,
  RunOutcome,
  UsageDayDigest,
} from './run-inputs.js';
import type { Sql } from './store/index.js';

/** Past this many objects changed in one set, the rest are counted rather than named. */
export const MAX_NAMED_CHANGES = 10;

export interface RunRecord {
  inputs: RunInputs;
  outcome: RunOutcome;
}

export interface SavedRun extends RunRecord {
  runId: number;
  /** RFC 3339, UTC. */
  startedAt: string;
}

export interface AnswerMove {
  /** Null for the unattributed bucket. */
  costCenter: string | null;
  /** Decimal strings. */
  before: string;
  after: string;
  delta: string;
}

export interface RunChanges {
  /** No earlier run to compare with. */
  first: boolean;
  sameInputs: boolean;
  sameAnswer: boolean;
  /**
   * The inputs are the same and the answer is not: attribution did not follow from its inputs.
   * That is a defect, never a finding to report as news.
   */
  unexplained: boolean;
  /** Readable, one input change a line. */
  inputs: string[];
  /** CostCenters whose attributed cost moved, then the unattributed bucket. */
  answer: AnswerMove[];
  /** The whole comparison, readable, one line each. */
  lines: string[];
}

/** The latest saved run of the same period, connectors and cost view, before `before` if given. */
export async function previousRun(
  sql: Sql,
  options: {
    connectors: string[];
    period: { start: string; end: string };
    costView?: CostView;
    before?: number;
  },
): Promise<SavedRun | null> {
  const connectors = [...new Set(options.connectors)].sort();
  const rows = await sql.query<Record<string, unknown>>(
    `SELECT i.run_id, i.inputs, i.outcome,
            to_char(r.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS started_at
       FROM run_inputs i JOIN attribution_runs r ON r.id = i.run_id
      WHERE i.period_start = $1::timestamptz AND i.period_end = $2::timestamptz
        AND i.cost_view = $3 AND i.connectors = $4::text[]
        AND ($5::bigint IS NULL OR i.run_id < $5::bigint)
      ORDER BY i.run_id DESC
      LIMIT 1`,
    [
      options.period.start,
      options.period.end,
      options.costView ?? 'billed',
      connectors,
      options.before ?? null,
    ],
  );
  const row = rows[0];
  if (!row) return null;
  const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;
  return {
    runId: Number(row.run_id),
    startedAt: String(row.started_at),
    inputs: json<RunInputs>(row.inputs),
    outcome: json<RunOutcome>(row.outcome),
  };
}

export function runChanges(previous: RunRecord | null, current: RunRecord): RunChanges {
  if (previous === null) {
    return {
      first: true,
      sameInputs: false,
      sameAnswer: false,
      unexplained: false,
      inputs: [],
      answer: [],
      lines: ['no earlier run of this period, connectors and cost view to compare with'],
    };
  }

  const inputs = [
    ...scopeChanges(previous.inputs, current.inputs),
    ...billChanges(previous.inputs.costRows, current.inputs.costRows),
    ...usageChanges(previous.inputs.usageEvents, current.inputs.usageEvents),
    ...setChanges(previous.inputs.sets, current.inputs.sets),
  ];
  const sameInputs = previous.inputs.digest === current.inputs.digest;
  // Digests of equal inputs are equal; a difference the finer digests cannot place still counts.
  if (!sameInputs && inputs.length === 0) inputs.push('inputs: changed in a way not told apart');

  const answer = answerMoves(previous.outcome, current.outcome);
  const reworded = rowsChanged(previous.outcome, current.outcome, answer);
  const sameAnswer =
    answer.length === 0 &&
    reworded.length === 0 &&
    previous.outcome.currency === current.outcome.currency &&
    new Money(previous.outcome.billed).equals(current.outcome.billed);
  const unexplained = sameInputs && !sameAnswer;

  const lines: string[] = [];
  if (unexplained) {
    lines.push('DEFECT: the inputs are the same as the previous run but the answer differs');
  } else if (sameInputs) {
    lines.push('no change: the inputs are the same as the previous run, and so is the answer');
  } else {
    lines.push(
      sameAnswer
        ? 'inputs changed; the answer is the same'
        : 'inputs changed, and the answer with them',
    );
    lines.push(...inputs.map((line) => `  ${line}`));
  }
  if (!sameAnswer) lines.push(...answerLines(previous.outcome, current.outcome, answer, reworded));
  return { first: false, sameInputs, sameAnswer, unexplained, inputs, answer, lines };
}

function scopeChanges(before: RunInputs, after: RunInputs): string[] {
  const lines: string[] = [];
  if (before.version !== after.version) {
    lines.push(`digests: version ${before.version} → ${after.version}`);
  }
  if (before.connectors.join(',') !== after.connectors.join(',')) {
    lines.push(`connectors: ${before.connectors.join(', ')} → ${after.connectors.join(', ')}`);
  }
  if (before.period.start !== after.period.start || before.period.end !== after.period.end) {
    lines.push(
      `period: ${before.period.start}–${before.period.end} → ` +
        `${after.period.start}–${after.period.end}`,
    );
  }
  if (before.costView !== after.costView) {
    lines.push(`cost view: ${before.costView} → ${after.costView}`);
  }
  return lines;
}

function billChanges(before: CostRowsDigest[], after: CostRowsDigest[]): string[] {
  const key = (d: CostRowsDigest) => `${d.connector}/${d.source}`;
  const was = new Map(before.map((d) => [key(d), d]));
  const now = new Map(after.map((d) => [key(d), d]));
  const lines: string[] = [];
  for (const name of [...new Set([...was.keys(), ...now.keys()])].sort()) {
    const a = was.get(name);
    const b = now.get(name);
    const prefix = `bill: cost_rows of ${name}:`;
    if (!a) lines.push(`${prefix} new, ${count(b!.rows)} rows, billed ${amount(b!.billed)}`);
    else if (!b)
      lines.push(`${prefix} gone (were ${count(a.rows)} rows, billed ${amount(a.billed)})`);
    else if (a.hash !== b.hash || a.rows !== b.rows || !same(a.billed, b.billed)) {
      const parts = [
        a.rows === b.rows ? `${count(a.rows)} rows` : `${count(a.rows)} → ${count(b.rows)} rows`,
        same(a.billed, b.billed)
          ? `billed ${amount(a.billed)}`
          : `billed ${amount(a.billed)} → ${amount(b.billed)}`,
      ];
      // Where the bill has no amortized view, its effective cost is its billed cost: not repeated.
      const amortized = !same(a.effective, a.billed) || !same(b.effective, b.billed);
      if (amortized && !same(a.effective, b.effective)) {
        parts.push(`effective ${amount(a.effective)} → ${amount(b.effective)}`);
      }
      const tail = a.rows === b.rows && same(a.billed, b.billed) ? ' as before, lines changed' : '';
      lines.push(`${prefix} ${parts.join(', ')}${tail}`);
    }
  }
  return lines;
}

const TOKEN_SUMS = [
  'inputTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'outputTokens',
  'reasoningTokens',
] as const;

function usageChanges(before: UsageDayDigest[], after: UsageDayDigest[]): string[] {
  const was = new Map(before.map((d) => [d.day, d]));
  const now = new Map(after.map((d) => [d.day, d]));
  const lines: string[] = [];
  for (const day of [...new Set([...was.keys(), ...now.keys()])].sort()) {
    const a = was.get(day);
    const b = now.get(day);
    const prefix = `usage events on ${day}:`;
    if (!a) lines.push(`${prefix} none → ${count(b!.events)}`);
    else if (!b) lines.push(`${prefix} ${count(a.events)} → none`);
    else if (a.hash !== b.hash || a.events !== b.events) {
      const parts = [
        a.events === b.events
          ? `${count(a.events)} events`
          : `${count(a.events)} → ${count(b.events)}`,
      ];
      for (const cls of TOKEN_SUMS) {
        if (a[cls] !== b[cls]) parts.push(`${cls} ${count(a[cls])} → ${count(b[cls])}`);
      }
      if (!same(a.cost, b.cost)) parts.push(`cost ${amount(a.cost)} → ${amount(b.cost)}`);
      if (parts.length === 1 && a.events === b.events) parts.push('their contents changed');
      lines.push(`${prefix} ${parts.join(', ')}`);
    }
  }
  return lines;
}

/** Where each set's changes are told, and whether its objects are named with their kind. */
const SET_TITLES: Record<string, { title: string; withKind: boolean }> = {
  CostCenter: { title: 'cluster state', withKind: true },
  // A workload's name begins with its own kind: `Deployment search/ranker`.
  Workload: { title: 'cluster state', withKind: false },
  ServiceAccount: { title: 'cluster state', withKind: true },
  Namespace: { title: 'cluster state', withKind: true },
  AttributionPolicy: { title: 'cluster state', withKind: true },
  CloudConnector: { title: 'cluster state', withKind: true },
  Person: { title: 'people', withKind: false },
  Group: { title: 'groups', withKind: false },
  WorkloadBinding: { title: 'workload bindings', withKind: false },
  CODEOWNERS: { title: 'CODEOWNERS', withKind: false },
  PriceBook: { title: 'price book', withKind: false },
  settings: { title: 'settings', withKind: false },
};

function setChanges(before: Record<string, DigestSet>, after: Record<string, DigestSet>): string[] {
  const lines: string[] = [];
  for (const kind of [...new Set([...Object.keys(before), ...Object.keys(after)])]) {
    const a = before[kind] ?? { count: 0, digest: '', objects: {} };
    const b = after[kind] ?? { count: 0, digest: '', objects: {} };
    if (a.digest === b.digest) continue;
    const { title, withKind } = SET_TITLES[kind] ?? { title: kind, withKind: false };
    const noun = (name: string) => (withKind ? `${kind} ${name}` : name);
    if (!a.objects || !b.objects) {
      lines.push(
        `${title}: some of ${count(b.count)} ${kind} entries changed (${count(a.count)} before), too many to name`,
      );
      continue;
    }
    const named: string[] = [];
    for (const name of [
      ...new Set([...Object.keys(a.objects), ...Object.keys(b.objects)]),
    ].sort()) {
      const was = a.objects[name];
      const now = b.objects[name];
      if (!was) named.push(`${title}: ${noun(name)} added`);
      else if (!now) named.push(`${title}: ${noun(name)} removed`);
      else if (was.digest !== now.digest) named.push(`${title}: ${noun(name)} changed`);
      else if (was.at !== now.at) {
        named.push(`${title}: ${noun(name)} moved from ${was.at ?? '?'} to ${now.at ?? '?'}`);
      }
    }
    lines.push(...named.slice(0, MAX_NAMED_CHANGES));
    if (named.length > MAX_NAMED_CHANGES) {
      lines.push(`${title}: and ${count(named.length - MAX_NAMED_CHANGES)} more ${kind} changes`);
    }
  }
  return lines;
}

function answerMoves(before: RunOutcome, after: RunOutcome): AnswerMove[] {
  const moves: AnswerMove[] = [];
  const names = new Set([...Object.keys(before.byCostCenter), ...Object.keys(after.byCostCenter)]);
  for (const name of [...names].sort()) {
    const was = new Money(before.byCostCenter[name] ?? ZERO);
    const now = new Money(after.byCostCenter[name] ?? ZERO);
    if (!was.equals(now)) moves.push(move(name, was, now));
  }
  const was = new Money(before.unattributed);
  const now = new Money(after.unattributed);
  if (!was.equals(now)) moves.push(move(null, was, now));
  return moves;
}

function move(costCenter: string | null, was: Money, now: Money): AnswerMove {
  return {
    costCenter,
    before: moneyText(was),
    after: moneyText(now),
    delta: moneyText(now.minus(was)),
  };
}

/**
 * CostCenters whose report rows changed (which service, person or model spent, how sure, on what
 * evidence) while their amount did not; "" stands for the unattributed rows. Runs kept before
 * rows were digested compare by amounts alone.
 */
function rowsChanged(before: RunOutcome, after: RunOutcome, moves: AnswerMove[]): string[] {
  const was = before.rowsByCostCenter;
  const now = after.rowsByCostCenter;
  if (!was || !now) return [];
  const moved = new Set(moves.map((m) => m.costCenter ?? ''));
  const names = new Set([...Object.keys(was), ...Object.keys(now)]);
  return [...names].filter((cc) => was[cc] !== now[cc] && !moved.has(cc)).sort();
}

function answerLines(
  before: RunOutcome,
  after: RunOutcome,
  moves: AnswerMove[],
  reworded: string[],
): string[] {
  const lines = ['answer:'];
  if (before.currency !== after.currency) {
    lines.push(`  currency ${before.currency} → ${after.currency}`);
  }
  if (!same(before.billed, after.billed)) {
    lines.push(`  billed ${amount(before.billed)} → ${amount(after.billed)}`);
  }
  for (const m of moves) {
    const who = m.costCenter === null ? 'unattributed' : `CostCenter ${m.costCenter}`;
    const sign = new Money(m.delta).isNegative() ? '' : '+';
    lines.push(`  ${who}: ${amount(m.before)} → ${amount(m.after)} (${sign}${amount(m.delta)})`);
  }
  for (const cc of reworded) {
    const who = cc === '' ? 'unattributed' : `CostCenter ${cc}`;
    lines.push(`  ${who}: the same amount, but its rows changed (service, confidence or evidence)`);
  }
  return lines;
}

function same(a: string, b: string): boolean {
  return new Money(a).equals(b);
}

/** Whole numbers with thousands separators. */
function count(n: number | string): string {
  return group(String(n));
}

/** An amount with its thousands grouped, at least to the cent, never rounded. */
function amount(text: string): string {
  const m = new Money(text);
  return group(m.toFixed(Math.max(2, m.decimalPlaces())));
}

function group(text: string): string {
  const [whole = '', fraction] = text.split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  const digits = whole.replace('-', '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${digits}${fraction === undefined ? '' : `.${fraction}`}`;
}
