// What one attribution run read and what it answered, as digests small enough to keep with the run:
// the bill and the requests are digested in SQL, whatever their size; the cluster state, the
// identity inventories, CODEOWNERS and the price book per object, so a change can be named.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { EvidenceKind } from './evidence.js';
import type { OwnershipLookup } from './graph.js';
import type { Group, Person, WorkloadBinding } from './model.js';
import { Money, moneyText, ZERO } from './money.js';
import type { PriceBook, PriceVersion } from './price-book.js';
import type { CostView } from './reconcile.js';
import type { Report } from './report.js';
import type { ClusterState, Origin } from './resources.js';
import type { Sql } from './store/index.js';

/** Past this many objects in one set, only the set's digest is kept: which one changed is lost. */
export const MAX_NAMED_OBJECTS = 5_000;
/** Hex digits of sha256 kept per object: enough to tell versions of one object apart. */
const OBJECT_DIGEST_HEX = 16;
const RUN_INPUTS_VERSION = 1;

export interface RunInputsOptions {
  /** Names of the connectors whose bills the run attributes. */
  connectors: string[];
  period: { start: string; end: string };
  state: ClusterState;
  people?: Person[];
  groups?: Group[];
  bindings?: WorkloadBinding[];
  codeowners?: Map<string, OwnershipLookup>;
  priceBook?: PriceBook;
  weights?: Partial<Record<EvidenceKind, string>>;
  costView?: CostView;
  driftThreshold?: string;
  /** Argmin's version: a run of another version may answer differently from the same inputs. */
  engineVersion?: string;
}

/** One source of one connector's bill, as the run read it. */
export interface CostRowsDigest {
  connector: string;
  source: string;
  rows: number;
  /** Decimal strings. */
  billed: string;
  effective: string;
  /** Order-independent hash of every line's content. */
  hash: string;
}

/** The requests of one UTC day of the period. */
export interface UsageDayDigest {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  events: number;
  /** Sums of the token counts that are known, as decimal strings. */
  inputTokens: string;
  cacheReadTokens: string;
  cacheWriteTokens: string;
  outputTokens: string;
  reasoningTokens: string;
  cost: string;
  hash: string;
}

export interface ObjectDigest {
  /** Of the object's content, where it was declared left out. */
  digest: string;
  /** Where it was declared, `file:line`, the file relative to the set's common folder. */
  at?: string;
}

/** The digest of a set of objects of one kind, with one per object while they are few enough. */
export interface DigestSet {
  count: number;
  digest: string;
  /** By the object's name; absent when the set holds more than `MAX_NAMED_OBJECTS`. */
  objects?: Record<string, ObjectDigest>;
}

export interface RunInputs {
  version: number;
  connectors: string[];
  period: { start: string; end: string };
  costView: CostView;
  costRows: CostRowsDigest[];
  usageEvents: UsageDayDigest[];
  /**
   * By kind: `CostCenter`, `Workload`, `ServiceAccount`, `Namespace`, `AttributionPolicy`,
   * `CloudConnector`, `Person`, `Group`, `WorkloadBinding`, `CODEOWNERS`, `PriceBook`, `settings`.
   */
  sets: Record<string, DigestSet>;
  /** Of everything above: equal digests, equal inputs. */
  digest: string;
}

/** What a run answered, for comparing answers. */
export interface RunOutcome {
  currency: string;
  billed: string;
  attributed: string;
  unattributed: string;
  /** Attributed cost by CostCenter name, decimal strings. */
  byCostCenter: Record<string, string>;
  /**
   * A digest of each CostCenter's report rows (services, people, models, confidence, evidence),
   * under "" for the unattributed rows: an answer can move without a cent moving.
   */
  rowsByCostCenter?: Record<string, string>;
}

export async function runInputs(sql: Sql, options: RunInputsOptions): Promise<RunInputs> {
  const connectors = [...new Set(options.connectors)].sort();
  const [costRows, usageEvents] = await Promise.all([
    costRowDigests(sql, connectors),
    usageDayDigests(sql, options.period),
  ]);

  const sets: Record<string, DigestSet> = {
    ...clusterSets(options.state),
    Person: digestSet(
      (options.people ?? []).map((p) => {
        const { source, ...content } = p;
        return { key: `${source.connector}/${p.id}`, content, origin: source };
      }),
    ),
    Group: digestSet(
      (options.groups ?? []).map((g) => {
        const { source, ...content } = g;
        return { key: `${source.connector}/${g.id}`, content, origin: source };
      }),
    ),
    WorkloadBinding: digestSet(
      (options.bindings ?? []).map((b) => {
        const { source, ...content } = b;
        return { key: `${b.principal} ${b.serviceAccount}`, content, origin: source };
      }),
    ),
    CODEOWNERS: digestSet(
      [...(options.codeowners ?? new Map<string, OwnershipLookup>())].map(([repo, lookup]) => ({
        key: repo,
        content: codeownersContent(lookup),
      })),
    ),
    PriceBook: digestSet(options.priceBook ? priceBookEntries(options.priceBook) : []),
    settings: digestSet([
      { key: 'weights', content: options.weights ?? {} },
      { key: 'driftThreshold', content: options.driftThreshold ?? null },
      { key: 'engineVersion', content: options.engineVersion ?? null },
    ]),
  };

  const inputs = {
    version: RUN_INPUTS_VERSION,
    connectors,
    period: { start: options.period.start, end: options.period.end },
    costView: options.costView ?? 'billed',
    costRows,
    usageEvents,
    sets,
  };
  return { ...inputs, digest: sha256(canonicalJson(inputs)) };
}

/** Totals and what each CostCenter was attributed, from the run's report. */
export function runOutcome(report: Report): RunOutcome {
  const byCostCenter = new Map<string, Money>();
  const rows = new Map<string, string[]>();
  for (const row of report.rows) {
    const key = row.costCenter ?? '';
    rows.set(key, [...(rows.get(key) ?? []), canonicalJson(row)]);
    if (row.costCenter === null) continue;
    byCostCenter.set(row.costCenter, (byCostCenter.get(row.costCenter) ?? ZERO).plus(row.cost));
  }
  const rowsByCostCenter = Object.fromEntries(
    [...rows]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([cc, texts]) => [cc, sha256(texts.sort().join('\n'))]),
  );
  return {
    currency: report.currency,
    billed: report.totals.billed,
    attributed: report.totals.attributed,
    unattributed: report.totals.unattributed,
    byCostCenter: Object.fromEntries(
      [...byCostCenter].sort(([a], [b]) => (a < b ? -1 : 1)).map(([cc, m]) => [cc, moneyText(m)]),
    ),
    rowsByCostCenter,
  };
}

/** Keeps a run's input digests and outcome with it, replacing any kept before. */
export async function saveRunInputs(
  sql: Sql,
  runId: number,
  inputs: RunInputs,
  outcome: RunOutcome,
): Promise<void> {
  await sql.query(
    `INSERT INTO run_inputs (run_id, connectors, period_start, period_end, cost_view, digest,
                             inputs, outcome)
     VALUES ($1, $2::text[], $3, $4, $5, $6, $7::jsonb, $8::jsonb)
     ON CONFLICT (run_id) DO UPDATE
       SET connectors = excluded.connectors, period_start = excluded.period_start,
           period_end = excluded.period_end, cost_view = excluded.cost_view,
           digest = excluded.digest, inputs = excluded.inputs, outcome = excluded.outcome`,
    [
      runId,
      inputs.connectors,
      inputs.period.start,
      inputs.period.end,
      inputs.costView,
      inputs.digest,
      JSON.stringify(inputs),
      JSON.stringify(outcome),
    ],
  );
}

// Every column that reaches attribution or an explanation, nulls told apart from values; the
// export's file name is left out, as it differs between two copies of the same export. An event
// stored with no attributes and one stored with an empty set of them digest alike.
// TODO: a column added to cost_rows or usage_events later is not digested until it is named here.
const COST_ROW_TEXT = `format(
  '%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L',
  id, source_line, provider, billing_account_id, sub_account_id,
  extract(epoch FROM billing_period_start), extract(epoch FROM billing_period_end),
  extract(epoch FROM charge_period_start), extract(epoch FROM charge_period_end),
  charge_category, charge_type, service_name, usage_type, region, resource_id, model, token_class,
  quantity, unit, billed_cost, currency, principal, tags::text, effective_cost, list_cost
) || late::text`;

const USAGE_EVENT_TEXT = `format(
  '%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L',
  request_id, extract(epoch FROM ts), provider, model, input_tokens, cache_read_tokens,
  cache_write_tokens, output_tokens, reasoning_tokens, cost, latency_ms, status,
  caller_service_account, caller_spiffe_id, caller_api_key_id, caller_user, caller_aws_principal,
  caller_gcp_principal, caller_azure_principal, service, account, region,
  coalesce(attributes, '{}'::jsonb)::text
)`;

/** Each row's hash summed: the same rows give the same sum in any order, on either back end. */
function hashSum(rowText: string): string {
  return `coalesce(sum(hashtextextended(${rowText}, 0)::numeric), 0)::text`;
}

async function costRowDigests(sql: Sql, connectors: string[]): Promise<CostRowsDigest[]> {
  // Every row of the connectors, as the run reads them, not only the period's.
  const rows = await sql.query<Record<string, string>>(
    `SELECT connector, source, count(*)::text AS rows, sum(billed_cost)::text AS billed,
            sum(coalesce(effective_cost, billed_cost))::text AS effective,
            ${hashSum(COST_ROW_TEXT)} AS hash
       FROM cost_rows
      WHERE connector = ANY($1::text[])
      GROUP BY connector, source
      ORDER BY connector, source`,
    [connectors],
  );
  return rows.map((r) => ({
    connector: String(r.connector),
    source: String(r.source),
    rows: Number(r.rows),
    billed: moneyText(new Money(String(r.billed))),
    effective: moneyText(new Money(String(r.effective))),
    hash: String(r.hash),
  }));
}

async function usageDayDigests(
  sql: Sql,
  period: { start: string; end: string },
): Promise<UsageDayDigest[]> {
  const sum = (column: string) => `coalesce(sum(${column}), 0)::text AS ${column}`;
  const rows = await sql.query<Record<string, string>>(
    `SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)::text AS events,
            ${sum('input_tokens')}, ${sum('cache_read_tokens')}, ${sum('cache_write_tokens')},
            ${sum('output_tokens')}, ${sum('reasoning_tokens')}, ${sum('cost')},
            ${hashSum(USAGE_EVENT_TEXT)} AS hash
       FROM usage_events
      WHERE ts >= $1 AND ts < $2
      GROUP BY 1
      ORDER BY 1`,
    [period.start, period.end],
  );
  return rows.map((r) => ({
    day: String(r.day),
    events: Number(r.events),
    inputTokens: String(r.input_tokens),
    cacheReadTokens: String(r.cache_read_tokens),
    cacheWriteTokens: String(r.cache_write_tokens),
    outputTokens: String(r.output_tokens),
    reasoningTokens: String(r.reasoning_tokens),
    cost: moneyText(new Money(String(r.cost))),
    hash: String(r.hash),
  }));
}

interface Entry {
  key: string;
  content: unknown;
  origin?: { file: string; line: number };
}

function clusterSets(state: ClusterState): Record<string, DigestSet> {
  const named = (meta: { name: string; namespace?: string }) =>
    meta.namespace === undefined ? meta.name : `${meta.namespace}/${meta.name}`;
  const entries = <T extends { metadata: { name: string; namespace?: string }; origin: Origin }>(
    objects: T[],
    key: (o: T) => string = (o) => named(o.metadata),
  ): Entry[] =>
    objects.map((o) => {
      const { origin, ...content } = o;
      return { key: key(o), content, origin };
    });
  return {
    CostCenter: digestSet(entries(state.costCenters)),
    Workload: digestSet(entries(state.workloads, (w) => `${w.kind} ${named(w.metadata)}`)),
    ServiceAccount: digestSet(entries(state.serviceAccounts)),
    Namespace: digestSet(entries(state.namespaces)),
    AttributionPolicy: digestSet(entries(state.policies)),
    CloudConnector: digestSet(entries(state.connectors)),
  };
}

/**
 * Objects keyed by name, each digested without where it was declared; the declaration's line is
 * kept beside it with its file relative to the folder all the set's files share, so two checkouts
 * of the same manifests in different places digest alike while a moved line is still seen.
 */
function digestSet(entries: Entry[]): DigestSet {
  const root = commonFolder(entries.flatMap((e) => (e.origin ? [e.origin.file] : [])));
  const byKey = new Map<string, ObjectDigest[]>();
  for (const e of entries) {
    const object: ObjectDigest = { digest: sha256(canonicalJson(e.content), OBJECT_DIGEST_HEX) };
    if (e.origin) object.at = `${relativeTo(root, e.origin.file)}:${e.origin.line}`;
    byKey.set(e.key, [...(byKey.get(e.key) ?? []), object]);
  }
  // Two objects of one name (declared twice) are kept as one, in an order of their own.
  const objects: Record<string, ObjectDigest> = {};
  for (const key of [...byKey.keys()].sort()) {
    const same = byKey.get(key)!.sort((a, b) => (canonicalJson(a) < canonicalJson(b) ? -1 : 1));
    objects[key] =
      same.length === 1
        ? same[0]!
        : {
            digest: sha256(canonicalJson(same.map((o) => o.digest)), OBJECT_DIGEST_HEX),
            at: same.map((o) => o.at ?? '').join(', '),
          };
  }
  const set: DigestSet = { count: entries.length, digest: sha256(canonicalJson(objects)) };
  if (entries.length <= MAX_NAMED_OBJECTS) set.objects = objects;
  return set;
}

function commonFolder(files: string[]): string {
  if (files.length === 0) return '';
  const split = files.map((f) => path.dirname(f).split(/[\\/]/));
  const first = split[0]!;
  let n = 0;
  while (n < first.length && split.every((parts) => parts[n] === first[n])) n++;
  return first.slice(0, n).join('/');
}

function relativeTo(root: string, file: string): string {
  if (root === '' || root === '.') return file.replace(/\\/g, '/');
  return file.replace(/\\/g, '/').slice(root.length).replace(/^\/+/, '');
}

/**
 * A CODEOWNERS file's rules where the lookup carries them (a parsed file does).
 * TODO: a lookup without `rules` is digested by its file name alone; a change to its content
 * goes unseen.
 */
function codeownersContent(lookup: OwnershipLookup): unknown {
  const rules = (lookup as { rules?: unknown }).rules;
  return Array.isArray(rules) ? { rules } : { file: lookup.file };
}

/** One entry per provider, model and tier, its versions in the order the book weighs them. */
function priceBookEntries(book: PriceBook): Entry[] {
  const { versions, aliases } = book.contents();
  const byModel = new Map<string, PriceVersion[]>();
  for (const v of versions) {
    const key = `${v.provider} ${v.model} ${v.tier}`;
    byModel.set(key, [...(byModel.get(key) ?? []), v]);
  }
  const entries: Entry[] = [...byModel].map(([key, versions]) => ({
    key,
    content: versions.map((v) => ({
      ...v,
      perToken: Object.fromEntries(
        Object.entries(v.perToken).map(([cls, price]) => [cls, moneyText(price)]),
      ),
    })),
  }));
  entries.push({ key: 'aliases', content: aliases });
  return entries;
}

/** JSON with object keys sorted and undefined members left out: one text per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Money.isDecimal(value)) return JSON.stringify(moneyText(value as Money));
  if (value instanceof Map) return canonicalJson(Object.fromEntries(value));
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  const members = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
  return `{${members.join(',')}}`;
}

function sha256(text: string, hexDigits = 64): string {
  return createHash('sha256').update(text).digest('hex').slice(0, hexDigits);
}
