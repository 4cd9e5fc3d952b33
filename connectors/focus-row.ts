// One FOCUS row to one CostRow. FOCUS already is the shape Argmin's cost rows follow, so this is
// mostly checking: every amount an exact decimal, every period a timestamp, the charge category
// one of FOCUS's five. The provider comes from the row, so any provider's FOCUS file reads here.
import type { ChargeCategory, CostRow, Provider, SourceRef } from '../attribution/index.js';
import { modelOf, normalizeTagKey } from './aws-cur-2-row.js';
import { regionOfUsageType } from './bedrock-usage-type.js';
import { memoize, parseDecimal, parseTimestamp } from './field-values.js';

/** Columns every FOCUS file must have; a file without one of them is not read at all. */
export const REQUIRED_FOCUS_COLUMNS = [
  'BilledCost',
  'EffectiveCost',
  'ChargeCategory',
  'ChargePeriodStart',
  'ChargePeriodEnd',
  'BillingPeriodStart',
  'BillingPeriodEnd',
  'BillingAccountId',
  'BillingCurrency',
  'ServiceName',
] as const;

export const OPTIONAL_FOCUS_COLUMNS = [
  'ListCost',
  'ChargeClass',
  'SubAccountId',
  'RegionId',
  'ResourceId',
  'Tags',
  'ConsumedQuantity',
  'ConsumedUnit',
  'PricingQuantity',
  'PricingUnit',
  'CommitmentDiscountId',
  'CommitmentDiscountStatus',
  'SkuId',
] as const;

/** FOCUS names the provider `ProviderName` up to 1.2 and `ServiceProviderName` after. */
export const PROVIDER_COLUMNS = ['ProviderName', 'ServiceProviderName'] as const;

/** The usage type AWS's FOCUS 1.0 carries as `x_UsageType` became `SkuMeter` in FOCUS 1.1. */
export const USAGE_TYPE_COLUMNS = ['x_UsageType', 'SkuMeter'] as const;

export type FocusColumn =
  | (typeof REQUIRED_FOCUS_COLUMNS)[number]
  | (typeof OPTIONAL_FOCUS_COLUMNS)[number]
  | 'provider'
  | 'usageType';

/** Required columns whose value may be null: FOCUS leaves ServiceName null on some tax rows. */
const MAY_BE_BLANK: ReadonlySet<FocusColumn> = new Set(['ServiceName']);

const CHARGE_CATEGORIES: ReadonlySet<string> = new Set([
  'Usage',
  'Purchase',
  'Tax',
  'Credit',
  'Adjustment',
]);

const TIMESTAMPS = [
  'BillingPeriodStart',
  'BillingPeriodEnd',
  'ChargePeriodStart',
  'ChargePeriodEnd',
] as const;

const timestampOf = memoize(parseTimestamp);
const tagsOf = memoize(parseTags);
const providerOf = memoize(providerFromName);

export type FocusRowResult =
  { ok: true; row: CostRow } | { ok: false; field: FocusColumn; reason: string };

/**
 * `value` gives a column's text, empty for a column the file does not have or a null cell; the
 * `provider` and `usageType` pseudo-columns read whichever column of the file carries them.
 */
export function focusCostRow(
  value: (column: FocusColumn) => string,
  id: string,
  source: SourceRef,
): FocusRowResult {
  const blank = REQUIRED_FOCUS_COLUMNS.find((c) => !MAY_BE_BLANK.has(c) && value(c).trim() === '');
  if (blank !== undefined) return fault(blank, 'is null');

  const chargeCategory = value('ChargeCategory').trim();
  if (!CHARGE_CATEGORIES.has(chargeCategory)) {
    return badValue('ChargeCategory', value, 'a FOCUS charge category');
  }
  const amounts: Partial<Record<'BilledCost' | 'EffectiveCost' | 'ListCost', string>> = {};
  for (const column of ['BilledCost', 'EffectiveCost', 'ListCost'] as const) {
    const text = value(column).trim();
    if (text === '') continue;
    const amount = parseDecimal(text);
    if (amount === null) return badValue(column, value, 'a decimal number');
    amounts[column] = amount;
  }
  const times: Partial<Record<(typeof TIMESTAMPS)[number], string>> = {};
  for (const column of TIMESTAMPS) {
    const time = timestampOf(value(column));
    if (time === null) return badValue(column, value, 'a timestamp');
    times[column] = time;
  }
  const quantity = quantityOf(value);
  if (!quantity.ok) return badValue(quantity.column, value, 'a decimal number');
  const tags = tagsOf(value('Tags'));
  if (tags === null) return fault('Tags', 'is not a JSON object of flat tag values');

  const provider = providerOf(value('provider'));
  const serviceName = value('ServiceName').trim();
  const usageType = value('usageType').trim();
  const { model, tokenClass } =
    provider === 'aws' ? modelOf(serviceName, usageType) : { model: null, tokenClass: null };
  const chargeType = [chargeCategory, value('ChargeClass'), value('CommitmentDiscountStatus')]
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .join('/');

  return {
    ok: true,
    row: {
      id,
      source,
      provider,
      billingAccountId: value('BillingAccountId').trim(),
      // A sub-account is conditional in FOCUS: without one, the billing account is the account.
      subAccountId: text(value('SubAccountId')) ?? value('BillingAccountId').trim(),
      billingPeriodStart: times.BillingPeriodStart ?? '',
      billingPeriodEnd: times.BillingPeriodEnd ?? '',
      chargePeriodStart: times.ChargePeriodStart ?? '',
      chargePeriodEnd: times.ChargePeriodEnd ?? '',
      chargeCategory: chargeCategory as ChargeCategory,
      chargeType,
      serviceName,
      usageType,
      region: text(value('RegionId')) ?? (provider === 'aws' ? regionOfUsageType(usageType) : null),
      resourceId: text(value('ResourceId')),
      model,
      tokenClass,
      quantity: quantity.quantity,
      unit: quantity.unit,
      billedCost: amounts.BilledCost ?? '0',
      effectiveCost: amounts.EffectiveCost ?? '0',
      ...(amounts.ListCost === undefined ? {} : { listCost: amounts.ListCost }),
      currency: value('BillingCurrency').trim(),
      principal: null,
      tags: provider === 'aws' ? awsTags(tags) : { ...tags },
    },
  };
}

/**
 * The quantity in the unit it is counted in: consumed where FOCUS gives it (usage rows), else the
 * pricing quantity. Either unit (`Tokens`, `1K tokens`, `1000 Tokens`) says how many tokens it is.
 */
function quantityOf(
  value: (column: FocusColumn) => string,
): { ok: true; quantity: string | null; unit: string | null } | { ok: false; column: FocusColumn } {
  for (const [q, u] of [
    ['ConsumedQuantity', 'ConsumedUnit'],
    ['PricingQuantity', 'PricingUnit'],
  ] as const) {
    const amount = value(q).trim();
    if (amount === '') continue;
    const quantity = parseDecimal(amount);
    if (quantity === null) return { ok: false, column: q };
    return { ok: true, quantity, unit: text(value(u)) };
  }
  return { ok: true, quantity: null, unit: null };
}

/** FOCUS tags: a JSON object of flat values; a key without a value is `true`. */
function parseTags(json: string): Record<string, string> | null {
  if (json.trim() === '') return {};
  let map: unknown;
  try {
    map = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof map !== 'object' || map === null || Array.isArray(map)) return null;
  const tags: Record<string, string> = {};
  for (const [key, tagValue] of Object.entries(map)) {
    if (tagValue === null) continue;
    if (typeof tagValue === 'object') return null;
    tags[key] = String(tagValue as string | number | boolean);
  }
  return tags;
}

/** AWS tag keys in the key space of its CUR readers: `user:team` and `team` are one tag. */
function awsTags(tags: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, tagValue] of Object.entries(tags)) out[normalizeTagKey(key)] ??= tagValue;
  return out;
}

/** The provider a FOCUS `ProviderName` names; one this table does not know is `other`. */
function providerFromName(name: string): Provider {
  const n = name.trim().toLowerCase();
  if (/\baws\b|amazon/.test(n)) return 'aws';
  if (/google|\bgcp\b/.test(n)) return 'gcp';
  if (/microsoft|azure/.test(n)) return 'azure';
  if (n.includes('openai')) return 'openai';
  if (n.includes('anthropic')) return 'anthropic';
  return 'other';
}

function text(value: string): string | null {
  return value.trim() === '' ? null : value.trim();
}

function fault(field: FocusColumn, problem: string): FocusRowResult {
  return { ok: false, field, reason: `${field} ${problem}` };
}

/** Names the bad value, shortened: it is billing metadata, never request content. */
function badValue(field: FocusColumn, value: (c: FocusColumn) => string, expected: string) {
  const shown = JSON.stringify(value(field).slice(0, 40));
  return fault(field, `${shown} is not ${expected}`);
}
