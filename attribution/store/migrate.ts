// Applies the numbered SQL files in `migrations/` once each, in order, recording what ran; `before`
// stops short of the named file, as a database migrated by an earlier Argmin would stand.
import { readdir, readFile } from 'node:fs/promises';
import type { Sql } from './sql.js';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
// Any constant works; it only has to be the same for every Argmin process sharing a database.
const MIGRATION_LOCK_KEY = 4_147_001;

export async function migrate(sql: Sql, before?: string): Promise<string[]> {
  const files = (await readdir(MIGRATIONS_DIR))
    .filter((f) => f.endsWith('.sql') && (before === undefined || f < before))
    .sort();
  const applied: string[] = [];

  await sql.transaction(async (tx) => {
    // Two processes starting together must not both apply the same migration.
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.exec(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         name text PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const done = new Set(
      (await tx.query<{ name: string }>('SELECT name FROM schema_migrations')).map((r) => r.name),
    );

    for (const file of files) {
      if (done.has(file)) continue;
      await tx.exec(await readFile(new URL(file, MIGRATIONS_DIR), 'utf8'));
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
      applied.push(file);
    }
  });
  return applied;
}
