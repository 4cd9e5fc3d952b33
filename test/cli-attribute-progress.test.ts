// Read progress of `argmin attribute`: on stderr only, throttled, and never mixed into the report.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { progressReporter } from '../cli/attribute-command.js';

const run = promisify(execFile);
const TSX = path.resolve('node_modules/.bin/tsx');
const MAIN = path.resolve('cli/main.ts');
// The process compiles TypeScript and boots an embedded PostgreSQL.
const PROCESS_TIMEOUT_MS = 120_000;

async function argmin(...args: string[]) {
  const env = { ...process.env, DATABASE_URL: '' };
  return run(TSX, [MAIN, ...args], { env, maxBuffer: 1 << 26 });
}

describe('argmin attribute --progress, as a process', { timeout: PROCESS_TIMEOUT_MS }, () => {
  it('writes progress lines on stderr and keeps stdout one JSON document', async () => {
    const { stdout, stderr } = await argmin(
      'attribute',
      'examples/minimal',
      '--format',
      'json',
      '--progress',
    );
    expect(JSON.parse(stdout).totals.billed).toBe('5.3');
    expect(stdout).not.toContain('argmin:');
    expect(stderr).toMatch(/^argmin: read aws\/cur: 1 of 1 files, 4 rows, [\d,]+ rows\/s, /m);
  });

  it('writes no progress when stderr is not a terminal and no flag asks for it', async () => {
    const { stderr } = await argmin('attribute', 'examples/minimal', '--format', 'json');
    expect(stderr).not.toContain('rows/s');
  });
});

describe('progressReporter', () => {
  const source = { connector: 'aws', source: 'cur', files: 3 };

  it('writes at most one line an interval while a source is read, and always its last', () => {
    let clock = 0;
    const lines: string[] = [];
    const report = progressReporter(
      (line) => lines.push(line),
      () => clock,
    );

    report({ ...source, filesRead: 0, records: 0 });
    for (let step = 1; step <= 25; step++) {
      clock = step * 100;
      report({ ...source, filesRead: 1, records: step * 10_000 });
    }
    clock = 2_700;
    report({ ...source, filesRead: 3, records: 270_000 });

    expect(lines).toEqual([
      'argmin: reading aws/cur: 1 of 3 files, 100,000 rows, 100,000 rows/s, 1.0 s',
      'argmin: reading aws/cur: 1 of 3 files, 200,000 rows, 100,000 rows/s, 2.0 s',
      'argmin: read aws/cur: 3 of 3 files, 270,000 rows, 100,000 rows/s, 2.7 s',
    ]);
  });

  it('times each source from its own start', () => {
    let clock = 0;
    const lines: string[] = [];
    const report = progressReporter(
      (line) => lines.push(line),
      () => clock,
    );

    report({ ...source, files: 1, filesRead: 0, records: 0 });
    clock = 5_000;
    report({ ...source, files: 1, filesRead: 1, records: 10 });
    report({ ...source, source: 'logs', files: 1, filesRead: 0, records: 0 });
    clock = 5_500;
    report({ ...source, source: 'logs', files: 1, filesRead: 1, records: 1_000 });

    expect(lines).toEqual([
      'argmin: read aws/cur: 1 of 1 files, 10 rows, 2 rows/s, 5.0 s',
      'argmin: read aws/logs: 1 of 1 files, 1,000 rows, 2,000 rows/s, 0.5 s',
    ]);
  });
});
