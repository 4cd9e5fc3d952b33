import { describe, expect, it } from 'vitest';
import type { Report, ReportRow } from './report.js';
import { renderTable } from './report-table.js';

const row = (costCenter: string | null, service: string, cost: string): ReportRow => ({
  costCenter,
  service,
  team: null,
  person: null,
  provider: 'aws',
  model: null,
  chargeCategory: 'Usage',
  cost,
  confidence: costCenter ? 0.9 : 0,
  evidence: [],
});

function report(rows: ReportRow[], totals: Report['totals'], costView: Report['costView']) {
  return {
    currency: 'USD',
    costView,
    period: { start: '2026-10-01T00:00:00Z', end: '2026-11-01T00:00:00Z' },
    totals,
    rows,
    outOfScope: { rows: 0, cost: '0' },
    quarantined: [],
  } satisfies Report;
}

/** The cents of the amount column of the table under `header`, as printed. */
function column(text: string, header: string): number[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(header)) + 2;
  const body = lines.slice(start, lines.indexOf('', start));
  return body.map((l) => Math.round(Number(/(-?\d+\.\d{2})\s+-?[\d.]+%/.exec(l)![1]) * 100));
}

describe('renderTable', () => {
  // Three thirds of a cent each: rounded one by one they would show 3.00 under a total of 3.02.
  const thirds = report(
    [row('a', 'ns/a', '1.005'), row('b', 'ns/b', '1.005'), row(null, 'ns/c', '1.005')],
    { billed: '3.015', attributed: '2.01', unattributed: '1.005', byChargeCategory: {} },
    'billed',
  );

  it('prints amounts that add up to the total it prints, in every column', () => {
    const text = renderTable(thirds);
    expect(text).toMatch(/^Billed\s+3\.02$/m);
    expect(column(text, 'Cost center').reduce((a, b) => a + b, 0)).toBe(302);
    expect(column(text, 'Service').reduce((a, b) => a + b, 0)).toBe(302);
    const attributed = /^Attributed\s+(\d+\.\d{2})/m.exec(text)![1]!;
    const unattributed = /^Unattributed\s+(\d+\.\d{2})/m.exec(text)![1]!;
    expect(Math.round((Number(attributed) + Number(unattributed)) * 100)).toBe(302);
  });

  it('names the total after the cost view it reports', () => {
    expect(renderTable({ ...thirds, costView: 'effective' })).toMatch(/^Effective\s+3\.02$/m);
  });
});
