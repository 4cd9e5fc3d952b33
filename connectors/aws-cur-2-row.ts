// One CUR 2.0 row to one CostRow. Every value the row is judged on is checked here, so a bad row is
// quarantined naming its column instead of reaching a bill total.
import type { ChargeCategory, CostRow, SourceRef, TokenClass } from '../attribution/index.js';
import { isBedrockMarketplaceService, isBedrockService } from './ai-services.js';
import {
  parseBedrockUsageType,
  parseMarketplaceUsageType,
  regionOfUsageType,
} from './bedrock-usage-type.js';
import { memoize, parseDecimal, parseTimestamp } from './field-values.js';
import { normalizeModelId } from './model-names.js';

/** Columns a CUR 2.0 file must have; a file without one of them is not read at all. */
export const REQUIRED_COLUMNS = [
  'identity_line_item_id',
  'identity_time_interval',
  'bill_payer_account_id',
  'bill_billing_period_start_date',
  'bill_billing_period_end_date',
  'line_item_usage_account_id',
  'line_item_line_item_type',
  'line_item_usage_start_date',
  'line_item_usage_end_date',
  'line_item_product_code',
  'line_item_usage_type',
  'line_item_unblended_cost',
  'line_item_currency_code',
] as const;

export const OPTIONAL_COLUMNS = [
  'line_item_operation',
  'line_item_resource_id',
  'line_item_usage_amount',
  'pricing_unit',
  'line_item_iam_principal',
  'line_item_line_item_description',
  'product',
  'resource_tags',
  'cost_category',
  'bill_billing_entity',
  'savings_plan_savings_plan_effective_cost',
  'reservation_effective_cost',
  'pricing_public_on_demand_cost',
] as const;

export type CurColumn = (typeof REQUIRED_COLUMNS)[number] | (typeof OPTIONAL_COLUMNS)[number];

/** Required columns that may be blank: tax and some credit lines bill no usage type or product. */
const MAY_BE_BLANK: ReadonlySet<CurColumn> = new Set([
  'line_item_product_code',
  'line_item_usage_type',
]);

const TIMESTAMP_COLUMNS = [
  'bill_billing_period_start_date',
  'bill_billing_period_end_date',
  'line_item_usage_start_date',
  'line_item_usage_end_date',
] as const;

const CHARGE_CATEGORIES: Readonly<Record<string, ChargeCategory>> = {
  Usage: 'Usage',
  DiscountedUsage: 'Usage',
  SavingsPlanCoveredUsage: 'Usage',
  SavingsPlanNegation: 'Usage',
  Fee: 'Purchase',
  RIFee: 'Purchase',
  SavingsPlanUpfrontFee: 'Purchase',
  SavingsPlanRecurringFee: 'Purchase',
  Tax: 'Tax',
  Credit: 'Credit',
  Refund: 'Credit',
  EdpDiscount: 'Credit',
  BundledDiscount: 'Credit',
  PrivateRateDiscount: 'Credit',
  Discount: 'Credit',
};

const timestampOf = memoize(parseTimestamp);
/** Shared between rows: read, never changed. */
const productOf = memoize(parseMap);
const tagsOf = memoize(parseTags);
const costCategoriesOf = memoize(parseCostCategories);

export type CurRowResult =
  { ok: true; row: CostRow } | { ok: false; field: CurColumn; reason: string };

/** `value` gives a column's text, empty for an optional column the file does not have. */
export function toCostRow(value: (column: CurColumn) => string, source: SourceRef): CurRowResult {
  const blank = REQUIRED_COLUMNS.find((c) => !MAY_BE_BLANK.has(c) && value(c).trim() === '');
  if (blank !== undefined) return fault(blank, 'is empty');

  const billedCost = parseDecimal(value('line_item_unblended_cost'));
  if (billedCost === null) return badValue('line_item_unblended_cost', value, 'a decimal number');

  const times: Partial<Record<(typeof TIMESTAMP_COLUMNS)[number], string>> = {};
  for (const column of TIMESTAMP_COLUMNS) {
    const time = timestampOf(value(column));
    if (time === null) return badValue(column, value, 'a timestamp');
    times[column] = time;
  }

  const amount = value('line_item_usage_amount').trim();
  const quantity = amount === '' ? null : parseDecimal(amount);
  if (amount !== '' && quantity === null) {
    return badValue('line_item_usage_amount', value, 'a decimal number');
  }

  const effective = effectiveCostOf(value, billedCost);
  if (!effective.ok) return badValue(effective.column, value, 'a decimal number');
  const listText = value('pricing_public_on_demand_cost').trim();
  const listCost = listText === '' ? null : parseDecimal(listText);
  if (listText !== '' && listCost === null) {
    return badValue('pricing_public_on_demand_cost', value, 'a decimal number');
  }

  const product = productOf(value('product'));
  if (product === null) return fault('product', 'is not a JSON object of the product attributes');
  const tags = tagsOf(value('resource_tags'));
  if (tags === null) return fault('resource_tags', 'is not a JSON object of string tag values');
  const costCategories = costCategoriesOf(value('cost_category'));
  if (costCategories === null) {
    return fault('cost_category', 'is not a JSON object of string category values');
  }

  const serviceName = text(product.product_name) ?? value('line_item_product_code').trim();
  const usageType = value('line_item_usage_type');
  const { model, tokenClass } = modelOf(serviceName, usageType);
  const chargeType = value('line_item_line_item_type').trim();

  return {
    ok: true,
    row: {
      id: `${value('identity_line_item_id').trim()}/${value('identity_time_interval').trim()}`,
      source,
      provider: 'aws',
      billingAccountId: value('bill_payer_account_id').trim(),
      subAccountId: value('line_item_usage_account_id').trim(),
      billingPeriodStart: times.bill_billing_period_start_date ?? '',
      billingPeriodEnd: times.bill_billing_period_end_date ?? '',
      chargePeriodStart: times.line_item_usage_start_date ?? '',
      chargePeriodEnd: times.line_item_usage_end_date ?? '',
      chargeCategory: CHARGE_CATEGORIES[chargeType] ?? 'Adjustment',
      chargeType,
      serviceName,
      usageType,
      region: text(product.region) ?? regionOfUsageType(usageType),
      resourceId: text(value('line_item_resource_id')),
      model,
      tokenClass,
      quantity,
      unit: text(value('pricing_unit')),
      billedCost,
      effectiveCost: effective.cost,
      ...(listCost === null ? {} : { listCost }),
      currency: value('line_item_currency_code').trim(),
      principal: text(value('line_item_iam_principal')),
      tags: { ...costCategories, ...tags },
    },
  };
}

/** Line types whose cost the amortized view has already spread over the usage they cover. */
const AMORTIZED_AWAY = new Set([
  'SavingsPlanNegation',
  'SavingsPlanUpfrontFee',
  'SavingsPlanRecurringFee',
  'RIFee',
]);

/**
 * The amortized view of a line: usage a commitment covers costs its effective rate, and the
 * commitment's own fees and the negation of covered usage count zero, so a commitment is never
 * counted twice. Every other line costs what it bills.
 */
function effectiveCostOf(
  value: (column: CurColumn) => string,
  billedCost: string,
): { ok: true; cost: string } | { ok: false; column: CurColumn } {
  const type = value('line_item_line_item_type').trim();
  if (AMORTIZED_AWAY.has(type)) return { ok: true, cost: '0' };
  const column: CurColumn | null =
    type === 'SavingsPlanCoveredUsage'
      ? 'savings_plan_savings_plan_effective_cost'
      : type === 'DiscountedUsage'
        ? 'reservation_effective_cost'
        : null;
  const text = column ? value(column).trim() : '';
  if (!column || text === '') return { ok: true, cost: billedCost };
  const cost = parseDecimal(text);
  return cost === null ? { ok: false, column } : { ok: true, cost };
}

/** Bedrock rows name their model in the usage type; Marketplace rows in the product name. */
export function modelOf(
  serviceName: string,
  usageType: string,
): { model: string | null; tokenClass: TokenClass | null } {
  if (isBedrockMarketplaceService(serviceName)) {
    return {
      model: normalizeModelId('aws', serviceName),
      tokenClass: parseMarketplaceUsageType(usageType),
    };
  }
  const usage = isBedrockService(serviceName) ? parseBedrockUsageType(usageType) : null;
  if (usage === null) return { model: null, tokenClass: null };
  return { model: normalizeModelId('aws', usage.billingName), tokenClass: usage.tokenClass };
}

/** A map column serialized as JSON text; blank means an empty map. */
function parseMap(json: string): Record<string, unknown> | null {
  if (json.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function parseTags(json: string): Record<string, string> | null {
  const map = parseMap(json);
  if (map === null) return null;
  const tags: Record<string, string> = {};
  for (const [key, tagValue] of Object.entries(map)) {
    if (tagValue === null) continue;
    if (typeof tagValue !== 'string') return null;
    tags[normalizeTagKey(key)] ??= tagValue;
  }
  return tags;
}

/** Cost categories join the tags under the key the newer tags map gives them: `costCategory/<Name>`. */
function parseCostCategories(json: string): Record<string, string> | null {
  const map = parseMap(json);
  if (map === null) return null;
  const tags: Record<string, string> = {};
  for (const [key, category] of Object.entries(map)) {
    if (category === null || category === '') continue;
    if (typeof category !== 'string') return null;
    tags[`costCategory/${key}`] = category;
  }
  return tags;
}

/**
 * One key space for tags whichever way the export spells them: user tags lose their `user_` (CUR
 * 2.0), `user:` (legacy CUR) or `resourceTags/` (the newer tags map) prefix; AWS-generated tags are
 * written `aws:`; any other key is kept as given.
 */
export function normalizeTagKey(key: string): string {
  const bare = key.startsWith('resourceTags/') ? key.slice('resourceTags/'.length) : key;
  if (bare.startsWith('user_') || bare.startsWith('user:')) return bare.slice(5);
  if (bare.startsWith('aws_')) return `aws:${bare.slice(4)}`;
  return bare;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function fault(field: CurColumn, problem: string): CurRowResult {
  return { ok: false, field, reason: `${field} ${problem}` };
}

/** Names the bad value, shortened: it is billing metadata, never request content. */
function badValue(field: CurColumn, value: (c: CurColumn) => string, expected: string) {
  const shown = JSON.stringify(value(field).slice(0, 40));
  return fault(field, `${shown} is not ${expected}`);
}
