// Databases for tests: the embedded PGlite, and a fresh database on the local PostgreSQL server
// (`ARGMIN_TEST_POSTGRES`, by default postgres://postgres@127.0.0.1:5432/postgres).
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN_URL = process.env.ARGMIN_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** What to pass as DATABASE_URL: undefined selects the embedded store. */
  url: string | undefined;
  drop(): Promise<void>;
}

export const BACKENDS = ['pglite', 'postgres'] as const;
export type Backend = (typeof BACKENDS)[number];

/** A fresh, empty database on the local PostgreSQL server, dropped by `drop()`. */
export async function freshPostgres(): Promise<TestDatabase> {
  const name = `argmin_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

export async function freshDatabase(backend: Backend): Promise<TestDatabase> {
  if (backend === 'postgres') return freshPostgres();
  return { url: undefined, drop: async () => undefined };
}
