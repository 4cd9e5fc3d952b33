// How CUR 2.0 spells a bill line: the columns this export carries and their values for Bedrock
// token lines, the S3 line, and the month-long fee, credit and tax lines.
import { Decimal } from 'decimal.js';
import type { TokenClass } from '../../../attribution/index.js';
import {
  DAY_MS,
  DAYS_IN_MONTH,
  MONTH_START_MS,
  PAYER,
  PROD,
  REGIONS,
  type Account,
  type Model,
} from './org.js';
import type { Random } from './random.js';

export type CurRow = Record<(typeof CUR_COLUMNS)[number], string>;

/** The CUR 2.0 columns this export carries, in the order AWS writes them. */
export const CUR_COLUMNS = [
  'bill_bill_type',
  'bill_billing_entity',
  'bill_billing_period_end_date',
  'bill_billing_period_start_date',
  'bill_invoice_id',
  'bill_invoicing_entity',
  'bill_payer_account_id',
  'bill_payer_account_name',
  'cost_category',
  'discount',
  'identity_line_item_id',
  'identity_time_interval',
  'line_item_availability_zone',
  'line_item_blended_cost',
  'line_item_blended_rate',
  'line_item_currency_code',
  'line_item_iam_principal',
  'line_item_legal_entity',
  'line_item_line_item_description',
  'line_item_line_item_type',
  'line_item_operation',
  'line_item_product_code',
  'line_item_resource_id',
  'line_item_unblended_cost',
  'line_item_unblended_rate',
  'line_item_usage_account_id',
  'line_item_usage_account_name',
  'line_item_usage_amount',
  'line_item_usage_end_date',
  'line_item_usage_start_date',
  'line_item_usage_type',
  'pricing_currency',
  'pricing_public_on_demand_cost',
  'pricing_public_on_demand_rate',
  'pricing_term',
  'pricing_unit',
  'product',
  'product_location',
  'product_location_type',
  'product_operation',
  'product_region_code',
  'product_servicecode',
  'product_sku',
  'product_usagetype',
  'resource_tags',
] as const;

export const USAGE_TYPE_SUFFIX: Record<TokenClass, string> = {
  inputTokens: 'input-tokens',
  outputTokens: 'output-tokens',
  cacheReadTokens: 'cache-read-input-token-count',
  cacheWriteTokens: 'cache-write-input-token-count',
};
const CLASS_WORDS: Record<TokenClass, string> = {
  inputTokens: 'input tokens',
  outputTokens: 'output tokens',
  cacheReadTokens: 'cache read input tokens',
  cacheWriteTokens: 'cache write input tokens',
};

const LEGAL_ENTITY = 'Amazon Web Services, Inc.';

export type LineType = 'Usage' | 'Fee' | 'Credit' | 'Tax';

/** A spelled-out line and what it costs. */
export interface PricedRow {
  row: CurRow;
  cost: Decimal;
}

export interface TokenUsage {
  account: Account;
  day: number;
  region: string;
  model: Model;
  tokenClass: TokenClass;
  /** Billed tokens. */
  tokens: number;
  /** The caller the bill names, or ''. */
  principal: string;
  sku: string;
}

export function usageTypeOf(t: { region: string; model: Model; tokenClass: TokenClass }): string {
  return `${REGIONS[t.region]!.code}-${t.model.billingName}-${USAGE_TYPE_SUFFIX[t.tokenClass]}`;
}

export function tokenRow(random: Random, t: TokenUsage): PricedRow {
  const rate = t.model.ratePer1K[t.tokenClass];
  if (rate === undefined) throw new Error(`${t.model.billingName} bills no ${t.tokenClass}`);
  const amount = new Decimal(t.tokens).div(1000);
  const cost = amount.times(rate);
  const usageType = usageTypeOf(t);
  const region = REGIONS[t.region]!;
  const row = baseRow(random, t.account, t.day, 'Usage');
  Object.assign(row, {
    line_item_blended_cost: cost.toFixed(),
    line_item_blended_rate: rate,
    line_item_iam_principal: t.principal,
    line_item_line_item_description: `$${rate} per 1K ${CLASS_WORDS[t.tokenClass]} for ${t.model.displayName} in ${region.name}`,
    line_item_operation: 'Usage',
    line_item_product_code: 'AmazonBedrock',
    line_item_unblended_cost: cost.toFixed(),
    line_item_unblended_rate: rate,
    line_item_usage_amount: amount.toFixed(),
    line_item_usage_type: usageType,
    pricing_public_on_demand_cost: cost.toFixed(),
    pricing_public_on_demand_rate: rate,
    pricing_term: 'OnDemand',
    pricing_unit: '1K tokens',
    product: JSON.stringify({
      product_name: 'Amazon Bedrock',
      region: t.region,
      servicename: 'Amazon Bedrock',
      model: t.model.displayName,
      provider: t.model.vendor,
      inference_type: 'On-demand',
    }),
    product_location: region.name,
    product_location_type: 'AWS Region',
    product_operation: 'Usage',
    product_region_code: t.region,
    product_servicecode: 'AmazonBedrock',
    product_sku: t.sku,
    product_usagetype: usageType,
  });
  return { row, cost };
}

/** The bucket holding the invocation logs, so the export has a line outside AI scope. */
export function s3Row(random: Random): PricedRow {
  const amount = new Decimal('38.5');
  const rate = '0.023';
  const cost = amount.times(rate);
  const row = baseRow(random, PROD, 1, 'Usage');
  Object.assign(row, {
    line_item_blended_cost: cost.toFixed(),
    line_item_blended_rate: rate,
    line_item_line_item_description: '$0.023 per GB - first 50 TB / month of storage used',
    line_item_operation: 'StandardStorage',
    line_item_product_code: 'AmazonS3',
    line_item_resource_id: 'acme-bedrock-invocation-logs',
    line_item_unblended_cost: cost.toFixed(),
    line_item_unblended_rate: rate,
    line_item_usage_amount: amount.toFixed(),
    line_item_usage_type: 'USE1-TimedStorage-ByteHrs',
    pricing_public_on_demand_cost: cost.toFixed(),
    pricing_public_on_demand_rate: rate,
    pricing_term: 'OnDemand',
    pricing_unit: 'GB-Mo',
    product: JSON.stringify({
      product_name: 'Amazon Simple Storage Service',
      region: 'us-east-1',
      servicename: 'Amazon Simple Storage Service',
      storage_class: 'General Purpose',
    }),
    product_location: REGIONS['us-east-1']!.name,
    product_location_type: 'AWS Region',
    product_operation: 'StandardStorage',
    product_region_code: 'us-east-1',
    product_servicecode: 'AmazonS3',
    product_sku: 'WP9ANXZGBYYSGJEA',
    product_usagetype: 'USE1-TimedStorage-ByteHrs',
    resource_tags: JSON.stringify({ user_team: 'platform' }),
  });
  return { row, cost };
}

export interface MonthLineSpec {
  usageType: string;
  amount: string;
  rate: string;
  unit: string;
  cost?: Decimal;
  description: string;
}

/** A line over the whole month on Bedrock: the fee, the credit, the tax. */
export function monthRow(
  random: Random,
  account: Account,
  type: Exclude<LineType, 'Usage'>,
  spec: MonthLineSpec,
): PricedRow {
  const cost = spec.cost ?? new Decimal(spec.amount).times(spec.rate);
  const row = baseRow(random, account, null, type);
  Object.assign(row, {
    line_item_blended_cost: cost.toFixed(),
    line_item_blended_rate: spec.rate,
    line_item_line_item_description: spec.description,
    line_item_product_code: 'AmazonBedrock',
    line_item_unblended_cost: cost.toFixed(),
    line_item_unblended_rate: spec.rate,
    line_item_usage_amount: spec.amount,
    line_item_usage_type: spec.usageType,
    pricing_unit: spec.unit,
    product: JSON.stringify({ product_name: 'Amazon Bedrock', servicename: 'Amazon Bedrock' }),
    product_servicecode: 'AmazonBedrock',
    product_usagetype: spec.usageType,
  });
  return { row, cost };
}

function baseRow(random: Random, account: Account, day: number | null, type: LineType): CurRow {
  const start = day === null ? MONTH_START_MS : MONTH_START_MS + (day - 1) * DAY_MS;
  const end = day === null ? MONTH_START_MS + DAYS_IN_MONTH * DAY_MS : start + DAY_MS;
  const row = Object.fromEntries(CUR_COLUMNS.map((c) => [c, ''])) as CurRow;
  Object.assign(row, {
    bill_bill_type: 'Anniversary',
    bill_billing_entity: 'AWS',
    bill_billing_period_end_date: timestamp(MONTH_START_MS + DAYS_IN_MONTH * DAY_MS),
    bill_billing_period_start_date: timestamp(MONTH_START_MS),
    bill_invoicing_entity: LEGAL_ENTITY,
    bill_payer_account_id: PAYER.id,
    bill_payer_account_name: PAYER.name,
    cost_category: '{}',
    discount: '{}',
    identity_line_item_id: random.chars(52, 'abcdefghijklmnopqrstuvwxyz234567'),
    identity_time_interval: `${timestamp(start)}/${timestamp(end)}`,
    line_item_currency_code: 'USD',
    line_item_legal_entity: LEGAL_ENTITY,
    line_item_line_item_type: type,
    line_item_usage_account_id: account.id,
    line_item_usage_account_name: account.name,
    line_item_usage_end_date: timestamp(end),
    line_item_usage_start_date: timestamp(start),
    pricing_currency: 'USD',
    resource_tags: '{}',
  });
  return row;
}

/** CUR 2.0 timestamps: `YYYY-MM-DDTHH:mm:ssZ`. */
function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
