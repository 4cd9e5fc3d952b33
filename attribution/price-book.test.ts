import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { UsageEvent } from './model.js';
import { moneyText } from './money.js';
import { loadPriceBook, parsePriceBookFile, PriceBook, PriceBookError } from './price-book.js';

// Stands in for the connectors' normalizer: drops Bedrock's geographic and global profile prefixes.
const normalizeModel = (provider: string, model: string) =>
  provider === 'aws' ? model.replace(/^(?:us|eu|apac|global)\./, '') : model.toLowerCase();

const SONNET = 'anthropic.claude-sonnet-4-20250514-v1:0';
const PROFILE_ARN = 'arn:aws:bedrock:us-east-1:210987654321:application-inference-profile/a1b2c3';

const BOOK = `
provider: aws
currency: USD
perTokens: 1000
source: test list
aliases:
  ${PROFILE_ARN}: ${SONNET}
models:
  - model: ${SONNET}
    regions: [us-east-1, us-west-2]
    versions:
      - effectiveFrom: '2026-01-01'
        inputTokens: '0.003'
        outputTokens: '0.015'
        cacheReadTokens: '0.0003'
      - effectiveFrom: '2026-10-15'
        inputTokens: '0.0025'
        outputTokens: '0.0125'
        cacheReadTokens: '0.00025'
`;

const AZURE = `
provider: azure
currency: USD
perTokens: 1000000
source: test list
aliases:
  support-drafts-prod: gpt-4o
models:
  - model: gpt-4o
    versions:
      - effectiveFrom: '2026-01-01'
        inputTokens: '2.5'
        outputTokens: '10'
`;

function book(...files: string[]): PriceBook {
  const parsed = files.map((f, i) => parsePriceBookFile(f, `book-${i}.yaml`));
  const aliases = Object.assign({}, ...parsed.map((p) => p.aliases)) as Record<
    string,
    Record<string, string>
  >;
  return new PriceBook(
    parsed.flatMap((p) => p.versions),
    { normalizeModel, aliases },
  );
}

function call(extra: Partial<UsageEvent>): UsageEvent {
  return {
    requestId: 'r1',
    timestamp: '2026-10-03T12:00:00Z',
    provider: 'aws',
    model: SONNET,
    region: 'us-east-1',
    inputTokens: 1000,
    outputTokens: 100,
    ...extra,
  };
}

const input = (b: PriceBook, at: string, model = SONNET, region: string | null = 'us-east-1') =>
  b.unitPrice({ provider: 'aws', model, region, tokenClass: 'inputTokens', at });

describe('price book', () => {
  it.each([
    ['before the first version: unpriced', '2025-12-31T23:59:59Z', null],
    ['from the first version', '2026-01-01T00:00:00Z', '0.000003'],
    ['the last instant before the next version', '2026-10-14T23:59:59.999Z', '0.000003'],
    ['from the next version on', '2026-10-15T00:00:00Z', '0.0000025'],
    ['long after the last version', '2027-06-01T00:00:00Z', '0.0000025'],
  ])('applies each version from its date until the next: %s', (_name, at, perToken) => {
    const price = input(book(BOOK), at);
    expect(price ? moneyText(price.perToken) : null).toBe(perToken);
  });

  it.each([
    ['the model id', SONNET],
    ['a US geographic profile', `us.${SONNET}`],
    ['an EU geographic profile', `eu.${SONNET}`],
    ['the global profile', `global.${SONNET}`],
    ['an application inference profile ARN', PROFILE_ARN],
  ])('resolves %s to the priced model', (_name, spelling) => {
    const b = book(BOOK);
    expect(b.resolveModel('aws', spelling)).toBe(SONNET);
    expect(moneyText(input(b, '2026-10-03T00:00:00Z', spelling)!.perToken)).toBe('0.000003');
  });

  it('resolves an Azure deployment name to the model it serves', () => {
    const b = book(AZURE);
    const price = b.unitPrice({
      provider: 'azure',
      model: 'support-drafts-prod',
      region: 'eastus',
      tokenClass: 'outputTokens',
      at: '2026-10-03T00:00:00Z',
    });
    expect(price?.model).toBe('gpt-4o');
    expect(moneyText(price!.perToken)).toBe('0.00001');
  });

  it.each([
    ['a model the book does not know', call({ model: 'anthropic.claude-opus-9-v1:0' })],
    ['a region the book does not price', call({ region: 'ap-south-1' })],
    ['a class the model has no price for', call({ cacheWriteTokens: 10 })],
    ['a call before the first price', call({ timestamp: '2025-06-01T00:00:00Z' })],
    ['a call whose output is unknown', call({ outputTokens: undefined })],
    ['a call that names no model', call({ model: null })],
    ['a provider with no book at all', call({ provider: 'openai', model: 'gpt-4o' })],
  ])('leaves %s unpriced, never free', (_name, event) => {
    expect(book(BOOK, AZURE).estimateCost(event)).toBeNull();
  });

  it('prices a call whose region is unknown only where every region costs the same', () => {
    expect(moneyText(input(book(BOOK), '2026-10-03T00:00:00Z', SONNET, null)!.perToken)).toBe(
      '0.000003',
    );
    const uneven = BOOK.replace('regions: [us-east-1, us-west-2]', 'regions: [us-east-1]').concat(
      `  - model: ${SONNET}\n    regions: [us-west-2]\n    versions:\n` +
        `      - effectiveFrom: '2026-01-01'\n        inputTokens: '0.004'\n`,
    );
    expect(input(book(uneven), '2026-10-03T00:00:00Z', SONNET, null)).toBeNull();
  });

  it('estimates a call to the exact decimal, with no binary rounding', () => {
    const b = book(BOOK);
    const event = call({ inputTokens: 3, outputTokens: 7, cacheReadTokens: 11 });
    // 3 x 0.000003 + 7 x 0.000015 + 11 x 0.0000003, where floats give 0.00011730000000000001.
    expect(moneyText(b.estimateCost(event)!)).toBe('0.0001173');
    const after = call({ timestamp: '2026-10-20T00:00:00Z', inputTokens: 1, outputTokens: 1 });
    expect(moneyText(b.estimateCost(after)!)).toBe('0.000015');
  });

  it('counts absent cache classes as no cache use, and zero tokens of an unpriced class as none', () => {
    const b = book(BOOK);
    expect(moneyText(b.estimateCost(call({ cacheWriteTokens: 0 }))!)).toBe('0.0045');
  });

  it('refuses an estimate in another currency than the bill', () => {
    expect(book(BOOK).estimateCost(call({}), { currency: 'EUR' })).toBeNull();
  });

  it.each([
    ['a price written as a YAML number', BOOK.replace("'0.015'", '0.015'), 'outputTokens'],
    ['a date that is not one', BOOK.replace("'2026-10-15'", "'2026-13-01'"), 'effectiveFrom'],
    ['a file with no models and no aliases', 'provider: aws\ncurrency: USD\nsource: x\n', 'models'],
    [
      'two prices for the same model, region and day',
      BOOK.replace("'2026-10-15'", "'2026-01-01'"),
      'models[0].versions[1].effectiveFrom',
    ],
  ])('refuses %s with the file, line and field', (_name, text, field) => {
    expect(() => parsePriceBookFile(text, 'bad.yaml')).toThrow(PriceBookError);
    try {
      parsePriceBookFile(text, 'bad.yaml');
    } catch (err) {
      const e = err as PriceBookError;
      expect(e.file).toBe('bad.yaml');
      expect(e.field).toContain(field);
      expect(e.line).toBeGreaterThan(0);
    }
  });

  it('reads the shipped book, and a file given beside it wins for the same day', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'argmin-price-book-'));
    const own = path.join(dir, 'negotiated.yaml');
    await writeFile(
      own,
      [
        'provider: aws',
        'currency: USD',
        'perTokens: 1000',
        'source: our private pricing',
        'aliases:',
        `  ${PROFILE_ARN}: ${SONNET}`,
        'models:',
        `  - model: ${SONNET}`,
        '    regions: [us-east-1]',
        '    versions:',
        "      - effectiveFrom: '2025-05-22'",
        "        inputTokens: '0.0027'",
      ].join('\n'),
    );
    const shipped = await loadPriceBook({ normalizeModel });
    expect(moneyText(input(shipped, '2026-10-03T00:00:00Z')!.perToken)).toBe('0.000003');

    const withOwn = await loadPriceBook({ normalizeModel, paths: [own] });
    const price = input(withOwn, '2026-10-03T00:00:00Z', PROFILE_ARN)!;
    expect(moneyText(price.perToken)).toBe('0.0000027');
    expect(price.source).toBe('our private pricing');
    // The shipped book still prices what the customer's file leaves out.
    expect(moneyText(input(withOwn, '2026-10-03T00:00:00Z', SONNET, 'us-west-2')!.perToken)).toBe(
      '0.000003',
    );
  });
});
