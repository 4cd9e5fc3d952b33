// The report as one HTML file a finance person can open anywhere: the totals, spend flowing from
// providers to cost centers, each cost center's figures with their confidence and basis, and a
// budget burn-down per budgeted cost center. Everything is inline and drawn in advance; the page
// runs no script and its content security policy forbids every fetch.
import { Money } from './money.js';
import type { BudgetBurn } from './report-html-budgets.js';
import { escapeXml, renderSankey } from './report-html-sankey.js';
import type { GroupedReport } from './report-query.js';
import type { CostCenter } from './resources.js';

export interface HtmlReportInputs {
  /** Grouped by cost center. */
  summary: GroupedReport;
  /** Grouped by provider, model, service, team and cost center. */
  flows: GroupedReport;
  burns: BudgetBurn[];
  costCenters: CostCenter[];
}

const CHART_WIDTH_PX = 520;
const CONFIDENCE_BAR_PX = 60;
/** Argmin never claims more; a full bar means as sure as it ever is. */
const CONFIDENCE_CAP = 0.95;
const CHART_HEIGHT_PX = 200;
const CHART_MARGIN_PX = { left: 56, right: 12, top: 12, bottom: 28 };

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; color: #1d232a; margin: 24px auto; max-width: 1140px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.muted { color: #5b6670; } .totals { display: flex; gap: 28px; flex-wrap: wrap; margin: 12px 0; }
.totals div { min-width: 150px; } .totals b { display: block; font-size: 20px; }
table { border-collapse: collapse; } th, td { padding: 3px 10px; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr + tr td { border-top: 1px solid #e3e7ea; }
.estimate { font-style: italic; color: #6b5b00; }
.basis { font-size: 12px; padding: 1px 6px; border-radius: 8px; background: #e6f0e6; }
.basis.estimate { background: #fff3c4; }
svg text { font: 11px system-ui, sans-serif; fill: #1d232a; } svg text.column { fill: #5b6670; }
svg text.label { paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
.charts { display: flex; flex-wrap: wrap; gap: 18px; }
.burn { border: 1px solid #e3e7ea; border-radius: 6px; padding: 8px 10px; }
.burn h3 { font-size: 15px; margin: 0; } .over { color: #b3261e; font-weight: 600; }
`;

export function renderReportHtml(inputs: HtmlReportInputs): string {
  const { summary } = inputs;
  const sankey = renderSankey(inputs.flows, inputs.costCenters);
  const { start, end } = summary.period;
  const currency = escapeXml(summary.currency);
  const t = summary.totals;
  const estimated = new Money(t.estimated);

  const totals = [
    figure('Billed', t.billed, currency, 'billed'),
    figure('Attributed', t.attributed, currency, 'attributed'),
    figure('Unattributed', t.unattributed, currency, 'unattributed'),
    ...(estimated.isZero() && t.unpricedRequests === 0
      ? []
      : [figure('Estimated, not yet billed', t.estimated, currency, 'estimated')]),
  ];
  const undrawn =
    sankey.undrawn.paths === 0
      ? ''
      : `<p class="muted">${sankey.undrawn.paths} paths with a net cost of ` +
        `${sankey.undrawn.cost} ${currency} are not positive and are not drawn.</p>`;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AI spend ${start.slice(0, 10)} to ${end.slice(0, 10)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>AI spend ${start.slice(0, 10)} to ${end.slice(0, 10)}</h1>
<p class="muted">${currency}, ${escapeXml(summary.costView)} cost, attribution run ${summary.runId}.
Billed figures reconcile to the bill exactly; estimates come from requests the bill does not cover
yet${summary.billedThrough ? ` (the bill covers usage up to ${escapeXml(summary.billedThrough)})` : ''}.
Confidence is how sure the attribution is, never above 0.95; fainter flows are less certain.</p>
<div class="totals">${totals.join('')}</div>
${unpricedNote(t.unpricedRequests)}
<h2>Where the spend flows</h2>
${sankey.svg}
${undrawn}
<h2>By cost center</h2>
${costCenterTable(summary)}
<h2>Budgets</h2>
${inputs.burns.length === 0 ? '<p class="muted">No cost center has a budget.</p>' : ''}
<div class="charts">
${inputs.burns.map((b) => burnDown(b)).join('\n')}
</div>
</body>
</html>
`;
}

function figure(label: string, amount: string, currency: string, name: string): string {
  return (
    `<div><span class="muted">${label}</span>` +
    `<b data-total="${name}" data-amount="${amount}">${money(amount)} ${currency}</b></div>`
  );
}

function unpricedNote(unpriced: number): string {
  if (unpriced === 0) return '';
  return `<p class="muted">${unpriced} requests after the bill carry no cost and are not estimated.</p>`;
}

function costCenterTable(summary: GroupedReport): string {
  const billed = new Money(summary.totals.billed);
  const rows = summary.groups.map((g) => {
    const name = g.key.costCenter ?? '(unattributed)';
    const share = billed.isZero()
      ? '-'
      : `${new Money(g.cost).dividedBy(billed).times(100).toFixed(1)}%`;
    const estimate = g.basis === 'estimate';
    return (
      `<tr class="${g.basis}" data-cost-center="${escapeXml(name)}" data-basis="${g.basis}"` +
      ` data-cost="${g.cost}" data-confidence="${g.confidence ?? ''}">` +
      `<td>${escapeXml(name)}</td><td class="num">${money(g.cost)}</td>` +
      `<td class="num">${estimate ? '' : share}</td>` +
      `<td class="num">${confidenceBar(g.confidence)}</td>` +
      `<td><span class="basis ${g.basis}">${estimate ? `estimate, ${g.requests} requests` : 'billed'}</span></td></tr>`
    );
  });
  return (
    `<table class="cost-centers"><tr><th>Cost center</th><th class="num">Cost</th>` +
    `<th class="num">Share of billed</th><th class="num">Confidence</th><th>Basis</th></tr>` +
    `${rows.join('')}<tr class="total"><th>Billed total</th>` +
    `<th class="num">${money(summary.totals.billed)}</th><th class="num">100.0%</th>` +
    `<th></th><th></th></tr></table>`
  );
}

/** Budget left through the period: what was spent day by day, then the forecast to its end. */
function burnDown(burn: BudgetBurn): string {
  const { status, days } = burn;
  const amount = new Money(status.amount).toNumber();
  const forecast = new Money(status.forecast).toNumber();
  const known = days.filter((d) => !d.future);
  const lowest = Math.min(0, amount - forecast, ...days.map((d) => amount - d.cumulative));
  const { left, right, top, bottom } = CHART_MARGIN_PX;
  const w = CHART_WIDTH_PX - left - right;
  const h = CHART_HEIGHT_PX - top - bottom;
  const startMs = days[0]?.startMs ?? 0;
  const endMs = days[days.length - 1]?.endMs ?? startMs + 1;
  const x = (ms: number) => left + ((ms - startMs) / (endMs - startMs)) * w;
  const y = (remaining: number) =>
    top + ((amount - remaining) / Math.max(amount - lowest, Number.EPSILON)) * h;

  const spent = [`${x(startMs).toFixed(1)},${y(amount).toFixed(1)}`]
    .concat(known.map((d) => `${x(d.endMs).toFixed(1)},${y(amount - d.cumulative).toFixed(1)}`))
    .join(' ');
  const last = known[known.length - 1];
  const lastX = x(last?.endMs ?? startMs);
  const lastY = y(amount - (last?.cumulative ?? 0));
  const forecastLine =
    last && last.endMs < endMs
      ? `<line class="forecast" x1="${lastX.toFixed(1)}" y1="${lastY.toFixed(1)}"` +
        ` x2="${x(endMs).toFixed(1)}" y2="${y(amount - forecast).toFixed(1)}"` +
        ` stroke="#4e79a7" stroke-dasharray="5 4"/>`
      : '';
  const thresholds = status.thresholds.map((th) => {
    const ty = y(amount - new Money(th.amount).toNumber()).toFixed(1);
    const mark = th.crossedAt
      ? `<circle cx="${x(Date.parse(th.crossedAt)).toFixed(1)}" cy="${ty}" r="3" fill="#b3261e"/>`
      : '';
    return (
      `<g class="threshold" data-percent="${th.percent}" data-crossed-at="${th.crossedAt ?? ''}">` +
      `<line x1="${left}" x2="${left + w}" y1="${ty}" y2="${ty}" stroke="#c9ced3"` +
      ` stroke-dasharray="2 3"/><text x="${left + w - 2}" y="${Number(ty) - 3}"` +
      ` text-anchor="end">${th.percent}%</text>${mark}</g>`
    );
  });
  const ticks = [amount, 0, ...(lowest < 0 ? [lowest] : [])].map(
    (v) =>
      `<text x="${left - 6}" y="${y(v).toFixed(1)}" text-anchor="end" dominant-baseline="middle">` +
      `${v.toFixed(2)}</text>`,
  );
  const first = days[0]?.date ?? '';
  const lastDay = days[days.length - 1]?.date ?? '';
  const crossed = status.thresholds
    .filter((th) => th.crossedAt)
    .map((th) => `${th.percent}% on ${th.crossedAt!.slice(0, 10)}`);
  const name = escapeXml(status.costCenter);
  const over = status.exceeded ? ' <span class="over">over budget</span>' : '';
  const forecastOver =
    !status.exceeded && status.forecastExceeded ? ' <span class="over">forecast over</span>' : '';

  return `<div class="burn" data-cost-center="${name}" data-spend="${status.spend}"
 data-amount="${status.amount}" data-forecast="${status.forecast}">
<h3>${name}${over}${forecastOver}</h3>
<div class="muted">Gross usage ${money(status.spend)} of ${money(status.amount)} ${escapeXml(status.currency)}
(${status.usedPercent ?? '-'}%; ${money(status.net)} net of credits, tax and fees), forecast ${money(status.forecast)} by
${escapeXml(status.period.end.slice(0, 10))} (${escapeXml(status.forecastMethod)}).
${crossed.length > 0 ? `Crossed ${crossed.join(', ')}.` : 'No threshold crossed.'}</div>
<svg class="burn-down" xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH_PX}"
 height="${CHART_HEIGHT_PX}" viewBox="0 0 ${CHART_WIDTH_PX} ${CHART_HEIGHT_PX}" role="img"
 aria-label="Budget left for ${name}">
<rect x="${left}" y="${top}" width="${w}" height="${h}" fill="#f7f9fa"/>
<line x1="${left}" x2="${left + w}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}" stroke="#8a949c"/>
${thresholds.join('\n')}
<polyline class="spent" points="${spent}" fill="none" stroke="#1d232a" stroke-width="2"/>
${forecastLine}
${ticks.join('\n')}
<text x="${left}" y="${CHART_HEIGHT_PX - 8}">${escapeXml(first)}</text>
<text x="${left + w}" y="${CHART_HEIGHT_PX - 8}" text-anchor="end">${escapeXml(lastDay)}</text>
</svg>
<div class="muted">Budget left day by day; dashed, the forecast to the period's end; red dots,
thresholds crossed.</div>
</div>`;
}

/** The figure beside a bar as long as it is sure; a faded row would hide the unattributed one. */
function confidenceBar(confidence: number | null): string {
  if (confidence === null) return '-';
  const width = (CONFIDENCE_BAR_PX * Math.min(confidence, CONFIDENCE_CAP)) / CONFIDENCE_CAP;
  return (
    `${confidence.toFixed(2)} <svg class="confidence" width="${CONFIDENCE_BAR_PX}" height="8"` +
    ` aria-hidden="true"><rect width="${CONFIDENCE_BAR_PX}" height="8" fill="#e3e7ea"/>` +
    `<rect width="${width.toFixed(1)}" height="8" fill="#4e79a7"/></svg>`
  );
}

function money(amount: string): string {
  return new Money(amount).toFixed(2);
}
