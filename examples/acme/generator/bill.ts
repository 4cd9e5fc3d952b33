// The October 2026 CUR 2.0 export (daily granularity, caller identity allocation on): Bedrock
// token lines built from the month's calls, lines nothing logged, lines that name their caller,
// one S3 line outside AI scope, and the fee, credit and tax lines.
import { Decimal } from 'decimal.js';
import type { TokenClass } from '../../../attribution/index.js';
import type { Call } from './calls.js';
import {
  monthRow,
  s3Row,
  tokenRow,
  usageTypeOf,
  USAGE_TYPE_SUFFIX,
  type CurRow,
  type LineType,
  type PricedRow,
  type TokenUsage,
} from './cur-rows.js';
import {
  DAYS_IN_MONTH,
  isWeekend,
  NOVA_PRO,
  PROD,
  SANDBOX,
  SONNET_4,
  type Account,
  type Model,
  type Range,
} from './org.js';
import type { Random } from './random.js';

const TOKEN_CLASSES = Object.keys(USAGE_TYPE_SUFFIX) as TokenClass[];

/** Logs and events see most of what the bill counts, never all: retries, console use, drops. */
const COVERAGE: Range = [86, 97];
const TAX_RATE = new Decimal('0.06');
const DANA_PRINCIPAL = `arn:aws:iam::${SANDBOX.id}:user/dana.kim`;

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
  type: LineType;
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
  const token = (t: Omit<TokenUsage, 'sku'>): BillLine => {
    const priced = tokenRow(random, { ...t, sku: sku(usageTypeOf(t)) });
    return { ...t, type: 'Usage', ...priced };
  };
  const month = (account: Account, type: Exclude<LineType, 'Usage'>, priced: PricedRow) =>
    ({
      account,
      day: null,
      type,
      model: null,
      tokenClass: null,
      region: null,
      tokens: null,
      principal: '',
      ...priced,
    }) satisfies BillLine;
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

  lines.push({
    account: PROD,
    day: 1,
    type: 'Usage',
    model: null,
    tokenClass: null,
    region: 'us-east-1',
    tokens: null,
    principal: '',
    ...s3Row(random),
  });
  lines.push(
    month(
      PROD,
      'Fee',
      monthRow(random, PROD, 'Fee', {
        usageType: 'USE1-CustomModelStorage',
        amount: '2',
        rate: '1.95',
        unit: 'Model-Mo',
        description: 'Amazon Bedrock custom model storage, per model per month',
      }),
    ),
  );
  lines.push(
    month(
      SANDBOX,
      'Credit',
      monthRow(random, SANDBOX, 'Credit', {
        usageType: '',
        amount: '',
        rate: '',
        unit: '',
        cost: new Decimal('-75.00'),
        description: 'Promotional credit for Amazon Bedrock',
      }),
    ),
  );

  for (const account of [PROD, SANDBOX]) {
    const taxable = lines
      .filter((l) => l.account === account && l.row.line_item_product_code === 'AmazonBedrock')
      .reduce((sum, l) => sum.plus(l.cost), new Decimal(0));
    lines.push(
      month(
        account,
        'Tax',
        monthRow(random, account, 'Tax', {
          usageType: '',
          amount: '',
          rate: '',
          unit: '',
          cost: taxable.times(TAX_RATE).toDecimalPlaces(2, Decimal.ROUND_HALF_UP),
          description: 'Tax for product code AmazonBedrock',
        }),
      ),
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
