// Writes examples/multicloud/data/: Lumen Freight's November 2026 of AI spend on three clouds, in
// the formats each cloud delivers. Amazon Bedrock in a CUR 2.0 export that names each call's IAM
// principal; Vertex AI in a Cloud Billing export (newline-delimited JSON, credits on the rows);
// Azure OpenAI in Cost Management exports (actual and amortized) and the account's diagnostic logs;
// the people and groups in SCIM. Seeded, so every run writes the same bytes; prints the bill's
// totals and what each part should be attributed to.
//
//   npx tsx examples/multicloud/generate.ts
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Decimal } from 'decimal.js';

const SEED = 20261101;
const DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), 'data');
const DAYS = 30;
const MONTH = '2026-11';
const DAY_MS = 86_400_000;
const MONTH_START_MS = Date.parse('2026-11-01T00:00:00Z');

// --- seeded randomness ---------------------------------------------------------------------------

let state = SEED;
function random(): number {
  // mulberry32: small, fast and the same on every platform.
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const chars = (n: number, alphabet: string) =>
  Array.from({ length: n }, () => alphabet[int(0, alphabet.length - 1)]).join('');
const uuid = () => {
  const h = chars(32, '0123456789abcdef');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
};

const dayIso = (day: number, hour = 0) =>
  new Date(MONTH_START_MS + (day - 1) * DAY_MS + hour * 3_600_000).toISOString();
const isWeekend = (day: number) => [0, 6].includes(new Date(dayIso(day)).getUTCDay());
const seconds = (iso: string) => `${iso.slice(0, 19)}Z`;

// --- the organisation ----------------------------------------------------------------------------

const AWS = {
  payer: '444400001111',
  payerName: 'lumen-payer',
  account: '444455556666',
  accountName: 'lumen-prod',
};
const ETA_ROLE = 'eta-predictor';
const REPORTS_ROLE = 'nightly-reports';
const SSO_ROLE = 'AWSReservedSSO_DataAnalyst_5e6f7a8b9c0d1e2f';
const MARIA = 'maria.garcia@lumen.example';

const GCP = {
  billingAccount: '01B2C3-D4E5F6-A7B8C9',
  prod: { id: 'lumen-ml-prod', number: '731045829164', name: 'Lumen ML Production' },
  research: { id: 'lumen-research', number: '731045829377', name: 'Lumen Research' },
};

const AZURE = {
  billingAccount: '76543210',
  subscription: '7d2f4c1a-5b6e-4c8d-9a0b-1c2d3e4f5a6b',
  subscriptionName: 'lumen-ai-prod',
  resourceGroup: 'rg-openai',
  account: 'lumen-openai-eastus',
  tenant: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f',
};
const REPLY_ASSISTANT_CLIENT = '3f8a2c6e-1b4d-4e9a-8c7f-5d2e1a0b9c84';
const TICKET_TRIAGE_CLIENT = '9b1e7d3a-6c2f-4a8e-b5d4-2c7a9e1f3b60';
const NINA = 'nina.brandt@lumen.example';
/** The diagnostic setting that sends RequestResponse and usage logs was created on this day. */
const LOGS_FROM_DAY = 3;
/**
 * A one-year Provisioned Throughput reservation, paid upfront on 1 November ahead of the holiday
 * peak: the invoice bills it whole, the amortized view a 365th of it a day. Its provisioned
 * deployment is not created until December, so all of November's share is unused reservation.
 */
const RESERVATION = {
  id: 'b2c4d6e8-0a1c-4e3f-9b5d-7f9a1c3e5b7d',
  name: 'ptu-care-1y',
  order: 'e1f3a5c7-9b2d-4f6e-8a0c-2e4f6a8c0e1f',
  price: new Decimal('109.50'),
  perDay: new Decimal('109.50').dividedBy(365),
};

// --- AWS: CUR 2.0, daily, with caller identity (IAM principal) allocation ------------------------

const CUR_COLUMNS = [
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
  'line_item_blended_cost',
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
  'pricing_public_on_demand_cost',
  'pricing_term',
  'pricing_unit',
  'product',
  'product_region_code',
  'product_servicecode',
  'product_sku',
  'resource_tags',
] as const;
type CurRow = Record<(typeof CUR_COLUMNS)[number], string>;

interface BedrockModel {
  billingName: string;
  name: string;
  provider: string;
  /** USD per 1K tokens. */
  input: string;
  output: string;
}
const HAIKU: BedrockModel = {
  billingName: 'Claude3.5Haiku',
  name: 'Claude 3.5 Haiku',
  provider: 'Anthropic',
  input: '0.0008',
  output: '0.004',
};
const SONNET: BedrockModel = {
  billingName: 'Claude4Sonnet',
  name: 'Claude Sonnet 4',
  provider: 'Anthropic',
  input: '0.003',
  output: '0.015',
};

interface Line {
  cloud: 'aws' | 'gcp' | 'azure';
  /** Who the line's evidence points at, for the summary. */
  party: string;
  category: 'Usage' | 'Purchase' | 'Credit' | 'Tax' | 'Other';
  cost: Decimal;
}
const lines: Line[] = [];

function curRow(fields: Partial<CurRow> & Pick<CurRow, 'line_item_line_item_type'>): CurRow {
  const row = Object.fromEntries(CUR_COLUMNS.map((c) => [c, ''])) as CurRow;
  Object.assign(row, {
    bill_bill_type: 'Anniversary',
    bill_billing_entity: 'AWS',
    bill_billing_period_start_date: `${MONTH}-01T00:00:00Z`,
    bill_billing_period_end_date: '2026-12-01T00:00:00Z',
    bill_invoicing_entity: 'Amazon Web Services, Inc.',
    bill_payer_account_id: AWS.payer,
    bill_payer_account_name: AWS.payerName,
    cost_category: '{}',
    discount: '{}',
    identity_line_item_id: chars(52, 'abcdefghijklmnopqrstuvwxyz234567'),
    line_item_currency_code: 'USD',
    line_item_legal_entity: 'Amazon Web Services, Inc.',
    line_item_usage_account_id: AWS.account,
    line_item_usage_account_name: AWS.accountName,
    resource_tags: '{}',
    ...fields,
  });
  return row;
}

function bedrockTokenRow(
  day: number,
  model: BedrockModel,
  direction: 'input' | 'output',
  tokens: number,
  principal: string,
): CurRow {
  const rate = direction === 'input' ? model.input : model.output;
  const amount = new Decimal(tokens).dividedBy(1000);
  const cost = amount.times(rate);
  const usageType = `USE1-${model.billingName}-${direction}-tokens`;
  const [start, end] = [seconds(dayIso(day)), seconds(dayIso(day + 1))];
  return curRow({
    identity_time_interval: `${start}/${end}`,
    line_item_blended_cost: cost.toString(),
    line_item_iam_principal: principal,
    line_item_line_item_description: `$${rate} per 1K ${direction} tokens for ${model.name} in US East (N. Virginia)`,
    line_item_line_item_type: 'Usage',
    line_item_operation: 'Usage',
    line_item_product_code: 'AmazonBedrock',
    line_item_unblended_cost: cost.toString(),
    line_item_unblended_rate: rate,
    line_item_usage_amount: amount.toString(),
    line_item_usage_start_date: start,
    line_item_usage_end_date: end,
    line_item_usage_type: usageType,
    pricing_public_on_demand_cost: cost.toString(),
    pricing_term: 'OnDemand',
    pricing_unit: '1K tokens',
    product: JSON.stringify({
      product_name: 'Amazon Bedrock',
      region: 'us-east-1',
      servicename: 'Amazon Bedrock',
      model: model.name,
      provider: model.provider,
      inference_type: 'On-demand',
    }),
    product_region_code: 'us-east-1',
    product_servicecode: 'AmazonBedrock',
    product_sku: chars(16, 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'),
  });
}

function monthRow(type: 'Credit' | 'Tax', cost: Decimal, description: string): CurRow {
  return curRow({
    identity_time_interval: `${MONTH}-01T00:00:00Z/2026-12-01T00:00:00Z`,
    line_item_blended_cost: cost.toString(),
    line_item_line_item_description: description,
    line_item_line_item_type: type,
    line_item_product_code: 'AmazonBedrock',
    line_item_unblended_cost: cost.toString(),
    line_item_usage_start_date: `${MONTH}-01T00:00:00Z`,
    line_item_usage_end_date: '2026-12-01T00:00:00Z',
    product: JSON.stringify({ product_name: 'Amazon Bedrock', servicename: 'Amazon Bedrock' }),
    product_servicecode: 'AmazonBedrock',
  });
}

function awsBill(): CurRow[] {
  const rows: CurRow[] = [];
  const usage = (row: CurRow, party: string) => {
    rows.push(row);
    lines.push({
      cloud: 'aws',
      party,
      category: 'Usage',
      cost: new Decimal(row.line_item_unblended_cost),
    });
  };
  for (let day = 1; day <= DAYS; day++) {
    // routing/eta-predictor runs all day, every day, through its IRSA role.
    const session = `botocore-session-${1_700_000_000 + day * 86_400}`;
    const eta = `arn:aws:sts::${AWS.account}:assumed-role/${ETA_ROLE}/${session}`;
    usage(bedrockTokenRow(day, HAIKU, 'input', int(900_000, 1_400_000), eta), 'eta-predictor');
    usage(bedrockTokenRow(day, HAIKU, 'output', int(90_000, 160_000), eta), 'eta-predictor');
    // Maria explores in the Bedrock playground on weekdays, signed in through IAM Identity Center.
    if (!isWeekend(day) && random() < 0.7) {
      const maria = `arn:aws:sts::${AWS.account}:assumed-role/${SSO_ROLE}/${MARIA}`;
      usage(bedrockTokenRow(day, SONNET, 'input', int(150_000, 400_000), maria), 'maria');
      usage(bedrockTokenRow(day, SONNET, 'output', int(15_000, 40_000), maria), 'maria');
    }
    // platform/nightly-reports assumes a role from its own code; nothing in the cluster names it.
    if (!isWeekend(day)) {
      const reports = `arn:aws:sts::${AWS.account}:assumed-role/${REPORTS_ROLE}/reports-${day}`;
      usage(bedrockTokenRow(day, SONNET, 'input', int(200_000, 300_000), reports), 'reports');
      usage(bedrockTokenRow(day, SONNET, 'output', int(8_000, 14_000), reports), 'reports');
    }
  }
  // One S3 line: not AI spend, out of scope.
  rows.push(
    curRow({
      identity_time_interval: `${MONTH}-01T00:00:00Z/${MONTH}-02T00:00:00Z`,
      line_item_blended_cost: '1.2305',
      line_item_line_item_description: '$0.023 per GB - first 50 TB / month of storage used',
      line_item_line_item_type: 'Usage',
      line_item_operation: 'StandardStorage',
      line_item_product_code: 'AmazonS3',
      line_item_resource_id: 'lumen-route-archives',
      line_item_unblended_cost: '1.2305',
      line_item_unblended_rate: '0.023',
      line_item_usage_amount: '53.5',
      line_item_usage_start_date: `${MONTH}-01T00:00:00Z`,
      line_item_usage_end_date: `${MONTH}-02T00:00:00Z`,
      line_item_usage_type: 'TimedStorage-ByteHrs',
      pricing_public_on_demand_cost: '1.2305',
      pricing_term: 'OnDemand',
      pricing_unit: 'GB-Mo',
      product: JSON.stringify({ product_name: 'Amazon Simple Storage Service' }),
      product_region_code: 'us-east-1',
      product_servicecode: 'AmazonS3',
    }),
  );
  lines.push({ cloud: 'aws', party: 'S3', category: 'Other', cost: new Decimal('1.2305') });

  const credit = new Decimal('-10');
  rows.push(monthRow('Credit', credit, 'AWS Activate credit applied to Amazon Bedrock'));
  lines.push({ cloud: 'aws', party: 'account', category: 'Credit', cost: credit });
  const taxable = sum(lines.filter((l) => l.cloud === 'aws' && l.party !== 'S3'));
  const tax = taxable.times('0.06').toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
  rows.push(monthRow('Tax', tax, 'Tax for product code AmazonBedrock'));
  lines.push({ cloud: 'aws', party: 'account', category: 'Tax', cost: tax });
  return rows;
}

// --- Google Cloud: the Cloud Billing export, standard schema, as newline-delimited JSON ----------

const VERTEX = { id: 'C7E2-9256-1C43', description: 'Vertex AI' };
interface GeminiSku {
  id: string;
  description: string;
  /** USD per 1M tokens. */
  price: string;
}
const FLASH_INPUT: GeminiSku = {
  id: 'A1B2-3C4D-5E01',
  description: 'Generate content input token count gemini 2.5 flash short input text',
  price: '0.30',
};
const FLASH_OUTPUT: GeminiSku = {
  id: 'A1B2-3C4D-5E02',
  description: 'Generate content output token count gemini 2.5 flash text',
  price: '2.50',
};
const PRO_INPUT: GeminiSku = {
  id: 'A1B2-3C4D-5E11',
  description: 'Generate content input token count gemini 2.5 pro short input text',
  price: '1.25',
};
const PRO_OUTPUT: GeminiSku = {
  id: 'A1B2-3C4D-5E12',
  description: 'Generate content output token count gemini 2.5 pro text',
  price: '10',
};
/** The share of list price the launch promotion takes off every Gemini line in production. */
const PROMOTION = new Decimal('0.10');

function gcpRow(
  project: typeof GCP.prod,
  day: number,
  hour: number,
  sku: GeminiSku,
  tokens: number,
  labels: Record<string, string>,
  credits: { name: string; amount: Decimal; id: string; type: string; full_name: string }[],
) {
  const cost = new Decimal(tokens).dividedBy(1_000_000).times(sku.price).toDecimalPlaces(6);
  const start = dayIso(day, hour);
  const end = dayIso(day, hour + 1);
  const ts = (iso: string) => iso.replace('T', ' ').replace('.000Z', ' UTC');
  return {
    cost,
    record: {
      billing_account_id: GCP.billingAccount,
      service: VERTEX,
      sku: { id: sku.id, description: sku.description },
      usage_start_time: ts(start),
      usage_end_time: ts(end),
      project: {
        id: project.id,
        number: project.number,
        name: project.name,
        labels: [{ key: 'env', value: project === GCP.prod ? 'prod' : 'research' }],
        ancestry_numbers: `/518204963371/${project.number}/`,
      },
      labels: Object.entries(labels).map(([key, value]) => ({ key, value })),
      system_labels: [],
      location: { location: 'us-central1', country: 'US', region: 'us-central1' },
      export_time: ts(dayIso(day + 1, 4)).replace(' UTC', '.218400 UTC'),
      cost: cost.toNumber(),
      currency: 'USD',
      currency_conversion_rate: 1,
      usage: {
        amount: tokens,
        unit: 'count',
        amount_in_pricing_units: new Decimal(tokens).dividedBy(1_000_000).toNumber(),
        pricing_unit: '1 million count',
      },
      credits: credits.map((c) => ({ ...c, amount: c.amount.toNumber() })),
      invoice: { month: MONTH.replace('-', '') },
      cost_type: 'regular',
      cost_at_list: cost.toNumber(),
    },
  };
}

function gcpBill(): object[] {
  const records: object[] = [];
  const add = (row: ReturnType<typeof gcpRow>, party: string) => {
    records.push(row.record);
    lines.push({ cloud: 'gcp', party, category: 'Usage', cost: row.cost });
    for (const credit of row.record.credits) {
      lines.push({ cloud: 'gcp', party, category: 'Credit', cost: new Decimal(credit.amount) });
    }
  };
  const promotion = (cost: Decimal) => [
    {
      name: 'Gemini launch promotion',
      amount: cost.times(PROMOTION).toDecimalPlaces(6).negated(),
      full_name: 'Gemini 2.5 launch promotion for Vertex AI',
      id: 'promo-gemini-2611',
      type: 'PROMOTION',
    },
  ];

  for (let day = 1; day <= DAYS; day++) {
    // data/doc-extractor runs its batch at 02:00 and labels every request with its caller.
    const labels = { 'argmin-caller': 'doc-extractor', team: 'data', pipeline: 'bills-of-lading' };
    for (const [sku, range] of [
      [FLASH_INPUT, [3_000_000, 5_000_000]],
      [FLASH_OUTPUT, [250_000, 450_000]],
    ] as const) {
      const tokens = int(range[0], range[1]);
      const probe = gcpRow(GCP.prod, day, 2, sku, tokens, labels, []);
      add(gcpRow(GCP.prod, day, 2, sku, tokens, labels, promotion(probe.cost)), 'doc-extractor');
    }
    // People prompting in Vertex AI Studio in production send no labels.
    if (!isWeekend(day) && random() < 0.5) {
      for (const [sku, range] of [
        [PRO_INPUT, [300_000, 900_000]],
        [PRO_OUTPUT, [30_000, 90_000]],
      ] as const) {
        const tokens = int(range[0], range[1]);
        const probe = gcpRow(GCP.prod, day, 15, sku, tokens, {}, []);
        add(gcpRow(GCP.prod, day, 15, sku, tokens, {}, promotion(probe.cost)), 'studio');
      }
    }
    // Research runs evaluations in its own project; only the project says whose it is.
    if (day === 2) {
      // 8M input tokens at 1.25 per 1M: a gross 10.00, with a promotion and the free tier.
      add(
        gcpRow(GCP.research, day, 10, PRO_INPUT, 8_000_000, { experiment: 'eta-eval' }, [
          {
            name: 'Research promotion',
            amount: new Decimal(-2),
            full_name: 'Vertex AI research promotion',
            id: 'promo-research-7731',
            type: 'PROMOTION',
          },
          {
            name: 'Free tier',
            amount: new Decimal(-3),
            full_name: 'Vertex AI free tier',
            id: 'free-tier-1',
            type: 'FREE_TIER',
          },
        ]),
        'research',
      );
    } else if (day % 7 === 2) {
      const tokens = int(2_000_000, 6_000_000);
      add(
        gcpRow(GCP.research, day, 10, PRO_INPUT, tokens, { experiment: 'eta-eval' }, []),
        'research',
      );
      const out = int(100_000, 300_000);
      add(
        gcpRow(GCP.research, day, 10, PRO_OUTPUT, out, { experiment: 'eta-eval' }, []),
        'research',
      );
    }
  }
  // Cloud Storage in production: not AI spend, out of scope.
  const storage = {
    ...gcpRow(GCP.prod, 1, 0, FLASH_INPUT, 1, {}, []).record,
    service: { id: '95FF-2EF5-5EA1', description: 'Cloud Storage' },
    sku: { id: 'E5F0-6A5D-7BAD', description: 'Standard Storage US Multi-region' },
    cost: 0.84,
    cost_at_list: 0.84,
    usage: {
      amount: 1.13e15,
      unit: 'byte-seconds',
      amount_in_pricing_units: 32.3,
      pricing_unit: 'gibibyte month',
    },
  };
  records.push(storage);
  lines.push({ cloud: 'gcp', party: 'storage', category: 'Other', cost: new Decimal('0.84') });
  return records;
}

// --- Azure: Azure OpenAI calls, their diagnostic logs, and the Cost Management exports ----------

interface AzureCall {
  day: number;
  at: string;
  party: 'reply-assistant' | 'ticket-triage' | 'nina' | 'api-key';
  prompt: number;
  cached: number;
  output: number;
}

function azureCalls(): AzureCall[] {
  const calls: AzureCall[] = [];
  const callers: [AzureCall['party'], number, [number, number], [number, number]][] = [
    ['reply-assistant', 5, [40_000, 90_000], [1_500, 4_000]],
    ['ticket-triage', 3, [12_000, 25_000], [400, 1_200]],
    ['nina', 2, [6_000, 18_000], [1_500, 3_500]],
    ['api-key', 1, [9_000, 24_000], [600, 1_800]],
  ];
  for (let day = 1; day <= DAYS; day++) {
    for (const [party, perDay, prompt, output] of callers) {
      if (party === 'nina' && isWeekend(day)) continue;
      for (let i = 0; i < perDay; i++) {
        const ms = MONTH_START_MS + (day - 1) * DAY_MS + int(13, 21) * 3_600_000;
        const at = new Date(ms + int(0, 3_599_999)).toISOString();
        const tokens = int(prompt[0], prompt[1]);
        // The assistant's system prompt is cached after its first call of the day.
        const cached = party === 'reply-assistant' && i > 0 ? Math.floor(tokens * 0.4) : 0;
        calls.push({ day, at, party, prompt: tokens, cached, output: int(output[0], output[1]) });
      }
    }
  }
  return calls.sort((a, b) => a.at.localeCompare(b.at));
}

const AZURE_METERS = {
  input: { name: 'gpt 4o 1120 Input global Tokens', price: '0.0025' },
  cached: { name: 'gpt 4o 1120 cached Inp glbl', price: '0.00125' },
  output: { name: 'gpt 4o 1120 Output global Tokens', price: '0.01' },
} as const;

const AZURE_COLUMNS =
  'InvoiceSectionName,AccountName,AccountOwnerId,SubscriptionId,SubscriptionName,ResourceGroup,ResourceLocation,Date,ProductName,MeterCategory,MeterSubCategory,MeterId,MeterName,MeterRegion,UnitOfMeasure,Quantity,EffectivePrice,CostInBillingCurrency,CostCenter,ConsumedService,ResourceId,Tags,OfferId,AdditionalInfo,ServiceInfo1,ServiceInfo2,ResourceName,ReservationId,ReservationName,UnitPrice,ProductOrderId,ProductOrderName,Term,PublisherType,PublisherName,ChargeType,Frequency,PricingModel,AvailabilityZone,BillingAccountId,BillingAccountName,BillingCurrencyCode,BillingPeriodStartDate,BillingPeriodEndDate,BillingProfileId,BillingProfileName,InvoiceSectionId,IsAzureCreditEligible,PartNumber,PayGPrice,PlanName,ServiceFamily,CostAllocationRuleName,benefitId,benefitName,AccountId,ResourceLocationNormalized'.split(
    ',',
  );
const OPENAI_RESOURCE = `/subscriptions/${AZURE.subscription}/resourceGroups/${AZURE.resourceGroup}/providers/Microsoft.CognitiveServices/accounts/${AZURE.account}`;

function azureCostRows(calls: AzureCall[]): { actual: string[][]; amortized: string[][] } {
  const rows: string[][] = [];
  const actualOnly: string[][] = [];
  const amortizedOnly: string[][] = [];
  const mmddyyyy = (day: number) => `11/${String(day).padStart(2, '0')}/2026`;
  const row = (values: Record<string, string>) => AZURE_COLUMNS.map((c) => values[c] ?? '');
  const common = {
    InvoiceSectionName: 'Engineering',
    AccountName: 'Lumen Engineering',
    AccountOwnerId: 'cloud-billing@lumen.example',
    SubscriptionId: AZURE.subscription,
    SubscriptionName: AZURE.subscriptionName,
    ResourceGroup: AZURE.resourceGroup,
    ResourceLocation: 'EastUS',
    OfferId: 'MS-AZR-0017P',
    PublisherType: 'Azure',
    PublisherName: 'Microsoft',
    BillingAccountId: AZURE.billingAccount,
    BillingAccountName: 'Lumen Freight Ltd',
    BillingCurrencyCode: 'USD',
    BillingPeriodStartDate: '11/01/2026',
    BillingPeriodEndDate: '11/30/2026',
    BillingProfileId: AZURE.billingAccount,
    BillingProfileName: 'Lumen Freight Ltd',
    IsAzureCreditEligible: 'True',
    AccountId: '5551212',
    ResourceLocationNormalized: 'eastus',
  };
  for (let day = 1; day <= DAYS; day++) {
    const today = calls.filter((c) => c.day === day);
    const tokens = {
      input: today.reduce((s, c) => s + c.prompt - c.cached, 0),
      cached: today.reduce((s, c) => s + c.cached, 0),
      output: today.reduce((s, c) => s + c.output, 0),
    };
    for (const kind of ['input', 'cached', 'output'] as const) {
      if (tokens[kind] === 0) continue;
      const meter = AZURE_METERS[kind];
      const quantity = new Decimal(tokens[kind]).dividedBy(1000);
      const cost = quantity.times(meter.price);
      rows.push(
        row({
          ...common,
          Date: mmddyyyy(day),
          ProductName: 'Azure OpenAI',
          MeterCategory: 'Cognitive Services',
          MeterSubCategory: 'Azure OpenAI',
          MeterId: `6e2f9c1a-0b3d-4e5f-8a7b-${['input', 'cached', 'output'].indexOf(kind)}0000000c0de`,
          MeterName: meter.name,
          MeterRegion: 'US East',
          UnitOfMeasure: '1K',
          Quantity: quantity.toString(),
          EffectivePrice: meter.price,
          CostInBillingCurrency: cost.toString(),
          ConsumedService: 'Microsoft.CognitiveServices',
          ResourceId: OPENAI_RESOURCE,
          Tags: '"team": "customer-care","env": "prod"',
          ResourceName: AZURE.account,
          UnitPrice: meter.price,
          ChargeType: 'Usage',
          Frequency: 'UsageBased',
          PricingModel: 'On Demand',
          PayGPrice: meter.price,
          ServiceFamily: 'AI + Machine Learning',
        }),
      );
      lines.push({ cloud: 'azure', party: `day ${day}`, category: 'Usage', cost });
    }
  }
  // Blob storage for the logs themselves: not AI spend, out of scope.
  rows.push(
    row({
      ...common,
      Date: mmddyyyy(1),
      ProductName: 'Blob Storage - Hot LRS',
      MeterCategory: 'Storage',
      MeterSubCategory: 'General Block Blob v2',
      MeterId: '2c9e1b7a-4d3f-4a6e-9b8c-000000005107',
      MeterName: 'Hot LRS Data Stored',
      MeterRegion: 'US East',
      UnitOfMeasure: '1 GB/Month',
      Quantity: '25',
      EffectivePrice: '0.0208',
      CostInBillingCurrency: '0.52',
      ConsumedService: 'Microsoft.Storage',
      ResourceId: `/subscriptions/${AZURE.subscription}/resourceGroups/rg-observability/providers/Microsoft.Storage/storageAccounts/lumenlogs`,
      Tags: '',
      ResourceName: 'lumenlogs',
      UnitPrice: '0.0208',
      ChargeType: 'Usage',
      Frequency: 'UsageBased',
      PricingModel: 'On Demand',
      PayGPrice: '0.0208',
      ServiceFamily: 'Storage',
    }),
  );
  lines.push({ cloud: 'azure', party: 'storage', category: 'Other', cost: new Decimal('0.52') });

  // The reservation: its purchase on the invoice, a day's share of it in the amortized view.
  const reservation = {
    ...common,
    ProductName: 'Azure OpenAI Provisioned Throughput Reservation',
    MeterId: '7f1a3c5e-9b2d-4e6f-8a0c-0000000000b7',
    MeterRegion: 'US East',
    ConsumedService: 'Microsoft.CognitiveServices',
    ReservationId: RESERVATION.id,
    ReservationName: RESERVATION.name,
    PublisherType: 'Azure',
    PricingModel: 'Reservation',
    ServiceFamily: 'AI + Machine Learning',
  };
  actualOnly.push(
    row({
      ...reservation,
      ResourceGroup: '',
      ResourceLocation: '',
      Date: mmddyyyy(1),
      UnitOfMeasure: '1 Year',
      Quantity: '1',
      EffectivePrice: '0',
      CostInBillingCurrency: RESERVATION.price.toFixed(2),
      ProductOrderId: RESERVATION.order,
      ProductOrderName: RESERVATION.name,
      Term: '12',
      ChargeType: 'Purchase',
      Frequency: 'OneTime',
    }),
  );
  lines.push({
    cloud: 'azure',
    party: 'reservation',
    category: 'Purchase',
    cost: RESERVATION.price,
  });
  const perDay = RESERVATION.perDay.toDecimalPlaces(8);
  for (let day = 1; day <= DAYS; day++) {
    amortizedOnly.push(
      row({
        ...reservation,
        ProductName: 'Azure OpenAI',
        MeterCategory: 'Cognitive Services',
        MeterSubCategory: 'Azure OpenAI',
        MeterName: 'Provisioned Managed Global Unit',
        Date: mmddyyyy(day),
        UnitOfMeasure: '1 Hour',
        Quantity: '24',
        EffectivePrice: perDay.dividedBy(24).toDecimalPlaces(8).toString(),
        CostInBillingCurrency: perDay.toString(),
        ChargeType: 'UnusedReservation',
        Frequency: 'UsageBased',
      }),
    );
  }
  return { actual: [...rows, ...actualOnly], amortized: [...rows, ...amortizedOnly] };
}

function azureManifest(type: 'ActualCost' | 'AmortizedCost', name: string, runId: string) {
  return {
    manifestVersion: '2024-04-01',
    byteCount: 0,
    blobCount: 1,
    dataRowCount: 0,
    exportConfig: {
      exportName: name,
      resourceId: `/providers/Microsoft.Billing/billingAccounts/${AZURE.billingAccount}/providers/Microsoft.CostManagement/exports/${name}`,
      dataVersion: '2024-08-01',
      apiVersion: '2023-07-01-preview',
      type,
      timeFrame: 'MonthToDate',
      granularity: 'Daily',
    },
    deliveryConfig: {
      partitionData: true,
      dataOverwriteBehavior: 'OverwritePreviousReport',
      fileFormat: 'Csv',
      compressionMode: 'None',
      containerUri: `/subscriptions/${AZURE.subscription}/resourceGroups/rg-finops/providers/Microsoft.Storage/storageAccounts/lumenfinops`,
      rootFolderPath: 'cost-exports',
    },
    runInfo: {
      executionType: 'Scheduled',
      submittedTime: '2026-12-02T04:10:00.0000000Z',
      runId,
      startDate: '2026-11-01T00:00:00',
      endDate: '2026-11-30T00:00:00',
    },
    blobs: [
      {
        blobName: `cost-exports/${name}/20261101-20261130/${runId}/part_0_0001.csv`,
        byteCount: 0,
        dataRowCount: 0,
      },
    ],
  };
}

/** One call as the account's diagnostic setting logs it: the request, then its token usage. */
function diagnosticRecords(call: AzureCall): object[] {
  const correlationId = uuid();
  const resourceId = OPENAI_RESOURCE.toUpperCase();
  const claims =
    call.party === 'reply-assistant'
      ? { appid: REPLY_ASSISTANT_CLIENT, oid: 'a4c1e9b2-7d3f-4b6a-9e8c-1f2d3a4b5c61' }
      : call.party === 'ticket-triage'
        ? { appid: TICKET_TRIAGE_CLIENT, oid: 'b7d2f0c3-8e4a-4c7b-a1f9-2e3d4c5b6a72' }
        : call.party === 'nina'
          ? {
              'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn': NINA,
              appid: '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
              oid: 'c3e4f5a6-b7c8-4d9e-8f0a-1b2c3d4e5f63',
            }
          : null;
  const deployment = call.party === 'nina' ? 'gpt-4o-playground' : 'gpt-4o-care';
  const duration = int(700, 4200);
  const envelope = {
    time: call.at.replace('Z', '0000Z'),
    resourceId,
    operationName: 'ChatCompletions_Create',
    callerIpAddress: `10.40.${int(0, 15)}.***`,
    correlationId,
    durationMs: duration,
    resultSignature: '200',
    location: 'eastus',
    Tenant: 'eastus',
    event: 'ShoeboxCallResult',
  };
  const ticks = (iso: string) =>
    (BigInt(Date.parse(iso)) * 10_000n + 621_355_968_000_000_000n).toString();
  const request = {
    ...envelope,
    category: 'RequestResponse',
    properties: {
      apiName: 'Azure OpenAI API version 2024-10-21',
      requestTime: Number(ticks(call.at)),
      requestLength: int(2_000, 60_000),
      responseTime: Number(ticks(new Date(Date.parse(call.at) + duration).toISOString())),
      responseLength: int(1_000, 8_000),
      objectId: claims?.oid ?? '',
      streamType: call.party === 'reply-assistant' ? 'Streaming' : 'Non-Streaming',
      modelDeploymentName: deployment,
      modelName: 'gpt-4o',
      modelVersion: '2024-11-20',
    },
    ...(claims ? { identity: { claims } } : {}),
  };
  const usage = {
    ...envelope,
    category: 'AzureOpenAIRequestUsage',
    properties: {
      modelDeploymentName: deployment,
      modelName: 'gpt-4o',
      objectId: claims?.oid ?? '',
      promptTokens: [call.prompt],
      generatedTokens: [call.output],
      ...(call.cached > 0 ? { cachedTokens: [call.cached] } : {}),
    },
    ...(claims ? { identity: { claims } } : {}),
  };
  return [request, usage];
}

// --- SCIM: the people and groups, as the identity provider serves them ----------------------------

const SCIM_BASE = 'https://lumen.okta.example/scim/v2';
interface Person {
  id: string;
  given: string;
  family: string;
  title: string;
  costCenter: string;
  department: string;
  manager?: string;
  group: string;
}
const PEOPLE: Person[] = [
  {
    id: '00u1dev',
    given: 'Devika',
    family: 'Anand',
    title: 'VP of Engineering',
    costCenter: 'CC-2000',
    department: 'Engineering',
    group: 'engineering',
  },
  {
    id: '00u2tom',
    given: 'Tom',
    family: 'Okoye',
    title: 'Engineering Manager, Routing',
    costCenter: 'CC-2100',
    department: 'Routing',
    manager: '00u1dev',
    group: 'routing',
  },
  {
    id: '00u3nina',
    given: 'Nina',
    family: 'Brandt',
    title: 'Customer Care Engineering Lead',
    costCenter: 'CC-2200',
    department: 'Customer Care',
    manager: '00u1dev',
    group: 'customer-care',
  },
  {
    id: '00u4maria',
    given: 'Maria',
    family: 'Garcia',
    title: 'Data Analyst',
    costCenter: 'CC-2300',
    department: 'Data',
    manager: '00u5jonas',
    group: 'data',
  },
  {
    id: '00u5jonas',
    given: 'Jonas',
    family: 'Berg',
    title: 'Engineering Manager, Data',
    costCenter: 'CC-2300',
    department: 'Data',
    manager: '00u1dev',
    group: 'data',
  },
  {
    id: '00u6li',
    given: 'Li',
    family: 'Wei',
    title: 'Staff Engineer, Platform',
    costCenter: 'CC-2400',
    department: 'Platform',
    manager: '00u1dev',
    group: 'platform',
  },
];
const GROUPS = ['engineering', 'routing', 'customer-care', 'data', 'platform'];
const groupId = (name: string) => `00g${name.replace(/-/g, '').slice(0, 8)}`;
const userName = (p: Person) => `${p.given}.${p.family}`.toLowerCase() + '@lumen.example';

function scimUsers(): object {
  const resources = PEOPLE.map((p) => ({
    schemas: [
      'urn:ietf:params:scim:schemas:core:2.0:User',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
    ],
    id: p.id,
    externalId: `okta-${p.id.slice(3)}`,
    userName: userName(p),
    name: { formatted: `${p.given} ${p.family}`, givenName: p.given, familyName: p.family },
    displayName: `${p.given} ${p.family}`,
    title: p.title,
    active: true,
    emails: [{ value: userName(p), type: 'work', primary: true }],
    groups: [
      {
        value: groupId(p.group),
        $ref: `${SCIM_BASE}/Groups/${groupId(p.group)}`,
        display: p.group,
        type: 'direct',
      },
    ],
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': {
      costCenter: p.costCenter,
      organization: 'Lumen Freight',
      division: 'Engineering',
      department: p.department,
      ...(p.manager
        ? {
            manager: {
              value: p.manager,
              $ref: `${SCIM_BASE}/Users/${p.manager}`,
              displayName: PEOPLE.filter((m) => m.id === p.manager).map(
                (m) => `${m.given} ${m.family}`,
              )[0],
            },
          }
        : {}),
    },
    meta: {
      resourceType: 'User',
      created: '2024-03-11T09:00:00Z',
      lastModified: '2026-10-28T12:00:00Z',
      location: `${SCIM_BASE}/Users/${p.id}`,
    },
  }));
  return listResponse(resources);
}

function scimGroups(): object {
  const resources = GROUPS.map((name) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    id: groupId(name),
    displayName: name,
    members:
      name === 'engineering'
        ? GROUPS.filter((g) => g !== 'engineering').map((g) => ({
            value: groupId(g),
            $ref: `${SCIM_BASE}/Groups/${groupId(g)}`,
            type: 'Group',
            display: g,
          }))
        : PEOPLE.filter((p) => p.group === name).map((p) => ({
            value: p.id,
            $ref: `${SCIM_BASE}/Users/${p.id}`,
            type: 'User',
            display: `${p.given} ${p.family}`,
          })),
    meta: {
      resourceType: 'Group',
      created: '2024-03-11T09:00:00Z',
      lastModified: '2026-10-28T12:00:00Z',
      location: `${SCIM_BASE}/Groups/${groupId(name)}`,
    },
  }));
  return listResponse(resources);
}

function listResponse(resources: object[]): object {
  return {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
    totalResults: resources.length,
    startIndex: 1,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}

// --- writing ---------------------------------------------------------------------------------------

function sum(items: readonly Line[]): Decimal {
  return items.reduce((s, l) => s.plus(l.cost), new Decimal(0));
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvLine(values: readonly string[]): string {
  return values.map((v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',');
}

function write(relative: string, text: string): void {
  const path = join(DATA_DIR, relative);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function main(): void {
  rmSync(DATA_DIR, { recursive: true, force: true });

  const cur = awsBill();
  write(
    'aws/lumen-cur/data/BILLING_PERIOD=2026-11/lumen-cur-00001.csv',
    [CUR_COLUMNS.join(','), ...cur.map((r) => csvLine(CUR_COLUMNS.map((c) => r[c])))].join('\n') +
      '\n',
  );

  const gcp = gcpBill();
  write(
    `gcp/gcp_billing_export_v1_${GCP.billingAccount.replace(/-/g, '_')}-202611.jsonl`,
    gcp.map((r) => JSON.stringify(r)).join('\n') + '\n',
  );

  const calls = azureCalls();
  const costRows = azureCostRows(calls);
  for (const [type, name, runId, dataset] of [
    ['ActualCost', 'lumen-openai-actual', '5a7c9e1b-3d5f-4a8c-9e2b-6d8f0a1c3e5a', costRows.actual],
    [
      'AmortizedCost',
      'lumen-openai-amortized',
      '8b0d2f4a-6c8e-4b1d-a3f5-7e9a1c3e5b7d',
      costRows.amortized,
    ],
  ] as const) {
    const csv = [csvLine(AZURE_COLUMNS), ...dataset.map(csvLine)].join('\r\n') + '\r\n';
    const folder = `azure/cost-exports/${name}/20261101-20261130/${runId}`;
    write(`${folder}/part_0_0001.csv`, csv);
    write(
      `${folder}/manifest.json`,
      JSON.stringify(azureManifest(type, name, runId), null, 2) + '\n',
    );
  }
  const logged = calls.filter((c) => c.day >= LOGS_FROM_DAY);
  const byHour = new Map<string, object[]>();
  for (const call of logged) {
    const hour = call.at.slice(0, 13);
    byHour.set(hour, [...(byHour.get(hour) ?? []), ...diagnosticRecords(call)]);
  }
  const prefix = `azure/insights-logs-requestresponse/resourceId=${OPENAI_RESOURCE.toUpperCase()}`;
  for (const [hour, records] of byHour) {
    const [y, m, d, h] = [
      hour.slice(0, 4),
      hour.slice(5, 7),
      hour.slice(8, 10),
      hour.slice(11, 13),
    ];
    write(
      `${prefix}/y=${y}/m=${m}/d=${d}/h=${h}/m=00/PT1H.json`,
      records.map((r) => JSON.stringify(r)).join('\n') + '\n',
    );
  }

  write('scim/users.json', JSON.stringify(scimUsers(), null, 2) + '\n');
  write('scim/groups.json', JSON.stringify(scimGroups(), null, 2) + '\n');

  printSummary(calls);
}

function printSummary(calls: AzureCall[]): void {
  const out = (amount: Decimal, label: string) =>
    console.log(`${amount.toFixed(6).padStart(14)}  ${label}`);
  const ai = lines.filter((l) => l.category !== 'Other');
  out(sum(ai), 'AI spend, all clouds');
  out(RESERVATION.perDay.times(DAYS), 'azure reservation, amortized over November');
  for (const cloud of ['aws', 'gcp', 'azure'] as const) {
    const of = ai.filter((l) => l.cloud === cloud);
    out(sum(of), `${cloud}`);
    for (const category of ['Usage', 'Purchase', 'Credit', 'Tax'] as const) {
      const part = of.filter((l) => l.category === category);
      if (part.length > 0) out(sum(part), `  ${category}`);
    }
    const parties = [...new Set(of.map((l) => l.party))].filter((p) => !p.startsWith('day '));
    for (const party of parties) out(sum(of.filter((l) => l.party === party)), `  - ${party}`);
    out(sum(lines.filter((l) => l.cloud === cloud && l.category === 'Other')), '  out of scope');
  }

  // Azure bills the account by day and meter; its calls share each day's lines by their tokens.
  const costOf = (c: AzureCall) =>
    new Decimal(c.prompt - c.cached)
      .times(AZURE_METERS.input.price)
      .plus(new Decimal(c.cached).times(AZURE_METERS.cached.price))
      .plus(new Decimal(c.output).times(AZURE_METERS.output.price))
      .dividedBy(1000);
  for (const party of ['reply-assistant', 'ticket-triage', 'nina', 'api-key'] as const) {
    const seen = calls.filter((c) => c.party === party && c.day >= LOGS_FROM_DAY);
    const unseen = calls.filter((c) => c.party === party && c.day < LOGS_FROM_DAY);
    out(
      seen.reduce((s, c) => s.plus(costOf(c)), new Decimal(0)),
      `  azure ${party}, logged (${seen.length} calls)`,
    );
    out(
      unseen.reduce((s, c) => s.plus(costOf(c)), new Decimal(0)),
      `  azure ${party}, before logging`,
    );
  }
}

main();
