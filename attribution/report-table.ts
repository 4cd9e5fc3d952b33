// The report as people read it: spend by cost center, then by service, then the totals.
import { centsAddingUp, Money, ZERO } from './money.js';
import type { Report, ReportRow } from './report.js';

const UNATTRIBUTED_LABEL = '(unattributed)';
const NO_SERVICE_LABEL = '(no service)';

export function renderTable(report: Report): string {
  const billed = new Money(report.totals.billed);
  const lines: string[] = [];
  const { start, end } = report.period;
  lines.push(
    `AI spend ${start.slice(0, 10)} to ${end.slice(0, 10)} (${report.currency}, ${report.costView} cost)`,
  );
  lines.push('');

  const byCostCenter = summarize(report.rows, (r) => r.costCenter ?? UNATTRIBUTED_LABEL);
  const costCenterCosts = centsAddingUp(
    byCostCenter.map((s) => s.cost),
    billed,
  );
  lines.push(
    ...table(
      ['Cost center', 'Cost', 'Share', 'Confidence'],
      byCostCenter.map((s, i) => [
        s.name,
        costCenterCosts[i]!,
        share(s.cost, billed),
        s.confidence,
      ]),
    ),
  );
  lines.push('');

  const byService = summarize(
    report.rows,
    (r) => `${r.service ?? NO_SERVICE_LABEL}\t${r.costCenter ?? UNATTRIBUTED_LABEL}`,
  );
  const serviceCosts = centsAddingUp(
    byService.map((s) => s.cost),
    billed,
  );
  lines.push(
    ...table(
      ['Service', 'Cost center', 'Cost', 'Share', 'Confidence'],
      byService.map((s, i) => {
        const [service, costCenter] = s.name.split('\t') as [string, string];
        return [service, costCenter, serviceCosts[i]!, share(s.cost, billed), s.confidence];
      }),
    ),
  );
  lines.push('');

  const { totals } = report;
  const [attributed, unattributed] = centsAddingUp(
    [new Money(totals.attributed), new Money(totals.unattributed)],
    billed,
  );
  const totalLabel = report.costView === 'effective' ? 'Effective' : 'Billed';
  const width = Math.max(money(billed).length, attributed!.length, unattributed!.length);
  lines.push(`${totalLabel.padEnd(14)}${money(billed).padStart(width)}`);
  lines.push(
    `Attributed    ${attributed!.padStart(width)}  ${share(new Money(totals.attributed), billed)}`,
  );
  lines.push(
    `Unattributed  ${unattributed!.padStart(width)}  ${share(new Money(totals.unattributed), billed)}`,
  );
  const categories = Object.entries(totals.byChargeCategory).map(
    ([c, v]) => `${c} ${money(new Money(v))}`,
  );
  lines.push(`By charge     ${categories.join(', ')}`);
  if (report.outOfScope.rows > 0) {
    lines.push(
      `Not AI spend  ${report.outOfScope.rows} rows, ${money(new Money(report.outOfScope.cost))} (left out)`,
    );
  }
  if (report.quarantined.length > 0) {
    lines.push('');
    lines.push(`Quarantined   ${report.quarantined.length} inputs:`);
    for (const q of report.quarantined) {
      const field = q.field ? ` ${q.field}:` : '';
      lines.push(`  ${q.file}:${q.line}:${field} ${q.reason}`);
    }
  }
  return lines.join('\n') + '\n';
}

interface Summary {
  name: string;
  cost: Money;
  confidence: string;
}

/** Sums rows by a name, largest spend first, with spend-weighted confidence over gross usage. */
function summarize(rows: ReportRow[], nameOf: (row: ReportRow) => string): Summary[] {
  const sums = new Map<string, { cost: Money; weighted: Money; usage: Money }>();
  for (const row of rows) {
    const name = nameOf(row);
    const sum = sums.get(name) ?? { cost: ZERO, weighted: ZERO, usage: ZERO };
    const cost = new Money(row.cost);
    sum.cost = sum.cost.plus(cost);
    if (row.chargeCategory === 'Usage' && cost.isPositive()) {
      sum.usage = sum.usage.plus(cost);
      sum.weighted = sum.weighted.plus(cost.times(row.confidence));
    }
    sums.set(name, sum);
  }
  return [...sums.entries()]
    .map(([name, s]) => ({
      name,
      cost: s.cost,
      confidence: s.usage.isZero() ? '-' : s.weighted.dividedBy(s.usage).toFixed(2),
    }))
    .sort((a, b) => b.cost.comparedTo(a.cost) || (a.name < b.name ? -1 : 1));
}

function table(header: string[], body: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const format = (cells: string[]) =>
    cells
      .map((c, i) =>
        i === 0 || (i === 1 && header.length > 4) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!),
      )
      .join('  ')
      .trimEnd();
  return [format(header), format(widths.map((w) => '-'.repeat(w))), ...body.map(format)];
}

function money(amount: Money): string {
  return amount.toFixed(2);
}

function share(part: Money, whole: Money): string {
  return whole.isZero() ? '-' : `${part.dividedBy(whole).times(100).toFixed(1)}%`;
}
