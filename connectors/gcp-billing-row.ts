// One row of the Google Cloud Billing export (standard or detailed schema) to cost rows: the gross
// cost as one row, and each credit as a signed row of its own beside it. Every value a row is judged
// on is checked here, so a bad row is quarantined naming its field instead of reaching a total.
import { createHash } from 'node:crypto';
import type { ChargeCategory, CostRow, SourceRef } from '../attribution/index.js';
import { memoize, parseDecimal, parseTimestamp } from './field-values.js';
import { normalizeGcpModelId } from './gcp-model-names.js';
import { isGcpAiService, parseGcpSku } from './gcp-sku.js';

/** Fields every export schema has; a file whose schema lacks one is not read at all. */
export const REQUIRED_FIELDS = [
  'billing_account_id',
  'service.id',
  'service.description',
  'sku.id',
  'sku.description',
  'usage_start_time',
  'usage_end_time',
  'project.id',
  'labels',
  'cost',
  'currency',
  'cost_type',
  'credits',
  'invoice.month',
  'export_time',
] as const;

/** Fields no row may leave null: without them a row cannot be placed or totalled. */
export const NEVER_NULL_FIELDS = [
  'billing_account_id',
  'service.description',
  'sku.id',
  'sku.description',
  'usage_start_time',
  'usage_end_time',
  'cost',
  'currency',
  'cost_type',
  'invoice.month',
  'export_time',
] as const;

/** The detailed (resource-level) schema: the standard one plus these. */
export const DETAILED_FIELDS = ['resource.name', 'resource.global_name', 'price.effective_price'];

/** Labels Argmin reads as the caller of a Vertex request; label values cannot hold `@`. */
export const CALLER_LABEL = 'argmin-caller';

/** A system label on Gemini API lines that names the model when the SKU does not. */
const MODEL_SYSTEM_LABEL = 'goog-generativelanguage-model';

const CHARGE_CATEGORIES: Readonly<Record<string, ChargeCategory>> = {
  regular: 'Usage',
  tax: 'Tax',
  adjustment: 'Adjustment',
  'rounding error': 'Adjustment',
};

/** Commitments bill under SKUs of their own: resource and spend-based CUDs, Vertex GSUs. */
const COMMITMENT_SKU = /^commitment\b|\bprovisioned throughput\b/i;

const timestampOf = memoize(parseTimestamp);

export type BillingRecord = Record<string, unknown>;

export type GcpRowResult =
  { ok: true; rows: CostRow[] } | { ok: false; field: string; reason: string };

/**
 * The cost rows of one export row. Credits become Credit rows beside the gross row rather than
 * reducing it, so gross usage and its credits both stay visible and their sum is the net the
 * invoice shows.
 */
export function toCostRows(record: BillingRecord, source: SourceRef): GcpRowResult {
  const blank = NEVER_NULL_FIELDS.find((f) => text(valueAt(record, f)) === null);
  if (blank !== undefined) return fault(blank, 'is empty');

  const cost = decimal(valueAt(record, 'cost'));
  if (cost === null) return fault('cost', 'is not a decimal number');
  const times = {
    start: timestamp(valueAt(record, 'usage_start_time')),
    end: timestamp(valueAt(record, 'usage_end_time')),
    exported: timestamp(valueAt(record, 'export_time')),
  };
  if (times.start === null) return fault('usage_start_time', 'is not a timestamp');
  if (times.end === null) return fault('usage_end_time', 'is not a timestamp');
  if (times.exported === null) return fault('export_time', 'is not a timestamp');
  const period = invoicePeriod(text(valueAt(record, 'invoice.month')) ?? '');
  if (period === null) return fault('invoice.month', 'is not a month written YYYYMM');

  const amount = valueAt(record, 'usage.amount');
  const quantity = amount === null ? null : decimal(amount);
  if (amount !== null && quantity === null) return fault('usage.amount', 'is not a decimal number');
  const listValue = valueAt(record, 'cost_at_list');
  const listCost = listValue === null ? null : decimal(listValue);
  if (listValue !== null && listCost === null)
    return fault('cost_at_list', 'is not a decimal number');

  const tags = tagsOf(record);
  if (!tags.ok) return fault(tags.field, tags.reason);
  const credits = creditsOf(valueAt(record, 'credits'));
  if (!credits.ok) return fault(credits.field, credits.reason);

  const serviceName = text(valueAt(record, 'service.description')) ?? '';
  const sku = text(valueAt(record, 'sku.description')) ?? '';
  const usageUnit = text(valueAt(record, 'usage.unit'));
  const usage = isGcpAiService(serviceName)
    ? parseGcpSku(sku, usageUnit)
    : { model: null, tokenClass: null };
  const labelModel = tags.systemModel === null ? null : normalizeGcpModelId(tags.systemModel);
  const costType = (text(valueAt(record, 'cost_type')) ?? '').toLowerCase();
  const regularCategory = COMMITMENT_SKU.test(sku) ? 'Purchase' : 'Usage';

  const common = {
    source,
    provider: 'gcp' as const,
    billingAccountId: text(valueAt(record, 'billing_account_id')) ?? '',
    // Lines billed to the account itself (support, some taxes) name no project.
    subAccountId: text(valueAt(record, 'project.id')) ?? '',
    billingPeriodStart: period.start,
    billingPeriodEnd: period.end,
    chargePeriodStart: times.start,
    chargePeriodEnd: times.end,
    serviceName,
    usageType: sku,
    region: text(valueAt(record, 'location.region')) ?? text(valueAt(record, 'location.location')),
    resourceId:
      text(valueAt(record, 'resource.global_name')) ?? text(valueAt(record, 'resource.name')),
    model: usage.model ?? (isGcpAiService(serviceName) ? labelModel : null),
    tokenClass: usage.tokenClass,
    currency: text(valueAt(record, 'currency')) ?? '',
    principal: tags.caller,
    tags: tags.tags,
  };
  const id = contentKey(record, common, cost, quantity, times.exported, credits.list);

  // Google bills commitments as they accrue (CUD and GSU fees month by month, their credits on the
  // usage they cover): no row prepays a later period, so the amortized view of a row is its cost.
  const gross: CostRow = {
    ...common,
    id,
    chargeCategory:
      costType === 'regular' ? regularCategory : (CHARGE_CATEGORIES[costType] ?? 'Adjustment'),
    chargeType: costType,
    quantity,
    // Token SKUs count tokens whatever the unit is called (`count`): say so for reconciliation.
    unit: usage.tokenClass !== null && !/token/i.test(usageUnit ?? '') ? 'tokens' : usageUnit,
    billedCost: cost,
    effectiveCost: cost,
    ...(listCost === null ? {} : { listCost }),
  };
  const creditRows = credits.list.map((credit, i): CostRow => ({
    ...common,
    id: `${id}/credit-${i + 1}`,
    chargeCategory: 'Credit',
    chargeType: credit.type,
    quantity: null,
    unit: null,
    billedCost: credit.amount,
    effectiveCost: credit.amount,
    listCost: credit.amount,
  }));
  return { ok: true, rows: [gross, ...creditRows] };
}

/** The value at a dotted path of nested records, null when any step is missing or null. */
export function valueAt(record: BillingRecord, path: string): unknown {
  let value: unknown = record;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
    value = (value as Record<string, unknown>)[key];
  }
  return value ?? null;
}

interface Credit {
  amount: string;
  type: string;
}

function creditsOf(
  value: unknown,
): { ok: true; list: Credit[] } | { ok: false; field: string; reason: string } {
  if (value === null) return { ok: true, list: [] };
  if (!Array.isArray(value))
    return { ok: false, field: 'credits', reason: 'credits is not a list' };
  const list: Credit[] = [];
  for (const [i, credit] of value.entries()) {
    const field = `credits[${i}].amount`;
    const amount = decimal(valueAt(credit as BillingRecord, 'amount'));
    if (amount === null) return { ok: false, field, reason: `${field} is not a decimal number` };
    list.push({ amount, type: text(valueAt(credit as BillingRecord, 'type')) ?? 'CREDIT' });
  }
  return { ok: true, list };
}

interface Tags {
  ok: true;
  tags: Record<string, string>;
  caller: string | null;
  systemModel: string | null;
}

/**
 * One key space, as the user wrote the keys: a row's own labels (resource labels and Vertex
 * request labels) first, then resource-manager tags by their short key, then the project's labels
 * it inherits. System labels keep their keys, which Google writes with its own prefixes.
 */
function tagsOf(record: BillingRecord): Tags | { ok: false; field: string; reason: string } {
  const tags: Record<string, string> = {};
  let systemModel: string | null = null;
  for (const field of ['labels', 'tags', 'system_labels', 'project.labels']) {
    const list = valueAt(record, field);
    if (list === null) continue;
    if (!Array.isArray(list)) return { ok: false, field, reason: `${field} is not a list` };
    for (const item of list) {
      const key = text(valueAt(item as BillingRecord, 'key'));
      if (key === null) return { ok: false, field, reason: `${field} has an entry without a key` };
      const value = valueAt(item as BillingRecord, 'value');
      tags[key] ??= typeof value === 'string' ? value : value === null ? '' : String(value);
      if (field === 'system_labels' && key === MODEL_SYSTEM_LABEL) systemModel = text(value);
    }
  }
  return { ok: true, tags, caller: text(tags[CALLER_LABEL]), systemModel };
}

/**
 * What makes an export row this row and no other: the export has no line id, so the id is a digest
 * of the row's normalized content, the same whichever shape of the table the row was read from. A
 * row repeated exactly (overlapping exports in one delivery) repeats its id, and the sync refuses
 * the repeat as a duplicate instead of counting it twice.
 */
function contentKey(
  record: BillingRecord,
  row: Pick<
    CostRow,
    'billingAccountId' | 'subAccountId' | 'chargePeriodStart' | 'chargePeriodEnd'
  > &
    Pick<CostRow, 'usageType' | 'region' | 'resourceId' | 'currency' | 'tags'>,
  cost: string,
  quantity: string | null,
  exported: string,
  credits: Credit[],
): string {
  const parts = [
    row.billingAccountId,
    row.subAccountId,
    text(valueAt(record, 'service.id')),
    text(valueAt(record, 'sku.id')),
    row.usageType,
    row.chargePeriodStart,
    row.chargePeriodEnd,
    row.region,
    row.resourceId,
    text(valueAt(record, 'cost_type')),
    text(valueAt(record, 'invoice.month')),
    exported,
    cost,
    quantity,
    row.currency,
    Object.entries(row.tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    credits,
    text(valueAt(record, 'adjustment_info.id')),
  ];
  return `gcp-${createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32)}`;
}

/** `YYYYMM` to the month's bounds in UTC. */
function invoicePeriod(month: string): { start: string; end: string } | null {
  const m = /^(\d{4})(0[1-9]|1[0-2])$/.exec(month);
  if (m === null) return null;
  const year = Number(m[1]);
  const index = Number(m[2]) - 1;
  const iso = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;
  return {
    start: iso(new Date(Date.UTC(year, index, 1))),
    end: iso(new Date(Date.UTC(year, index + 1, 1))),
  };
}

/** Text of a scalar cell, trimmed; null when absent, empty or not a scalar. */
function text(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  return null;
}

/**
 * Exact decimal text of a numeric cell. FLOAT columns arrive as text (API), or as numbers (JSON
 * and Parquet) whose shortest round-trip text is the value BigQuery wrote: that text is kept.
 */
function decimal(value: unknown): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? parseDecimal(String(value)) : null;
  if (typeof value === 'bigint') return value.toString();
  return typeof value === 'string' ? parseDecimal(value) : null;
}

function timestamp(value: unknown): string | null {
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? null : `${value.toISOString().slice(0, 19)}Z`;
  }
  return typeof value === 'string' ? timestampOf(value) : null;
}

function fault(field: string, problem: string): GcpRowResult {
  return { ok: false, field, reason: `${field} ${problem}` };
}
