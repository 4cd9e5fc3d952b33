import { afterEach, describe, expect, it } from 'vitest';
import { freshPostgres, type TestDatabase } from '../../test/databases.js';
import { migrate } from './migrate.js';
import { connect } from './sql.js';
import { Store } from './store.js';

const COMPACT = '010_compact_allocations.sql';

const columns = `run_id, connector, cost_row_id, cost_center, service, team, person, provider, model,
                 charge_category, cost::text AS cost, confidence::text AS confidence, evidence,
                 account, charge_period_start, charge_period_end, source_file, requests, caller_key,
                 weight::text AS weight`;

describe('runs kept before allocations were written compactly', () => {
  let db: TestDatabase | undefined;
  afterEach(() => db?.drop());

  it('read back through the allocations view as they were written, on PostgreSQL', async () => {
    db = await freshPostgres();
    const client = await connect(db.url);
    let before: unknown[];
    try {
      // The schema as it stood before, with a run saved in it.
      await migrate(client, COMPACT);
      await client.query(
        `INSERT INTO attribution_runs (id, period_start, period_end, currency, billed, attributed,
                                       unattributed, cost_view)
         VALUES (7, '2026-10-01', '2026-11-01', 'USD', 10, 7.5, 2.5, 'billed')`,
      );
      const slice = (line: string, costCenter: string | null, cost: string, key: string | null) =>
        client.query(
          `INSERT INTO allocations (run_id, connector, cost_row_id, cost_center, service, provider,
                                    model, charge_category, cost, confidence, evidence, account,
                                    charge_period_start, charge_period_end, source_file,
                                    requests, caller_key, weight)
           VALUES (7, 'aws', $1, $2, 'search/ranker', 'aws', 'm', 'Usage', $3, $4, $5, '111',
                   '2026-10-03', '2026-10-04', 'cur.csv', 3, $6, 1200)`,
          [
            line,
            costCenter,
            cost,
            costCenter ? '0.85' : 0,
            JSON.stringify([{ evidence: `evidence for ${costCenter}`, confidence: 1 }]),
            key,
          ],
        );
      await slice('line-1', 'search', '5.000000001', 'k1');
      await slice('line-1', null, '2.5', null);
      await slice('line-2', 'search', '2.499999999', 'k1');
      before = await client.query(`SELECT ${columns} FROM allocations ORDER BY cost_row_id, cost`);
    } finally {
      await client.close();
    }

    const store = await Store.open(db.url);
    try {
      const after = await store.sql.query(
        `SELECT ${columns} FROM allocations ORDER BY cost_row_id, cost`,
      );
      expect(after).toEqual(before);
      expect(after).toHaveLength(3);
      const lines = await store.sql.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM run_lines',
      );
      expect(lines[0]?.n).toBe(2);
    } finally {
      await store.close();
    }
  });
});
