// `argmin attribute` as a user runs it: a separate process, its stdout, stderr and exit code.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const TSX = path.resolve('node_modules/.bin/tsx');
const MAIN = path.resolve('cli/main.ts');

async function argmin(...args: string[]) {
  const env = { ...process.env, DATABASE_URL: '' };
  try {
    const { stdout, stderr } = await run(TSX, [MAIN, ...args], { env, maxBuffer: 1 << 26 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A copy of the minimal example with one broken row, one broken reference, one missing source. */
async function brokenExample(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'argmin-broken-'));
  await cp('examples/minimal', dir, { recursive: true });

  const curFile = path.join(dir, 'data/cur/minimal-00001.csv');
  const [header, ...rows] = parse(await readFile(curFile, 'utf8')) as string[][];
  const costColumn = header!.indexOf('line_item_unblended_cost');
  // The second data row (line 3) is the credit: give it a cost that is not a number.
  rows[1]![costColumn] = 'minus thirty';
  const quoted = [header!, ...rows].map((r) =>
    r.map((f) => `"${f.replace(/"/g, '""')}"`).join(','),
  );
  await writeFile(curFile, `${quoted.join('\n')}\n`);

  const manifests = path.join(dir, 'manifests.yaml');
  const text = await readFile(manifests, 'utf8');
  await writeFile(
    manifests,
    text
      .replace('argmin.io/cost-center: demo', 'argmin.io/cost-center: ghost')
      .replace(
        '      url: file://data/cur/',
        '      url: file://data/cur/\n    - name: logs\n      format: aws-bedrock-invocation-logs\n      url: file://data/missing/',
      ),
  );
  return dir;
}

// Each case starts a process that compiles TypeScript and boots an embedded PostgreSQL.
const PROCESS_TIMEOUT_MS = 120_000;

describe('argmin attribute, as a process', { timeout: PROCESS_TIMEOUT_MS }, () => {
  it('prints one JSON document and nothing else on stdout, and exits 0', async () => {
    const { code, stdout } = await argmin('attribute', 'examples/minimal', '--format', 'json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.currency).toBe('USD');
    expect(report.period).toEqual({ start: '2026-10-01T00:00:00Z', end: '2026-11-01T00:00:00Z' });
    expect(report.totals).toEqual({
      billed: '5.3',
      attributed: '5.3',
      unattributed: '0',
      byChargeCategory: { Usage: '30', Purchase: '5', Tax: '0.3', Credit: '-30' },
    });
    for (const row of report.rows) {
      expect(Object.keys(row)).toEqual([
        'costCenter',
        'service',
        'team',
        'person',
        'provider',
        'model',
        'chargeCategory',
        'confidence',
        'evidence',
        'cost',
      ]);
      expect(typeof row.cost).toBe('string');
    }
  });

  it('reports the effective view with --cost effective, and refuses a view it does not know', async () => {
    const effective = await argmin(
      'attribute',
      'examples/minimal',
      '--format',
      'json',
      '--cost',
      'effective',
    );
    expect(effective.code).toBe(0);
    const report = JSON.parse(effective.stdout);
    expect(report.costView).toBe('effective');
    expect(report.totals.attributed).toBe(report.totals.billed);

    const unknown = await argmin('attribute', 'examples/minimal', '--cost', 'amortised');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('billed, effective');
  });

  it('prints a readable table by default', async () => {
    const { code, stdout } = await argmin('attribute', 'examples/minimal');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Cost center\s+Cost\s+Share\s+Confidence$/m);
    expect(stdout).toMatch(/^demo\s+5\.30\s+100\.0%\s+0\.50$/m);
    expect(stdout).toMatch(/^Unattributed\s+0\.00/m);
  });

  it('quarantines bad input by file, line and field, still reports the rest, and exits 2', async () => {
    const dir = await brokenExample();
    const { code, stdout, stderr } = await argmin('attribute', dir, '--format', 'json');
    expect(code).toBe(2);

    const report = JSON.parse(stdout);
    expect(report.totals.billed).toBe('35.3');
    const problems = report.quarantined.map(
      (q: { file: string; line: number; field: string }) =>
        `${path.basename(q.file)}:${q.line}:${q.field}`,
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'minimal-00001.csv:3:line_item_unblended_cost',
        'manifests.yaml:65:spec.sources[1].url',
        'manifests.yaml:20:metadata.annotations.argmin.io/cost-center',
      ]),
    );
    expect(stderr).toContain('names CostCenter ghost, which does not exist');
    expect(stderr).toMatch(/3 inputs quarantined/);
  });

  it('names the refused file when nothing of the bill could be kept', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'argmin-foreign-'));
    await cp('examples/minimal', dir, { recursive: true });
    await writeFile(path.join(dir, 'data/cur/other.csv'), 'not,a,cur\n');
    const { code, stdout, stderr } = await argmin('attribute', dir, '--format', 'json');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('no AI spend in the bills');
    expect(stderr).toContain('other.csv:1: identity_line_item_id');
    // The place is said once, not again inside the reason.
    expect(stderr).not.toMatch(/other\.csv:1:.*other\.csv:1:/);
  });

  it('fails with a clear message when the folder does not exist', async () => {
    const { code, stdout, stderr } = await argmin('attribute', 'no/such/folder');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('no/such/folder: no such folder of manifests');
  });
});
