// The October 2026 CUR 2.0 export (daily granularity, caller identity allocation on): Bedrock
// token lines built from the month's calls, lines nothing logged, lines that name their caller,
// one S3 line outside AI scope, and the fee, credit and tax lines.
import { Decimal } from 'decimal.js';
import type { TokenClass } from '../../../attribution/index.js';
import type { Call } from './calls.js';
import {
  DAY_MS,
  DAYS_IN_MONTH,
  isWeekend,
  MONTH_START_MS,
  NOVA_PRO,
  PAYER,
  PROD,
  REGIONS,
  SANDBOX,
  SONNET_4,
  type Account,
  type Model,
  type Range,
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

const USAGE_TYPE_SUFFIX: Record<TokenClass, string> = {
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
const TOKEN_CLASSES = Object.keys(USAGE_TYPE_SUFFIX) as TokenClass[];

/** Logs and events see most of what the bill counts, never all: retries, console use, drops. */
const COVERAGE: Range = [86, 97];
const TAX_RATE = new Decimal('0.06');
const LEGAL_ENTITY = 'Amazon Web Services, Inc.';
export const DANA_PRINCIPAL = `arn:aws:iam::${SANDBOX.id}:user/dana.kim`;

const UNLOGGED_RUN: Partial<Record<TokenClass, Range>> = {
  inputTokens: [400_000, 800_000],
  outputTokens: [40_000, 80_000],
};

/** What data science runs in the sandbox on an experiment day; each run happens or not whole. */
const SANDBOX_RUNS: readonly {
  model: Model;
  share: number;
  tokens: Partial<Record<TokenClass, Range>>;
}[] = [
  {
    model: SONNET_4,
    share: 1,
    tokens: { inputTokens: [1_000_000, 2_500_000], outputTokens: [100_000, 300_000] },
  },
  { model: SONNET_4, share: 0.3, tokens: { cacheReadTokens: [3_000_000, 8_000_000] } },
  {
    model: NOVA_PRO,
    share: 0.5,
    tokens: { inputTokens: [3_000_000, 8_000_000], outputTokens: [200_000, 600_000] },
  },
];

/** One bill line before it is spelled out as CUR columns. */
export interface BillLine {
  account: Account;
  /** Day of the month, or null for a line over the whole month. */
  day: number | null;
  type: 'Usage' | 'Fee' | 'Credit' | 'Tax';
  model: Model | null;
  tokenClass: TokenClass | null;
  region: string | null;
  /** Billed tokens, for token lines. */
  tokens: number | null;
  principal: string;
  cost: Decimal;
  row: CurRow;
}

export function buildBill(random: Random, calls: readonly Call[]): BillLine[] {
  const skus = new Map<string, string>();
  const sku = (usageType: string) => {
    if (!skus.has(usageType))
      skus.set(usageType, random.chars(16, 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'));
    return skus.get(usageType)!;
  };
  const token = (t: Omit<TokenLine, 'sku'>) =>
    tokenLine(random, { ...t, sku: sku(usageTypeOf(t)) });
  const lines: BillLine[] = [];

  // What the logs and events saw, grossed up to what AWS counted.
  for (const bucket of bucketsOf(calls)) {
    const coverage = random.int(COVERAGE[0], COVERAGE[1]) / 100;
    lines.push(token({ ...bucket, tokens: Math.ceil(bucket.tokens / coverage) }));
  }

  // Saturday batch runs in acme-prod that nobody logged: no request explains them.
  for (const day of [17, 24]) {
    for (const [tokenClass, range] of Object.entries(UNLOGGED_RUN) as [TokenClass, Range][]) {
      const tokens = random.int(range[0], range[1]);
      lines.push(
        token({
          account: PROD,
          day,
          region: 'us-east-1',
          model: NOVA_PRO,
          tokenClass,
          tokens,
          principal: '',
        }),
      );
    }
  }

  // The ML sandbox has no invocation logging; data science experiments there most weekdays.
  for (let day = 1; day <= DAYS_IN_MONTH; day++) {
    if (isWeekend(day) || !random.chance(0.6)) continue;
    for (const run of SANDBOX_RUNS) {
      if (!random.chance(run.share)) continue;
      for (const [tokenClass, range] of Object.entries(run.tokens) as [TokenClass, Range][]) {
        const tokens = random.int(range[0], range[1]);
        lines.push(
          token({
            account: SANDBOX,
            day,
            region: 'us-east-1',
            model: run.model,
            tokenClass,
            tokens,
            principal: '',
          }),
        );
      }
    }
  }

  // Dana runs notebooks with her IAM user's keys on Mondays; the bill names her.
  for (const day of [5, 12, 19, 26]) {
    const base = {
      account: SANDBOX,
      day,
      region: 'us-east-1',
      model: NOVA_PRO,
      principal: DANA_PRINCIPAL,
    };
    lines.push(
      token({ ...base, tokenClass: 'inputTokens', tokens: random.int(3_000_000, 6_000_000) }),
    );
    lines.push(
      token({ ...base, tokenClass: 'outputTokens', tokens: random.int(200_000, 400_000) }),
    );
  }

  lines.push(s3Line(random));
  lines.push(
    monthLine(random, PROD, 'Fee', {
      usageType: 'USE1-CustomModelStorage',
      amount: '2',
      rate: '1.95',
      unit: 'Model-Mo',
      description: 'Amazon Bedrock custom model storage, per model per month',
    }),
  );
  lines.push(
    monthLine(random, SANDBOX, 'Credit', {
      usageType: '',
      amount: '',
      rate: '',
      unit: '',
      cost: new Decimal('-75.00'),
      description: 'Promotional credit for Amazon Bedrock',
    }),
  );

  for (const account of [PROD, SANDBOX]) {
    const taxable = lines
      .filter((l) => l.account === account && l.row.line_item_product_code === 'AmazonBedrock')
      .reduce((sum, l) => sum.plus(l.cost), new Decimal(0));
    lines.push(
      monthLine(random, account, 'Tax', {
        usageType: '',
        amount: '',
        rate: '',
        unit: '',
        cost: taxable.times(TAX_RATE).toDecimalPlaces(2, Decimal.ROUND_HALF_UP),
        description: 'Tax for product code AmazonBedrock',
      }),
    );
  }
  return lines;
}

interface Bucket {
  account: Account;
  day: number;
  region: string;
  model: Model;
  tokenClass: TokenClass;
  principal: string;
  tokens: number;
}

/** Tokens of calls with known usage, summed by the finest bucket the bill splits by. */
function bucketsOf(calls: readonly Call[]): Bucket[] {
  const buckets = new Map<string, Bucket>();
  for (const call of calls) {
    const principal =
      call.caller.via === 'bedrock' && call.caller.billedAsPrincipal
        ? `arn:aws:sts::${call.account}:assumed-role/${call.caller.roleName}/${call.session}`
        : '';
    for (const tokenClass of TOKEN_CLASSES) {
      const tokens = call.tokens[tokenClass];
      if (!tokens) continue;
      const key = [
        call.day,
        call.account,
        call.region,
        call.model.billingName,
        tokenClass,
        principal,
      ].join('|');
      const bucket = buckets.get(key) ?? {
        account: call.account === PROD.id ? PROD : SANDBOX,
        day: call.day,
        region: call.region,
        model: call.model,
        tokenClass,
        principal,
        tokens: 0,
      };
      bucket.tokens += tokens;
      buckets.set(key, bucket);
    }
  }
  return [...buckets.values()];
}

type TokenLine = Omit<Bucket, 'tokens'> & { tokens: number; sku: string };

function usageTypeOf(t: { region: string; model: Model; tokenClass: TokenClass }): string {
  return `${REGIONS[t.region]!.code}-${t.model.billingName}-${USAGE_TYPE_SUFFIX[t.tokenClass]}`;
}

function tokenLine(random: Random, t: TokenLine): BillLine {
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
  return {
    account: t.account,
    day: t.day,
    type: 'Usage',
    model: t.model,
    tokenClass: t.tokenClass,
    region: t.region,
    tokens: t.tokens,
    principal: t.principal,
    cost,
    row,
  };
}

/** The bucket holding the invocation logs, so the export has a line outside AI scope. */
function s3Line(random: Random): BillLine {
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
  return {
    account: PROD,
    day: 1,
    type: 'Usage',
    model: null,
    tokenClass: null,
    region: 'us-east-1',
    tokens: null,
    principal: '',
    cost,
    row,
  };
}

interface MonthLineSpec {
  usageType: string;
  amount: string;
  rate: string;
  unit: string;
  cost?: Decimal;
  description: string;
}

/** A line over the whole month on Bedrock: the reserved-tier fee, the credit, the tax. */
function monthLine(
  random: Random,
  account: Account,
  type: 'Fee' | 'Credit' | 'Tax',
  spec: MonthLineSpec,
): BillLine {
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
  return {
    account,
    day: null,
    type,
    model: null,
    tokenClass: null,
    region: null,
    tokens: null,
    principal: '',
    cost,
    row,
  };
}

function baseRow(
  random: Random,
  account: Account,
  day: number | null,
  type: BillLine['type'],
): CurRow {
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
