// Reads and writes of Argmin's records. Writes are batched: one statement per batch, whatever its
// size, through `jsonb_to_recordset`, which PostgreSQL and PGlite both run.
import type {
  CostRow,
  Group,
  Person,
  Quarantined,
  UsageEvent,
  UsageStatus,
  Provider,
  WorkloadBinding,
} from '../model.js';
import { assignDefined } from '../model.js';
import { CostDelivery } from './cost-staging.js';
import { costRowRecord, fromCostRowRecord, type CostRowRecord } from './cost-row-record.js';
import { migrate } from './migrate.js';
import { connect, type Sql } from './sql.js';

export class Store {
  private constructor(readonly sql: Sql) {}

  /** Opens PostgreSQL when `databaseUrl` is set, the embedded PGlite otherwise, and migrates it. */
  static async open(databaseUrl: string | undefined): Promise<Store> {
    const sql = await connect(databaseUrl);
    try {
      await migrate(sql);
    } catch (err) {
      await sql.close();
      throw err;
    }
    return new Store(sql);
  }

  close(): Promise<void> {
    return this.sql.close();
  }

  /**
   * Replaces everything one source of a connector holds for the given billing periods with `rows`:
   * a re-delivered export supersedes the previous delivery instead of adding to it.
   */
  async replaceCostRows(
    connector: string,
    source: string,
    periodStarts: string[],
    rows: CostRow[],
  ): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.query(
        `DELETE FROM cost_rows
          WHERE connector = $1 AND source = $2 AND billing_period_start = ANY($3::timestamptz[])`,
        [connector, source, periodStarts],
      );
      for (const batch of batches(rows)) {
        await tx.query(
          `INSERT INTO cost_rows
           SELECT $1, r.id, r.file, r.line, r.provider, r.billing_account_id, r.sub_account_id,
                  r.billing_period_start, r.billing_period_end, r.charge_period_start,
                  r.charge_period_end, r.charge_category, r.charge_type, r.service_name,
                  r.usage_type, r.region, r.resource_id, r.model, r.token_class, r.quantity,
                  r.unit, r.billed_cost, r.currency, r.principal, coalesce(r.tags, '{}'),
                  r.effective_cost, r.list_cost, $3
             FROM jsonb_to_recordset($2::jsonb) AS r(
                  id text, file text, line int, provider text, billing_account_id text,
                  sub_account_id text, billing_period_start timestamptz,
                  billing_period_end timestamptz, charge_period_start timestamptz,
                  charge_period_end timestamptz, charge_category text, charge_type text,
                  service_name text, usage_type text, region text, resource_id text, model text,
                  token_class text, quantity numeric, unit text, billed_cost numeric,
                  currency text, principal text, tags jsonb, effective_cost numeric,
                  list_cost numeric)`,
          [connector, JSON.stringify(batch.map(costRowRecord)), source],
        );
      }
    });
  }

  /**
   * Starts a delivery of one billing source, written batch by batch as it is read and swapped in
   * whole by `commit`, or dropped by `discard`: memory stays flat whatever the export's size.
   */
  beginCostDelivery(connector: string, source: string): Promise<CostDelivery> {
    return CostDelivery.begin(this.sql, connector, source);
  }

  /** Stores events once each, keyed on their request id; returns how many were new. */
  async insertUsageEvents(events: UsageEvent[], origin: string): Promise<number> {
    let inserted = 0;
    for (const batch of batches(events)) {
      // No attributes are stored as null: '{}' on every row costs bytes that null does not.
      const rows = await this.sql.query<{ n: number }>(
        `WITH added AS (
           INSERT INTO usage_events (
                  request_id, ts, provider, model, input_tokens, cache_read_tokens,
                  cache_write_tokens, output_tokens, reasoning_tokens, cost, latency_ms, status,
                  caller_service_account, caller_spiffe_id, caller_api_key_id, caller_user,
                  caller_aws_principal, service, account, region, attributes, origin,
                  caller_gcp_principal, caller_azure_principal)
           SELECT e."requestId", e."timestamp", e.provider, e.model, e."inputTokens",
                  e."cacheReadTokens", e."cacheWriteTokens", e."outputTokens",
                  e."reasoningTokens", e.cost, e."latencyMs", e.status,
                  e.identity->>'serviceAccount', e.identity->>'spiffeId',
                  e.identity->>'apiKeyId', e.identity->>'user', e.identity->>'awsPrincipal',
                  e.service, e.account, e.region, nullif(e.attributes, '{}'), $2,
                  e.identity->>'gcpPrincipal', e.identity->>'azurePrincipal'
             FROM jsonb_to_recordset($1::jsonb) AS e(
                  "requestId" text, "timestamp" timestamptz, provider text, model text,
                  "inputTokens" int, "cacheReadTokens" int, "cacheWriteTokens" int,
                  "outputTokens" int, "reasoningTokens" int, cost numeric,
                  "latencyMs" int, status text, identity jsonb, service text, account text,
                  region text, attributes jsonb)
           -- No conflict target: the same insert keeps its word on usage_events partitioned by
           -- time, whose unique key must carry ts as well as the request id.
           ON CONFLICT DO NOTHING
           RETURNING 1)
         SELECT count(*)::int AS n FROM added`,
        [JSON.stringify(batch), origin],
      );
      inserted += rows[0]?.n ?? 0;
    }
    return inserted;
  }

  /** Replaces an identity inventory's people and groups with a fresh read of it. */
  async replaceInventory(inventory: string, people: Person[], groups: Group[]): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.query('DELETE FROM people WHERE inventory = $1', [inventory]);
      await tx.query('DELETE FROM groups WHERE inventory = $1', [inventory]);
      for (const batch of batches(people)) {
        await tx.query(
          `INSERT INTO people
           SELECT $1, p.id, p."userName", p."displayName", coalesce(p.emails, '[]'), p.active,
                  p."costCenter", p.department, p."managerId", coalesce(p.groups, '[]'),
                  p.source->>'file', (p.source->>'line')::int
             FROM jsonb_to_recordset($2::jsonb) AS p(
                  id text, "userName" text, "displayName" text, emails jsonb, active boolean,
                  "costCenter" text, department text, "managerId" text, groups jsonb,
                  source jsonb)
           ON CONFLICT (inventory, id) DO NOTHING`,
          [inventory, JSON.stringify(batch)],
        );
      }
      for (const batch of batches(groups)) {
        await tx.query(
          `INSERT INTO groups
           SELECT $1, g.id, g."displayName", coalesce(g."memberIds", '[]'),
                  g.source->>'file', (g.source->>'line')::int
             FROM jsonb_to_recordset($2::jsonb) AS g(
                  id text, "displayName" text, "memberIds" jsonb, source jsonb)
           ON CONFLICT (inventory, id) DO NOTHING`,
          [inventory, JSON.stringify(batch)],
        );
      }
    });
  }

  /** Replaces the workload-identity bindings an identity inventory states with a fresh read. */
  async replaceBindings(inventory: string, bindings: WorkloadBinding[]): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.query('DELETE FROM workload_bindings WHERE inventory = $1', [inventory]);
      for (const batch of batches(bindings)) {
        await tx.query(
          `INSERT INTO workload_bindings
           SELECT $1, b.provider, b.principal, b."serviceAccount", b.evidence,
                  b.source->>'file', (b.source->>'line')::int
             FROM jsonb_to_recordset($2::jsonb) AS b(
                  provider text, principal text, "serviceAccount" text, evidence text,
                  source jsonb)
           ON CONFLICT (inventory, provider, principal, service_account) DO NOTHING`,
          [inventory, JSON.stringify(batch)],
        );
      }
    });
  }

  async bindings(): Promise<WorkloadBinding[]> {
    const rows = await this.sql.query<Record<string, unknown>>(
      `SELECT inventory, provider, principal, service_account, evidence, source_file, source_line
         FROM workload_bindings ORDER BY inventory, principal, service_account`,
    );
    return rows.map((r) => ({
      provider: r.provider as WorkloadBinding['provider'],
      principal: String(r.principal),
      serviceAccount: String(r.service_account),
      evidence: String(r.evidence),
      source: {
        connector: String(r.inventory),
        file: String(r.source_file),
        line: Number(r.source_line),
      },
    }));
  }

  async recordQuarantine(items: Quarantined[]): Promise<void> {
    for (const batch of batches(items)) {
      await this.sql.query(
        `INSERT INTO quarantine (connector, source_file, source_line, field, reason)
         SELECT q.source->>'connector', q.source->>'file', (q.source->>'line')::int, q.field,
                q.reason
           FROM jsonb_to_recordset($1::jsonb) AS q(source jsonb, field text, reason text)`,
        [JSON.stringify(batch)],
      );
    }
  }

  /** Cost rows of the given connectors, in a stable order. */
  async costRows(connectors: string[]): Promise<CostRow[]> {
    const rows = await this.sql.query<CostRowRecord & { connector: string }>(
      `SELECT connector, id, source_file AS file, source_line AS line, provider,
              billing_account_id, sub_account_id,
              ${iso('billing_period_start')}, ${iso('billing_period_end')},
              ${iso('charge_period_start')}, ${iso('charge_period_end')},
              charge_category, charge_type, service_name, usage_type, region, resource_id,
              model, token_class, quantity::text AS quantity, unit,
              billed_cost::text AS billed_cost, currency, principal, tags,
              effective_cost::text AS effective_cost, list_cost::text AS list_cost, late
         FROM cost_rows
        WHERE connector = ANY($1::text[])
        ORDER BY connector, source, charge_period_start, id`,
      [connectors],
    );
    return rows.map(fromCostRowRecord);
  }

  /** Usage events whose timestamp falls in [start, end), in a stable order. */
  async usageEvents(start: string, end: string): Promise<UsageEvent[]> {
    const rows = await this.sql.query<Record<string, unknown>>(
      `SELECT request_id, ${iso('ts')}, provider, model,
              input_tokens::text, cache_read_tokens::text, cache_write_tokens::text,
              output_tokens::text, reasoning_tokens::text, cost::text AS cost, latency_ms,
              status, caller_service_account, caller_spiffe_id, caller_api_key_id, caller_user,
              caller_aws_principal, service, account, region, attributes,
              caller_gcp_principal, caller_azure_principal
         FROM usage_events
        WHERE ts >= $1 AND ts < $2
        ORDER BY ts, request_id`,
      [start, end],
    );
    return rows.map(fromUsageEventRecord);
  }

  async people(): Promise<Person[]> {
    const rows = await this.sql.query<Record<string, unknown>>(
      `SELECT inventory, id, user_name, display_name, emails, active, cost_center, department,
              manager_id, groups, source_file, source_line
         FROM people ORDER BY inventory, id`,
    );
    return rows.map((r) => ({
      id: String(r.id),
      userName: String(r.user_name),
      displayName: (r.display_name as string | null) ?? null,
      emails: r.emails as string[],
      active: Boolean(r.active),
      costCenter: (r.cost_center as string | null) ?? null,
      department: (r.department as string | null) ?? null,
      managerId: (r.manager_id as string | null) ?? null,
      groups: r.groups as string[],
      source: {
        connector: String(r.inventory),
        file: String(r.source_file),
        line: Number(r.source_line),
      },
    }));
  }

  async groups(): Promise<Group[]> {
    const rows = await this.sql.query<Record<string, unknown>>(
      `SELECT inventory, id, display_name, member_ids, source_file, source_line
         FROM groups ORDER BY inventory, id`,
    );
    return rows.map((r) => ({
      id: String(r.id),
      displayName: String(r.display_name),
      memberIds: r.member_ids as string[],
      source: {
        connector: String(r.inventory),
        file: String(r.source_file),
        line: Number(r.source_line),
      },
    }));
  }
}

const BATCH_ROWS = 2_000;

function* batches<T>(items: T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += BATCH_ROWS) yield items.slice(i, i + BATCH_ROWS);
}

/** Timestamps leave the store as ISO 8601 UTC text, the same from either back end. */
function iso(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS ${column}`;
}

function fromUsageEventRecord(r: Record<string, unknown>): UsageEvent {
  const event: UsageEvent = {
    requestId: String(r.request_id),
    timestamp: String(r.ts),
    provider: r.provider as Provider,
    model: (r.model as string | null) ?? null,
  };
  const count = (v: unknown) => (v === null || v === undefined ? undefined : Number(v));
  const text = (v: unknown) => (v === null || v === undefined ? undefined : String(v));
  const optional: Partial<UsageEvent> = {
    inputTokens: count(r.input_tokens),
    cacheReadTokens: count(r.cache_read_tokens),
    cacheWriteTokens: count(r.cache_write_tokens),
    outputTokens: count(r.output_tokens),
    reasoningTokens: count(r.reasoning_tokens),
    cost: text(r.cost),
    latencyMs: count(r.latency_ms),
    status: text(r.status) as UsageStatus | undefined,
    service: text(r.service),
    account: text(r.account),
    region: text(r.region),
  };
  assignDefined(event, optional);
  const identity = {
    serviceAccount: text(r.caller_service_account),
    spiffeId: text(r.caller_spiffe_id),
    apiKeyId: text(r.caller_api_key_id),
    user: text(r.caller_user),
    awsPrincipal: text(r.caller_aws_principal),
    gcpPrincipal: text(r.caller_gcp_principal),
    azurePrincipal: text(r.caller_azure_principal),
  };
  const known = Object.entries(identity).filter(([, v]) => v !== undefined);
  if (known.length > 0) event.identity = Object.fromEntries(known);
  // Null is how the store keeps no attributes; an empty object, were one written, reads the same.
  const attributes = r.attributes as Record<string, string> | null;
  if (attributes && Object.keys(attributes).length > 0) event.attributes = attributes;
  return event;
}
