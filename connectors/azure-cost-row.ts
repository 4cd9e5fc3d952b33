// One Azure cost details row to one CostRow. Every value the row is judged on is checked here, so
// a bad row is quarantined naming its column instead of reaching a bill total.
//
// Azure delivers the two views of spend as two exports, so each fills one side of a row: an
// actual-cost row is what the invoice says (its effective cost counts nothing), an amortized row
// is the effective cost (its billed cost counts nothing). With both exports as sources of one
// CloudConnector, `--cost billed` totals the actual export and `--cost effective` the amortized
// one, and neither view counts a cent twice.
import { Decimal } from 'decimal.js';
import type { ChargeCategory, CostRow, SourceRef } from '../attribution/index.js';
import type { AzureColumn, AzureColumns } from './azure-cost-columns.js';
import type { AzureDataset } from './azure-cost-view.js';
import { parseAzureOpenAiMeter, tokenUnit } from './azure-openai-meters.js';
import { memoize, parseDecimal } from './field-values.js';

/** The service names Azure AI inference bills under, as this reader writes `serviceName`. */
export const AZURE_OPENAI_SERVICE = 'Azure OpenAI';
export const AZURE_FOUNDRY_MODELS_SERVICE = 'Foundry Models';

const CHARGE_CATEGORIES: Readonly<Record<string, ChargeCategory>> = {
  usage: 'Usage',
  unusedreservation: 'Usage',
  unusedsavingsplan: 'Usage',
  purchase: 'Purchase',
  refund: 'Credit',
  credit: 'Credit',
  tax: 'Tax',
  roundingadjustment: 'Adjustment',
};

const COMMITMENT_PRICING = new Set(['reservation', 'savingsplan']);

/** Columns that may be blank: purchases and Marketplace rows leave meters, resource and usage out. */
const MUST_HAVE_TEXT: readonly AzureColumn[] = [
  'date',
  'cost',
  'currency',
  'billingAccountId',
  'billingPeriodStart',
  'billingPeriodEnd',
  'chargeType',
];

const dateOf = memoize(parseAzureDate);
const tagsOf = memoize(parseAzureTags);

export type AzureRowResult =
  { ok: true; row: CostRow } | { ok: false; field: string; reason: string };

export interface AzureRowContext {
  columns: AzureColumns;
  dataset: AzureDataset;
  id: string;
  source: SourceRef;
}

export function toAzureCostRow(fields: readonly string[], ctx: AzureRowContext): AzureRowResult {
  const { columns } = ctx;
  const raw = (c: AzureColumn) => columns.value(fields, c);
  const text = (c: AzureColumn) => raw(c).trim();
  const fault = (c: AzureColumn, problem: string): AzureRowResult => {
    const field = columns.nameOf(c);
    return { ok: false, field, reason: `${field} ${problem}` };
  };
  // Names the bad value, shortened: it is billing metadata, never request content.
  const bad = (c: AzureColumn, expected: string) =>
    fault(c, `${JSON.stringify(raw(c).slice(0, 40))} is not ${expected}`);

  const blank = MUST_HAVE_TEXT.find((c) => text(c) === '');
  if (blank !== undefined) return fault(blank, 'is empty');

  const cost = parseDecimal(text('cost'));
  if (cost === null) return bad('cost', 'a decimal number');
  const day = dateOf(text('date'));
  if (day === null) return bad('date', 'a date');
  const periodStart = dateOf(text('billingPeriodStart'));
  if (periodStart === null) return bad('billingPeriodStart', 'a date');
  const periodLastDay = dateOf(text('billingPeriodEnd'));
  if (periodLastDay === null) return bad('billingPeriodEnd', 'a date');

  const quantity = text('quantity') === '' ? null : parseDecimal(text('quantity'));
  if (text('quantity') !== '' && quantity === null) return bad('quantity', 'a decimal number');
  const tags = tagsOf(raw('tags'));
  if (tags === null) return fault('tags', 'is not a JSON object of string tag values');
  const list = listCostOf(raw, quantity);
  if (!list.ok) return bad(list.column, 'a decimal number');
  const listCost = list.cost;

  const chargeType = text('chargeType');
  const charge = chargeType.replace(/\s+/g, '').toLowerCase();
  const commitment =
    COMMITMENT_PRICING.has(text('pricingModel').replace(/\s+/g, '').toLowerCase()) ||
    text('reservationId') !== '' ||
    text('benefitId') !== '';
  const meter = isAzureAiMeter(raw) ? parseAzureOpenAiMeter(text('meterName')) : null;
  const unit = text('unitOfMeasure');

  return {
    ok: true,
    row: {
      id: ctx.id,
      source: ctx.source,
      provider: 'azure',
      billingAccountId: text('billingAccountId'),
      // Logs write subscription ids upper-cased, exports lower-cased: one spelling for both.
      subAccountId: text('subscriptionId').toLowerCase(),
      billingPeriodStart: periodStart,
      // Azure names the period's last day; FOCUS periods end at the next midnight.
      billingPeriodEnd: nextDay(periodLastDay),
      chargePeriodStart: day,
      chargePeriodEnd: nextDay(day),
      chargeCategory: CHARGE_CATEGORIES[charge] ?? 'Adjustment',
      chargeType,
      serviceName: serviceNameOf(raw),
      usageType: text('meterName'),
      region: regionOf(text('resourceLocation')),
      resourceId: text('resourceId') === '' ? null : text('resourceId'),
      model: meter?.model ?? null,
      tokenClass: meter?.tokenClass ?? null,
      quantity,
      unit: unit === '' ? null : meter ? tokenUnit(unit) : unit,
      ...costsOf(ctx.dataset, cost, commitment && (charge === 'purchase' || charge === 'refund')),
      ...(listCost === null ? {} : { listCost }),
      currency: text('currency'),
      principal: null,
      tags: { ...tags },
    },
  };
}

/** Billed and effective cost of a row of the given dataset; see the note at the top. */
function costsOf(dataset: AzureDataset, cost: string, commitmentPurchase: boolean) {
  if (dataset === 'actual') return { billedCost: cost, effectiveCost: '0' };
  // Amortized data spreads a commitment over the usage it covers; should its purchase appear
  // there at all, it counts zero, so the commitment is never counted twice.
  return { billedCost: '0', effectiveCost: commitmentPurchase ? '0' : cost };
}

/** The public price of the usage: MCA gives it, EA gives the unit price to multiply. */
function listCostOf(
  raw: (c: AzureColumn) => string,
  quantity: string | null,
): { ok: true; cost: string | null } | { ok: false; column: AzureColumn } {
  const payGCost = raw('payGCost').trim();
  if (payGCost !== '') {
    const cost = parseDecimal(payGCost);
    return cost === null ? { ok: false, column: 'payGCost' } : { ok: true, cost };
  }
  const price = raw('payGPrice').trim();
  if (price === '' || quantity === null) return { ok: true, cost: null };
  const unitPrice = parseDecimal(price);
  if (unitPrice === null) return { ok: false, column: 'payGPrice' };
  const list = new Decimal(unitPrice).times(quantity);
  return { ok: true, cost: list.isZero() ? '0' : list.toFixed() };
}

/** Whether the row is Azure OpenAI or another Foundry model, whose meters name model and tokens. */
function isAzureAiMeter(raw: (c: AzureColumn) => string): boolean {
  return isAzureAiService(serviceNameOf(raw));
}

/** Whether a row's service, as this reader names it, is AI inference. */
export function isAzureAiService(serviceName: string): boolean {
  return serviceName === AZURE_OPENAI_SERVICE || serviceName === AZURE_FOUNDRY_MODELS_SERVICE;
}

/**
 * The service a row bills. Azure OpenAI has moved between meter categories (`Cognitive Services`,
 * now `Foundry Models`) while its product and subcategory kept the name, so any of them naming it
 * is enough. Purchases and Marketplace rows leave the meter category blank: the product names them.
 */
function serviceNameOf(raw: (c: AzureColumn) => string): string {
  const category = raw('meterCategory').trim();
  const named = [raw('productName'), raw('meterSubCategory'), category];
  if (named.some((n) => /\bopenai\b/i.test(n))) return AZURE_OPENAI_SERVICE;
  if (/^foundry models$/i.test(category)) return AZURE_FOUNDRY_MODELS_SERVICE;
  return category !== '' ? category : raw('productName').trim();
}

/** Regions as Azure's programmatic names: `East US`, `EastUS` and `eastus` are one region. */
export function regionOf(location: string): string | null {
  const region = location.replace(/\s+/g, '').toLowerCase();
  return region === '' ? null : region;
}

const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s.*)?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T\s].*)?$/;

/** Midnight UTC of an export's date: `MM/DD/YYYY` (Microsoft's CSV form) or `YYYY-MM-DD`. */
export function parseAzureDate(text: string): string | null {
  const us = US_DATE.exec(text.trim());
  const iso = ISO_DATE.exec(text.trim());
  const [year, month, day] = us ? [us[3], us[1], us[2]] : iso ? [iso[1], iso[2], iso[3]] : [];
  if (year === undefined || month === undefined || day === undefined) return null;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const real = date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
  return real ? `${date.toISOString().slice(0, 10)}T00:00:00Z` : null;
}

function nextDay(midnight: string): string {
  const next = new Date(Date.parse(midnight) + 24 * 60 * 60 * 1000);
  return `${next.toISOString().slice(0, 10)}T00:00:00Z`;
}

/**
 * Azure tags: a JSON object, or on some EA exports its members without the outer braces
 * (`"env": "prod","team": "x"`). Keys are kept as the user wrote them, the one key space AWS user
 * tags also reduce to. Null when the text is not string-valued JSON.
 */
export function parseAzureTags(text: string): Record<string, string> | null {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed.startsWith('{') ? trimmed : `{${trimmed}}`);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (value === null) continue;
    if (typeof value !== 'string') return null;
    tags[key.trim()] ??= value;
  }
  return tags;
}
