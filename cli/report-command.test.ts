import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Money } from '../attribution/index.js';
import type { GroupedReport } from '../attribution/report-query.js';
import { reportCommand } from './report-command.js';

const EXAMPLE = 'examples/minimal';

/** Runs `argmin report` in this process and returns what it printed on stdout. */
async function report(...args: string[]): Promise<string> {
  const out: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  try {
    await reportCommand()
      .exitOverride()
      .parseAsync([EXAMPLE, '--database-url', '', ...args], { from: 'user' });
  } finally {
    write.mockRestore();
  }
  return out.join('');
}

describe('argmin report on the minimal example', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'argmin-report-command-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints one JSON document whose groups add up to its billed total', async () => {
    const json = JSON.parse(await report('--format', 'json', '--group-by', 'day')) as GroupedReport;
    expect(json.groupBy).toEqual(['day']);
    expect(json.groups).toHaveLength(31);
    const sum = json.groups.reduce((t, g) => t.plus(g.cost), new Money(0));
    expect(sum.toFixed()).toBe(json.totals.billed);
    expect(json.groups.every((g) => g.basis === 'billed')).toBe(true);
  });

  it('prints CSV cut to the days asked for', async () => {
    const csv = await report(
      '--format',
      'csv',
      '-g',
      'costCenter,day',
      '--from',
      '2026-10-15',
      '--to',
      '2026-10-17',
    );
    const [header, ...rows] = parse(csv) as string[][];
    expect(header).toEqual([
      'costCenter',
      'day',
      'basis',
      'cost',
      'currency',
      'confidence',
      'requests',
    ]);
    expect(rows.map((r) => r[1]).sort()).toEqual(['2026-10-15', '2026-10-16']);
    expect(rows.every((r) => r[0] === 'demo' && r[2] === 'billed')).toBe(true);
  });

  it('prints a table with the totals and writes a page with no script and nothing fetched', async () => {
    const html = path.join(dir, 'minimal.html');
    const table = await report('--html', html);
    expect(table).toMatch(/^AI spend 2026-10-01 to 2026-11-01 \(USD, billed cost, run 1\)/);
    expect(table).toMatch(/demo\s+billed/);
    expect(table).toMatch(/Billed +\d+\.\d\d +reconciled to the bill/);
    const page = await readFile(html, 'utf8');
    expect(page).toContain('data-name="demo"');
    expect(page).toContain('class="burn" data-cost-center="demo"');
    expect(page).not.toMatch(/<script|<link|\ssrc=|\shref=|url\(/i);
  });

  it.each([
    [['--group-by', 'region'], /cannot group by region/],
    [['--from', '2026-10-32'], /--from must be an ISO date/],
  ])('refuses %j before reading anything', async (args, message) => {
    await expect(report(...args)).rejects.toThrow(message);
  });
});
