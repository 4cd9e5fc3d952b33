// The grouped report as text: a table for people and CSV for spreadsheets. Both show every figure
// exactly as the store summed it, with its basis, so a billed figure is never mistaken for a guess.
import { stringify } from 'csv-stringify/sync';
import { centsAddingUp, Money } from './money.js';
import type { GroupDimension, GroupedReport } from './report-query.js';

const NONE_LABELS: Record<GroupDimension, string> = {
  costCenter: '(unattributed)',
  team: '(no team)',
  service: '(no service)',
  person: '(no person)',
  provider: '(no provider)',
  model: '(no model)',
  account: '(no account)',
  day: '(no day)',
};

export function groupsCsv(report: GroupedReport): string {
  const header = [...report.groupBy, 'basis', 'cost', 'currency', 'confidence', 'requests'];
  const rows = report.groups.map((g) => [
    ...report.groupBy.map((d) => g.key[d] ?? ''),
    g.basis,
    g.cost,
    report.currency,
    g.confidence === null ? '' : String(g.confidence),
    String(g.requests),
  ]);
  return stringify([header, ...rows]);
}

export function groupsTable(report: GroupedReport): string {
  const billed = new Money(report.totals.billed);
  const { start, end } = report.period;
  const cut =
    report.filter.from || report.filter.to
      ? `, days ${report.filter.from ?? start.slice(0, 10)} to ${report.filter.to ?? end.slice(0, 10)}`
      : '';
  const header = [...report.groupBy, 'Basis', 'Cost', 'Share', 'Confidence'];
  const billedGroups = report.groups.filter((g) => g.basis === 'billed');
  const shown = new Map(
    centsAddingUp(
      billedGroups.map((g) => new Money(g.cost)),
      billed,
    ).map((text, i) => [billedGroups[i]!, text]),
  );
  const body = report.groups.map((g) => [
    ...report.groupBy.map((d) => g.key[d] ?? NONE_LABELS[d]),
    g.basis === 'estimate' ? `estimate (${g.requests} requests)` : 'billed',
    shown.get(g) ?? new Money(g.cost).toFixed(2),
    g.basis === 'billed' && !billed.isZero()
      ? `${new Money(g.cost).dividedBy(billed).times(100).toFixed(1)}%`
      : '-',
    g.confidence === null ? '-' : g.confidence.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const numeric = (i: number) => i >= report.groupBy.length + 1;
  const format = (cells: string[]) =>
    cells
      .map((c, i) => (numeric(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();

  const t = report.totals;
  const [attributed, unattributed] = centsAddingUp(
    [new Money(t.attributed), new Money(t.unattributed)],
    billed,
  );
  const lines = [
    `AI spend ${start.slice(0, 10)} to ${end.slice(0, 10)}${cut} (${report.currency}, ` +
      `${report.costView} cost, run ${report.runId})`,
    '',
    format(header),
    format(widths.map((w) => '-'.repeat(w))),
    ...body.map(format),
    '',
    `Billed        ${new Money(t.billed).toFixed(2)}  reconciled to the bill`,
    `Attributed    ${attributed}`,
    `Unattributed  ${unattributed}`,
  ];
  if (!new Money(t.estimated).isZero() || t.unpricedRequests > 0) {
    const through = report.billedThrough ? ` after ${report.billedThrough}` : '';
    lines.push(
      `Estimated     ${new Money(t.estimated).toFixed(2)}  requests${through}, not billed yet`,
    );
  }
  if (t.unpricedRequests > 0) {
    lines.push(`Unpriced      ${t.unpricedRequests} requests carry no cost to estimate from`);
  }
  return `${lines.join('\n')}\n`;
}
