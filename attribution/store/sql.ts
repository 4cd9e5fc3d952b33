// One small SQL surface over both back ends: PostgreSQL through `pg` when a database URL is given,
// the embedded PGlite otherwise. Both speak the same SQL, so the rest of Argmin writes it once.
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

export interface Sql {
  readonly backend: 'postgres' | 'pglite';
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs several statements separated by semicolons, without parameters. */
  exec(text: string): Promise<void>;
  /** Runs `work` in one transaction; it commits when `work` resolves and rolls back otherwise. */
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function connect(databaseUrl: string | undefined): Promise<Sql> {
  return databaseUrl ? connectPostgres(databaseUrl) : connectPglite();
}

function connectPostgres(databaseUrl: string): Sql {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  // An idle client's error (a server restart) must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  // A checked-out client's connection can drop between queries; the query in flight, or the next
  // one, reports it, so the client's own error event must not become an uncaught exception.
  pool.on('connect', (client) => client.on('error', () => undefined));

  const over = (client: pg.Pool | pg.PoolClient): Sql => ({
    backend: 'postgres',
    async query<T>(text: string, params?: unknown[]) {
      const result = await client.query(text, params as unknown[]);
      return result.rows as T[];
    },
    async exec(text: string) {
      await client.query(text);
    },
    async transaction<T>(work: (tx: Sql) => Promise<T>) {
      if (client !== pool) return work(over(client));
      const conn = await pool.connect();
      try {
        await conn.query('BEGIN');
        const value = await work(over(conn));
        await conn.query('COMMIT');
        return value;
      } catch (err) {
        await conn.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        conn.release();
      }
    },
    async close() {
      if (client === pool) await pool.end();
    },
  });
  return over(pool);
}

async function connectPglite(): Promise<Sql> {
  const db = await PGlite.create();
  type Tx = Pick<PGlite, 'query' | 'exec'>;

  const over = (client: Tx, inTransaction: boolean): Sql => ({
    backend: 'pglite',
    async query<T>(text: string, params?: unknown[]) {
      const result = await client.query<T>(text, params);
      return result.rows;
    },
    async exec(text: string) {
      await client.exec(text);
    },
    async transaction<T>(work: (tx: Sql) => Promise<T>) {
      if (inTransaction) return work(over(client, true));
      return db.transaction((tx) => work(over(tx, true)));
    },
    async close() {
      if (!inTransaction) await db.close();
    },
  });
  return over(db, false);
}
