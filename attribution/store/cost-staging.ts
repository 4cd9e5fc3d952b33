// One billing delivery on its way into the store. Rows are staged batch by batch as the reader
// yields them, so no delivery is ever held in memory whole; the line-item duplicate check and the
// latest-delivery rule run in SQL; the swap into cost_rows is one transaction, so a report never
// sees half a bill, and a delivery with an unreadable file is discarded instead.
import { randomUUID } from 'node:crypto';
import type { CostRow } from '../model.js';
import { costRowRecord } from './cost-row-record.js';
import type { Sql } from './sql.js';

/**
 * Days after its billing period ends that a period stays open: bills settle for a few days after
 * the month (CUR finalization, Azure's rating delay). A row for a period closed by the previous
 * delivery of the same source arrives late.
 */
export const LATE_GRACE_DAYS = 5;

/** A line item seen twice in one delivery: the repeat, and where the item was first. */
export interface DuplicateLine {
  row: CostRow;
  first: { file: string; line: number };
}

export interface DeliverySwap {
  /** Rows now in the store for the periods the delivery covers. */
  rows: number;
  /** Of those, rows that arrived after their period had closed. */
  late: number;
  /** Billing periods replaced, ISO 8601 starts. */
  periods: string[];
}

const COLUMNS = `id, source_file, source_line, provider, billing_account_id, sub_account_id,
  billing_period_start, billing_period_end, charge_period_start, charge_period_end,
  charge_category, charge_type, service_name, usage_type, region, resource_id, model,
  token_class, quantity, unit, billed_cost, currency, principal, tags, effective_cost, list_cost`;

export class CostDelivery {
  private constructor(
    private readonly sql: Sql,
    readonly stagingId: string,
    readonly connector: string,
    readonly source: string,
  ) {}

  static async begin(sql: Sql, connector: string, source: string): Promise<CostDelivery> {
    // What a crashed sync of the same source staged is of no use to anyone.
    const owner = `${connector}\u001f${source}\u001f`;
    await sql.query('DELETE FROM cost_row_staging WHERE left(staging_id, length($1)) = $1', [
      owner,
    ]);
    return new CostDelivery(sql, `${owner}${randomUUID()}`, connector, source);
  }

  /**
   * Stages rows of one delivery (the key `FormatReader.deliveryOf` gives their file). A line item
   * already staged for the same delivery is not staged again and comes back as a duplicate.
   */
  async append(delivery: string, rows: CostRow[]): Promise<DuplicateLine[]> {
    const duplicates: DuplicateLine[] = [];
    const firstInBatch = new Map<string, CostRow>();
    const unique: CostRow[] = [];
    for (const row of rows) {
      const first = firstInBatch.get(row.id);
      if (first) duplicates.push({ row, first: first.source });
      else {
        firstInBatch.set(row.id, row);
        unique.push(row);
      }
    }
    if (unique.length === 0) return duplicates;

    const added = await this.sql.query<{ id: string }>(
      `INSERT INTO cost_row_staging (staging_id, delivery, ${COLUMNS})
       SELECT $1, $2, r.id, r.file, r.line, r.provider, r.billing_account_id, r.sub_account_id,
              r.billing_period_start, r.billing_period_end, r.charge_period_start,
              r.charge_period_end, r.charge_category, r.charge_type, r.service_name,
              r.usage_type, r.region, r.resource_id, r.model, r.token_class, r.quantity, r.unit,
              r.billed_cost, r.currency, r.principal, coalesce(r.tags, '{}'), r.effective_cost,
              r.list_cost
         FROM jsonb_to_recordset($3::jsonb) AS r(
              id text, file text, line int, provider text, billing_account_id text,
              sub_account_id text, billing_period_start timestamptz,
              billing_period_end timestamptz, charge_period_start timestamptz,
              charge_period_end timestamptz, charge_category text, charge_type text,
              service_name text, usage_type text, region text, resource_id text, model text,
              token_class text, quantity numeric, unit text, billed_cost numeric,
              currency text, principal text, tags jsonb, effective_cost numeric,
              list_cost numeric)
       ON CONFLICT (staging_id, delivery, id) DO NOTHING
       RETURNING id`,
      [this.stagingId, delivery, JSON.stringify(unique.map(costRowRecord))],
    );
    if (added.length === unique.length) return duplicates;

    const stagedNow = new Set(added.map((r) => r.id));
    const repeats = unique.filter((row) => !stagedNow.has(row.id));
    const firsts = await this.sql.query<{ id: string; source_file: string; source_line: number }>(
      `SELECT id, source_file, source_line FROM cost_row_staging
        WHERE staging_id = $1 AND delivery = $2 AND id = ANY($3::text[])`,
      [this.stagingId, delivery, repeats.map((r) => r.id)],
    );
    const firstOf = new Map(firsts.map((f) => [f.id, f]));
    for (const row of repeats) {
      const first = firstOf.get(row.id);
      duplicates.push({
        row,
        first: { file: first?.source_file ?? '', line: Number(first?.source_line ?? 0) },
      });
    }
    return duplicates.sort((a, b) => a.row.source.line - b.row.source.line);
  }

  /**
   * Swaps the staged rows in: for each billing period staged, the rows of its latest delivery
   * replace everything the source held for that period. Rows new to a period that had closed by
   * the source's previous delivery, and that the previous delivery held, are marked late; a row
   * seen before keeps its mark.
   */
  async commit(now: Date): Promise<DeliverySwap> {
    const params = [this.stagingId, this.connector, this.source];
    return this.sql.transaction(async (tx) => {
      // Delivery keys sort as the reader's keys do in code: byte order, not the database's locale.
      await tx.query(
        `DELETE FROM cost_row_staging s
          USING (SELECT billing_period_start, max(delivery COLLATE "C") AS delivery
                   FROM cost_row_staging WHERE staging_id = $1
                  GROUP BY billing_period_start) latest
          WHERE s.staging_id = $1 AND s.billing_period_start = latest.billing_period_start
            AND s.delivery <> latest.delivery`,
        [this.stagingId],
      );

      const previous = await tx.query<{ synced_at: string }>(
        `SELECT synced_at::text FROM billing_source_syncs WHERE connector = $1 AND source = $2`,
        [this.connector, this.source],
      );
      await tx.query(
        `UPDATE cost_row_staging s
            SET late = coalesce(
                  (SELECT c.late FROM cost_rows c
                    WHERE c.connector = $2 AND c.source = $3 AND c.id = s.id),
                  $4::timestamptz IS NOT NULL
                    AND s.billing_period_end + make_interval(days => $5) <= $4::timestamptz
                    -- A period the source never delivered before arrives whole, not late.
                    AND EXISTS (SELECT 1 FROM cost_rows c
                                 WHERE c.connector = $2 AND c.source = $3
                                   AND c.billing_period_start = s.billing_period_start))
          WHERE s.staging_id = $1`,
        [...params, previous[0]?.synced_at ?? null, LATE_GRACE_DAYS],
      );

      const periods = await tx.query<{ start: string }>(
        `SELECT DISTINCT to_char(billing_period_start AT TIME ZONE 'UTC',
                                 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS start
           FROM cost_row_staging WHERE staging_id = $1 ORDER BY start`,
        [this.stagingId],
      );
      await tx.query(
        `DELETE FROM cost_rows
          WHERE connector = $2 AND source = $3
            AND billing_period_start IN (
              SELECT billing_period_start FROM cost_row_staging WHERE staging_id = $1)`,
        params,
      );
      const [moved] = await tx.query<{ rows: number; late: number }>(
        `WITH moved AS (
           INSERT INTO cost_rows (connector, source, late, ${COLUMNS})
           SELECT $2, $3, late, ${COLUMNS} FROM cost_row_staging WHERE staging_id = $1
           RETURNING late)
         SELECT count(*)::int AS rows, count(*) FILTER (WHERE late)::int AS late FROM moved`,
        params,
      );
      await tx.query('DELETE FROM cost_row_staging WHERE staging_id = $1', [this.stagingId]);
      await tx.query(
        `INSERT INTO billing_source_syncs (connector, source, synced_at) VALUES ($1, $2, $3)
         ON CONFLICT (connector, source) DO UPDATE SET synced_at = excluded.synced_at`,
        [this.connector, this.source, now.toISOString()],
      );
      return {
        rows: moved?.rows ?? 0,
        late: moved?.late ?? 0,
        periods: periods.map((p) => p.start),
      };
    });
  }

  /** Drops what was staged; the store keeps the source's previous delivery. */
  async discard(): Promise<void> {
    await this.sql.query('DELETE FROM cost_row_staging WHERE staging_id = $1', [this.stagingId]);
  }
}
