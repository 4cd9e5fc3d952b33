import { describe, expect, it } from 'vitest';
import type { CostRow } from './model.js';
import { parsePriceBookFile, PriceBook } from './price-book.js';
import { priceDrift } from './price-book-drift.js';

const MODEL = 'amazon.nova-pro-v1:0';
const BOOK = `
provider: aws
currency: USD
perTokens: 1000
source: test list
models:
  - model: ${MODEL}
    regions: [us-east-1]
    versions:
      - effectiveFrom: '2026-01-01'
        inputTokens: '0.0008'
        outputTokens: '0.0032'
`;
const book = new PriceBook(parsePriceBookFile(BOOK, 'book.yaml').versions, {
  normalizeModel: (_provider, model) => model,
});

let line = 1;
function usage(billedCost: string, extra: Partial<CostRow> = {}): CostRow {
  line++;
  return {
    id: `line-${line}`,
    source: { connector: 'aws', file: 'cur.csv', line },
    provider: 'aws',
    billingAccountId: '000',
    subAccountId: '111',
    billingPeriodStart: '2026-10-01T00:00:00Z',
    billingPeriodEnd: '2026-11-01T00:00:00Z',
    chargePeriodStart: '2026-10-03T00:00:00Z',
    chargePeriodEnd: '2026-10-04T00:00:00Z',
    chargeCategory: 'Usage',
    chargeType: 'Usage',
    serviceName: 'Amazon Bedrock',
    usageType: 'USE1-NovaPro-input-tokens',
    region: 'us-east-1',
    resourceId: null,
    model: MODEL,
    tokenClass: 'inputTokens',
    // 1,000 thousand tokens: at list price 0.80.
    quantity: '1000',
    unit: '1K tokens',
    billedCost,
    currency: 'USD',
    principal: null,
    tags: {},
    ...extra,
  };
}

describe('price drift', () => {
  it.each([
    ['the list price', '0.8'],
    ['4.9% under it', '0.7608'],
    ['exactly 5% over it', '0.84'],
  ])('reports nothing for a line billed at %s', (_name, cost) => {
    expect(priceDrift([usage(cost)], book)).toEqual([]);
  });

  it('reports a line billed 6% under the list price, with both unit prices and where it is', () => {
    const [drift, ...more] = priceDrift([usage('0.752'), usage('0.8')], book);
    expect(more).toEqual([]);
    expect(drift).toEqual({
      provider: 'aws',
      model: MODEL,
      region: 'us-east-1',
      tokenClass: 'inputTokens',
      currency: 'USD',
      billUnitPrice: '0.000752',
      bookUnitPrice: '0.0008',
      ratio: '0.9400',
      effectiveFrom: '2026-01-01',
      lines: 1,
      tokens: '1000000',
      billedCost: '0.752',
      samples: [{ file: 'cur.csv', line: line - 1 }],
    });
  });

  it('takes a threshold of its own', () => {
    expect(priceDrift([usage('0.82')], book, { threshold: '0.02' })).toHaveLength(1);
    expect(priceDrift([usage('0.82')], book, { threshold: '0.03' })).toEqual([]);
  });

  it('groups the drifted lines of one model, region and class, and sums them', () => {
    const [drift] = priceDrift([usage('0.9'), usage('0.9', { quantity: '500' })], book);
    expect(drift).toMatchObject({ lines: 2, tokens: '1500000', billedCost: '1.8' });
    expect(drift!.billUnitPrice).toBe('0.0012');
  });

  it('has nothing to say of an unpriced model, a region the book lacks, or a line of no tokens', () => {
    const rows = [
      usage('9', { model: 'amazon.nova-ultra-v9:0' }),
      usage('9', { region: 'eu-west-1' }),
      usage('9', { unit: 'hours' }),
      usage('-9', { chargeCategory: 'Credit' }),
    ];
    expect(priceDrift(rows, book)).toEqual([]);
  });
});
