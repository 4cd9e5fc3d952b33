// Re-running `argmin attribute` on a closed period, as a user does against a shared PostgreSQL:
// the same answer when nothing changed, and what changed when something did.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgres, type TestDatabase } from './databases.js';

const run = promisify(execFile);
const TSX = path.resolve('node_modules/.bin/tsx');
const MAIN = path.resolve('cli/main.ts');
const PROCESS_TIMEOUT_MS = 120_000;

describe(
  'argmin attribute, run again on the same period',
  { timeout: 4 * PROCESS_TIMEOUT_MS },
  () => {
    let db: TestDatabase;
    let dir: string;
    const argmin = async (...args: string[]) => {
      const env = { ...process.env, DATABASE_URL: db.url };
      const { stdout, stderr } = await run(TSX, [MAIN, ...args], { env, maxBuffer: 1 << 26 });
      return { stdout, stderr };
    };

    beforeAll(async () => {
      db = await freshPostgres();
      dir = await mkdtemp(path.join(tmpdir(), 'argmin-rerun-'));
      await cp('examples/acme', dir, { recursive: true });
    });
    afterAll(() => db.drop());

    it('gives the same report, says nothing changed, then names what did', async () => {
      const first = await argmin('attribute', dir, '--format', 'json');
      expect(first.stderr).not.toContain('previous run');

      const second = await argmin('attribute', dir, '--format', 'json');
      expect(second.stdout).toBe(first.stdout);
      expect(second.stderr).toContain('no change');

      // A CostCenter is renamed for display between runs: the re-run names it, and the money stays.
      const file = path.join(dir, 'cost-centers.yaml');
      const text = await readFile(file, 'utf8');
      expect(text).toContain('displayName: Search\n');
      await writeFile(
        file,
        text.replace('displayName: Search\n', 'displayName: Search and Discovery\n'),
      );
      const changed = 'search';
      const third = await argmin('attribute', dir, '--format', 'json');
      expect(third.stderr).toContain(`CostCenter ${changed} changed`);
      expect(third.stderr).toContain('the answer is the same');
      expect(JSON.parse(third.stdout).totals).toEqual(JSON.parse(first.stdout).totals);
    });
  },
);
