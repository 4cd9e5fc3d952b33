// `argmin report --html` on the example organisation, opened in headless Chromium: what the page
// draws, checked against the JSON reports of the same folder, with every network request watched.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Money, type Report } from '../attribution/index.js';
import type { GroupedReport } from '../attribution/report-query.js';
import { freshPostgres, type TestDatabase } from './databases.js';

const run = promisify(execFile);
const ZERO = new Money(0);
const TSX = path.resolve('node_modules/.bin/tsx');
const MAIN = path.resolve('cli/main.ts');
const EXAMPLE = 'examples/acme';
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const BUDGETED = ['data-science', 'engineering', 'payments', 'platform', 'search', 'support'];
// Each process compiles TypeScript and attributes a month of the example in an embedded store.
const SETUP_TIMEOUT_MS = 300_000;

async function argmin(...args: string[]): Promise<string> {
  const env = { ...process.env, DATABASE_URL: '' };
  const { stdout } = await run(TSX, [MAIN, ...args], { env, maxBuffer: 1 << 26 });
  return stdout;
}

function byCostCenter(report: Report): Map<string, Money> {
  const sums = new Map<string, Money>();
  for (const row of report.rows) {
    const name = row.costCenter ?? '(unattributed)';
    sums.set(name, (sums.get(name) ?? ZERO).plus(row.cost));
  }
  return sums;
}

describe('argmin report --html in a browser', () => {
  let dir: string;
  let attributed: Report;
  let grouped: GroupedReport;
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];
  let fileUrl: string;
  let postgres: TestDatabase | undefined;
  let onPostgres: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing; .ci/run installs it`);
    dir = await mkdtemp(path.join(tmpdir(), 'argmin-report-'));
    const html = path.join(dir, 'report.html');
    postgres = await freshPostgres();
    const [attributeJson, reportJson, postgresJson] = await Promise.all([
      argmin('attribute', EXAMPLE, '--format', 'json'),
      argmin('report', EXAMPLE, '--format', 'json', '--html', html),
      argmin('report', EXAMPLE, '--format', 'json', '--database-url', postgres.url!),
    ]);
    onPostgres = postgresJson;
    attributed = JSON.parse(attributeJson) as Report;
    grouped = JSON.parse(reportJson) as GroupedReport;

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    context.on('request', (request) => requests.push(request.url()));
    page = await context.newPage();
    fileUrl = pathToFileURL(html).href;
    await page.goto(fileUrl, { waitUntil: 'load' });
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await postgres?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('groups the JSON report so its cost centers add up to the attribute report exactly', () => {
    expect(grouped.totals.billed).toBe(attributed.totals.billed);
    expect(grouped.totals.attributed).toBe(attributed.totals.attributed);
    const sum = grouped.groups.reduce((total, g) => total.plus(g.cost), ZERO);
    expect(sum.toFixed()).toBe(attributed.totals.billed);
    const expected = byCostCenter(attributed);
    for (const g of grouped.groups) {
      expect(g.basis).toBe('billed');
      expect(g.cost).toBe(expected.get(g.key.costCenter ?? '(unattributed)')?.toFixed());
    }
  });

  it('gives the same JSON, byte for byte, on PostgreSQL as on the embedded store', () => {
    expect(onPostgres).toBe(`${JSON.stringify(grouped, null, 2)}\n`);
  });

  it('loads the page alone: no request beyond the file, no script', async () => {
    expect(requests).toEqual([fileUrl]);
    expect(await page.evaluate(() => document.scripts.length)).toBe(0);
  });

  it('shows the billed total of the JSON report, exactly in data and to the cent in text', async () => {
    const billed = page.locator('[data-total="billed"]');
    expect(await billed.getAttribute('data-amount')).toBe(attributed.totals.billed);
    expect(await billed.innerText()).toBe(`${new Money(attributed.totals.billed).toFixed(2)} USD`);
    expect(await page.locator('[data-total="unattributed"]').getAttribute('data-amount')).toBe(
      attributed.totals.unattributed,
    );
  });

  it('draws a flow node per cost center of the example, labelled with its name and spend', async () => {
    const nodes = await page.$$eval('svg.sankey g.node[data-kind="costCenter"]', (els) =>
      els.map((el) => {
        const box = (el.querySelector('rect') as SVGRectElement).getBBox();
        return {
          name: el.getAttribute('data-name'),
          label: el.querySelector('text')?.textContent ?? '',
          height: box.height,
        };
      }),
    );
    const spend = byCostCenter(attributed);
    spend.set(
      'engineering',
      [...spend].filter(([n]) => n !== '(unattributed)').reduce((t, [, v]) => t.plus(v), ZERO),
    );
    expect(nodes.map((n) => n.name).sort()).toEqual([...spend.keys()].sort());
    for (const node of nodes) {
      expect(node.label).toBe(`${node.name} ${spend.get(node.name!)!.toFixed(2)}`);
      expect(node.height).toBeGreaterThan(0);
    }
  });

  it('keeps every flow label clear of the next column and of the labels beside it', async () => {
    const boxes = await page.$$eval('svg.sankey g.node', (els) =>
      els.map((el) => {
        const rect = (el.querySelector('rect') as SVGRectElement).getBBox();
        const text = el.querySelector('text') as SVGTextElement | null;
        const label = text?.getBBox();
        const box = label && { x: label.x, y: label.y, width: label.width, height: label.height };
        return { x: rect.x, label: box, name: text?.textContent };
      }),
    );
    const columns = [...new Set(boxes.map((b) => b.x))].sort((a, b) => a - b);
    const labelled = boxes.filter((b) => b.label);
    expect(labelled.length).toBeGreaterThan(10);
    for (const b of labelled) {
      const next = columns.find((x) => x > b.x);
      if (next !== undefined) expect(b.label!.x + b.label!.width, b.name!).toBeLessThan(next);
      for (const other of labelled) {
        if (other === b || other.x !== b.x) continue;
        const apart =
          b.label!.y + b.label!.height <= other.label!.y + 0.5 ||
          other.label!.y + other.label!.height <= b.label!.y + 0.5;
        expect(apart, `${b.name} / ${other.name}`).toBe(true);
      }
    }
  });

  it('draws links as wide as their spend: a larger cost is never a thinner link', async () => {
    const links = await page.$$eval('svg.sankey path.link', (els) =>
      els.map((el) => ({
        cost: el.getAttribute('data-cost')!,
        width: parseFloat(getComputedStyle(el).strokeWidth),
        opacity: parseFloat(getComputedStyle(el).strokeOpacity),
        into: el.getAttribute('data-target')!,
      })),
    );
    expect(links.length).toBeGreaterThan(20);
    const sorted = [...links].sort((a, b) => new Money(a.cost).comparedTo(b.cost));
    for (let i = 1; i < sorted.length; i++) {
      expect(sorted[i]!.width).toBeGreaterThanOrEqual(sorted[i - 1]!.width - 1e-6);
    }
    // Links into cost centers carry the spend each one's node is labelled with.
    const toSearch = links.filter((l) => l.into === 'costCenter:search');
    const search = toSearch.reduce((t, l) => t.plus(l.cost), ZERO);
    expect(search.toFixed(2)).toBe(byCostCenter(attributed).get('search')!.toFixed(2));
    // Confidence shows as opacity: the unattributed flow is the faintest there is.
    const unattributed = links.find((l) => l.into === 'costCenter:')!;
    expect(unattributed.opacity).toBe(Math.min(...links.map((l) => l.opacity)));
    expect(new Set(links.map((l) => l.opacity)).size).toBeGreaterThan(3);
  });

  it('draws one burn-down per budgeted cost center, with the spend budgets judge', async () => {
    const charts = await page.$$eval('.burn', (els) =>
      els.map((el) => ({
        name: el.getAttribute('data-cost-center'),
        amount: el.getAttribute('data-amount'),
        points: el.querySelector('polyline.spent')?.getAttribute('points')?.split(' ').length ?? 0,
        width: el.querySelector('svg.burn-down')?.getBoundingClientRect().width ?? 0,
        text: (el as HTMLElement).innerText,
      })),
    );
    expect(charts.map((c) => c.name)).toEqual(BUDGETED);
    const support = charts.find((c) => c.name === 'support')!;
    expect(support.amount).toBe('20.00');
    expect(support.text).toContain('over budget');
    for (const chart of charts) {
      // The period's start, then the end of each of October's 31 days.
      expect(chart.points).toBe(32);
      expect(chart.width).toBeGreaterThan(100);
    }
  });

  it('shows each cost center’s confidence and whether its figure is billed', async () => {
    const rows = await page.$$eval('table.cost-centers tr[data-cost-center]', (els) =>
      els.map((el) => [el.getAttribute('data-cost-center'), el.getAttribute('data-basis')]),
    );
    expect(rows).toHaveLength(6);
    expect(rows.every(([, basis]) => basis === 'billed')).toBe(true);
    const text = await page.locator('table.cost-centers').innerText();
    expect(text).toMatch(/support\s+25\.44\s+13\.0%\s+0\.\d\d\s+billed/);
  });
});
