// The paths a run's callers took, kept beside its allocations: for each caller and each snapshot
// of the cluster, the path chosen, the ones that lost, and when that snapshot held. An explanation
// reads them back from the store alone, with no cluster state at hand.
import { createHash } from 'node:crypto';
import { confidenceNumber, pathConfidence, type Attribution, type Edge } from './evidence.js';
import { AttributionGraph, type GraphInputs } from './graph.js';
import type { CallerIdentity, UsageEvent } from './model.js';
import type { Sql } from './store/index.js';

const BATCH_ROWS = 2_000;
/** Hex digits of a path key: 96 bits, no collision among a run's few thousand paths. */
const PATH_KEY_HEX_DIGITS = 24;

/** One step of a path as explanations show it. */
export interface EdgeView {
  evidence: string;
  confidence: number;
  validFrom?: string;
  validUntil?: string;
}

/** A path from spend to where it lands, as explanations show it. */
export interface PathView {
  costCenter: string | null;
  service: string | null;
  team: string | null;
  person: string | null;
  confidence: number;
  edges: EdgeView[];
}

/** Who called, as a request carried it: what a path is looked up by. */
export interface CallerRef {
  identity: CallerIdentity;
  service: string | null;
  account: string | null;
}

export interface CallerPath {
  caller: CallerRef;
  /** The snapshot of the cluster the path held in; null is open-ended. */
  heldFrom: string | null;
  heldUntil: string | null;
  pathKey: string;
  chosen: PathView | null;
  alternatives: PathView[];
}

/** The short, stable name of a group of requests that went the same way. */
export function pathKey(groupKey: string): string {
  return createHash('sha256').update(groupKey).digest('hex').slice(0, PATH_KEY_HEX_DIGITS);
}

export function pathView(a: Attribution): PathView {
  return {
    costCenter: a.costCenter,
    service: a.service,
    team: a.team,
    person: a.person,
    confidence: a.costCenter ? confidenceNumber(pathConfidence(a.edges)) : 0,
    edges: a.edges.map(edgeView),
  };
}

export function edgeView(e: Edge): EdgeView {
  return {
    evidence: e.evidence,
    confidence: confidenceNumber(e.confidence),
    ...(e.validFrom ? { validFrom: e.validFrom } : {}),
    ...(e.validUntil ? { validUntil: e.validUntil } : {}),
  };
}

/** What reconciliation asks of a resolver, as far as the paths it resolves are concerned. */
interface CallerResolver {
  resolveEvent(event: UsageEvent): Attribution | null;
  resolveCaller(
    identity: CallerIdentity,
    service?: string,
    at?: string,
    account?: string,
  ): Attribution | null;
}

interface Seen {
  caller: CallerRef;
  at: string | undefined;
  resolved: Attribution | null;
}

/**
 * Records every path a resolver hands out during a run, once per caller and snapshot, and keeps
 * them with the run. The key of a path is the text of the very attribution reconciliation groups
 * requests by, so allocations and paths meet on it.
 */
export class RunPaths {
  private readonly graph: AttributionGraph;
  private readonly seen = new Map<string, Seen>();

  constructor(inputs: GraphInputs) {
    this.graph = new AttributionGraph(inputs);
  }

  /** `resolver`, with each path it resolves recorded here. */
  recording<T extends CallerResolver>(resolver: T): T {
    const record = (caller: CallerRef, at: string | undefined, resolved: Attribution | null) => {
      const epoch = this.graph.epochOf(at);
      const key = JSON.stringify([caller.identity, caller.service, caller.account, epoch]);
      if (!this.seen.has(key)) this.seen.set(key, { caller, at, resolved });
    };
    return new Proxy(resolver, {
      get(target, property, receiver) {
        if (property === 'resolveEvent') {
          return (event: UsageEvent) => {
            const resolved = target.resolveEvent(event);
            const caller = {
              identity: event.identity ?? {},
              service: event.service ?? null,
              account: event.account ?? null,
            };
            record(caller, event.timestamp, resolved);
            return resolved;
          };
        }
        if (property === 'resolveCaller') {
          return (identity: CallerIdentity, service?: string, at?: string, account?: string) => {
            const resolved = target.resolveCaller(identity, service, at, account);
            record({ identity, service: service ?? null, account: account ?? null }, at, resolved);
            return resolved;
          };
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  /** Every path recorded, with the alternatives that lost to it. */
  paths(): CallerPath[] {
    return [...this.seen.values()].map(({ caller, at, resolved }) => {
      const held = this.graph.heldAt(at);
      const service = caller.service ?? undefined;
      const lost = this.graph.alternatives(caller.identity, service, at, resolved);
      return {
        caller,
        heldFrom: held.from,
        heldUntil: held.until,
        pathKey: pathKey(JSON.stringify(resolved)),
        chosen: resolved ? pathView(resolved) : null,
        alternatives: lost.map(pathView),
      };
    });
  }

  async save(sql: Sql, runId: number): Promise<void> {
    const paths = this.paths();
    await sql.transaction(async (tx) => {
      for (let i = 0; i < paths.length; i += BATCH_ROWS) {
        await tx.query(
          `INSERT INTO run_paths (run_id, caller, held_from, held_until, path_key, chosen,
                                  alternatives)
           SELECT $1, p.caller, p."heldFrom", p."heldUntil", p."pathKey", p.chosen, p.alternatives
             FROM jsonb_to_recordset($2::jsonb) AS p(
                  caller jsonb, "heldFrom" timestamptz, "heldUntil" timestamptz, "pathKey" text,
                  chosen jsonb, alternatives jsonb)`,
          [runId, JSON.stringify(paths.slice(i, i + BATCH_ROWS))],
        );
      }
    });
  }
}

interface PathRecord {
  caller: CallerRef;
  held_from: string | null;
  held_until: string | null;
  path_key: string;
  chosen: PathView | null;
  alternatives: PathView[];
}

const PATH_COLUMNS = `caller, ${iso('held_from')}, ${iso('held_until')}, path_key, chosen,
                      alternatives`;

/** The path a caller took at a moment in a run, or null when the run kept none for it. */
export async function pathAt(
  sql: Sql,
  runId: number,
  caller: CallerRef,
  at: string,
): Promise<CallerPath | null> {
  const [found] = await sql.query<PathRecord>(
    `SELECT ${PATH_COLUMNS} FROM run_paths
      WHERE run_id = $1 AND caller = $2::jsonb
        AND (held_from IS NULL OR held_from <= $3) AND (held_until IS NULL OR held_until > $3)
      LIMIT 1`,
    [runId, JSON.stringify(caller), at],
  );
  return found ? fromRecord(found) : null;
}

/** Every caller path of a run that went one way, keyed as its allocations are. */
export async function pathsByKey(sql: Sql, runId: number, keys: string[]): Promise<CallerPath[]> {
  if (keys.length === 0) return [];
  const rows = await sql.query<PathRecord>(
    `SELECT ${PATH_COLUMNS} FROM run_paths
      WHERE run_id = $1 AND path_key = ANY($2::text[])
      ORDER BY held_from NULLS FIRST, caller::text`,
    [runId, keys],
  );
  return rows.map(fromRecord);
}

function fromRecord(r: PathRecord): CallerPath {
  return {
    caller: r.caller,
    heldFrom: r.held_from,
    heldUntil: r.held_until,
    pathKey: r.path_key,
    chosen: r.chosen,
    alternatives: r.alternatives,
  };
}

function iso(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS ${column}`;
}
