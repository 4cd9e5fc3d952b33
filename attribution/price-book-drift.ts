// Drift between what the bill charges per token and what the price book lists: a bill line's unit
// price (its billed cost over the tokens it bills) against the book's for its model, region,
// class and date. Drift means the book is stale or the customer has a discount; either way the bill
// stays the truth for reconciliation, and the drift is reported for a person to look at.
import type { CostRow, TokenClass } from './model.js';
import { Money, moneyText, ZERO } from './money.js';
import type { PriceBook } from './price-book.js';

/** Relative difference past which a unit price has drifted: 5%. */
export const DEFAULT_DRIFT_THRESHOLD = '0.05';
/** Unit prices are reported per this many tokens, as price lists quote them. */
export const DRIFT_PRICE_TOKENS = 1000;
/** Lines named per drift, so a person can find them without the whole list. */
const SAMPLE_LINES = 5;
const UNIT_PRICE_DECIMALS = 10;
const RATIO_DECIMALS = 4;

export interface PriceDrift {
  provider: string;
  model: string;
  region: string | null;
  tokenClass: TokenClass;
  currency: string;
  /** Decimal strings per `DRIFT_PRICE_TOKENS` tokens. */
  billUnitPrice: string;
  bookUnitPrice: string;
  /** The bill's unit price over the book's. */
  ratio: string;
  /** The book version compared against. */
  effectiveFrom: string;
  /** How many bill lines drifted, the tokens they bill and what they cost. */
  lines: number;
  tokens: string;
  billedCost: string;
  samples: { file: string; line: number }[];
}

export interface DriftOptions {
  /** Decimal string: relative difference past which a line has drifted. */
  threshold?: string;
}

interface Group {
  drift: Omit<PriceDrift, 'billUnitPrice' | 'ratio' | 'lines' | 'tokens' | 'billedCost'>;
  bookPerToken: Money;
  tokens: Money;
  cost: Money;
  lines: number;
}

export function priceDrift(
  rows: CostRow[],
  book: PriceBook,
  options: DriftOptions = {},
): PriceDrift[] {
  const threshold = new Money(options.threshold ?? DEFAULT_DRIFT_THRESHOLD);
  const groups = new Map<string, Group>();

  for (const row of rows) {
    if (row.chargeCategory !== 'Usage' || !row.model || !row.tokenClass) continue;
    const tokens = tokensBilled(row);
    const cost = new Money(row.billedCost);
    if (!tokens || tokens.isZero() || !cost.isPositive()) continue;
    const price = book.unitPrice({
      provider: row.provider,
      model: row.model,
      region: row.region,
      tokenClass: row.tokenClass,
      at: row.chargePeriodStart,
    });
    // An unpriced model has no list price to drift from; a price in another currency cannot be met.
    if (!price || price.currency !== row.currency) continue;
    const ratio = cost.dividedBy(tokens).dividedBy(price.perToken);
    if (ratio.minus(1).abs().lessThanOrEqualTo(threshold)) continue;

    const key = JSON.stringify([
      row.provider,
      price.model,
      row.region,
      row.tokenClass,
      row.currency,
      price.effectiveFrom,
    ]);
    const group = groups.get(key) ?? {
      drift: {
        provider: row.provider,
        model: price.model,
        region: row.region,
        tokenClass: row.tokenClass,
        currency: row.currency,
        bookUnitPrice: moneyText(price.perToken.times(DRIFT_PRICE_TOKENS)),
        effectiveFrom: price.effectiveFrom,
        samples: [],
      },
      bookPerToken: price.perToken,
      tokens: ZERO,
      cost: ZERO,
      lines: 0,
    };
    group.tokens = group.tokens.plus(tokens);
    group.cost = group.cost.plus(cost);
    group.lines++;
    if (group.drift.samples.length < SAMPLE_LINES) {
      group.drift.samples.push({ file: row.source.file, line: row.source.line });
    }
    groups.set(key, group);
  }

  return [...groups.values()]
    .map((g) => {
      const perToken = g.cost.dividedBy(g.tokens);
      const { samples, bookUnitPrice, effectiveFrom, ...where } = g.drift;
      return {
        ...where,
        billUnitPrice: moneyText(
          perToken.times(DRIFT_PRICE_TOKENS).toDecimalPlaces(UNIT_PRICE_DECIMALS),
        ),
        bookUnitPrice,
        ratio: perToken.dividedBy(g.bookPerToken).toFixed(RATIO_DECIMALS),
        effectiveFrom,
        lines: g.lines,
        tokens: moneyText(g.tokens),
        billedCost: moneyText(g.cost),
        samples,
      };
    })
    .sort((a, b) => compare(a, b));
}

function compare(a: PriceDrift, b: PriceDrift): number {
  const keys = (d: PriceDrift) => [
    d.provider,
    d.model,
    d.region ?? '',
    d.tokenClass,
    d.effectiveFrom,
  ];
  const [x, y] = [keys(a), keys(b)];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return 0;
}

/** Tokens a line bills, from its quantity and pricing unit (`1K tokens`, `tokens`, `1M tokens`). */
function tokensBilled(row: CostRow): Money | null {
  if (!row.quantity || !row.unit) return null;
  const unit = /^\s*(\d+(?:\.\d+)?)?\s*([KMB])?\s*tokens?\s*$/i.exec(row.unit);
  if (!unit) return null;
  const scale = { K: 1e3, M: 1e6, B: 1e9 }[(unit[2] ?? '').toUpperCase()] ?? 1;
  return new Money(row.quantity).times(unit[1] ?? 1).times(scale);
}
