// The price book with the real model-name normalizer, and named by an AttributionPolicy on a copy of
// the minimal example: drift is reported, the figures still come from the bill.
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../attribution/index.js';
import { loadPriceBook } from '../attribution/price-book.js';
import { attributeFolder } from '../cli/attribute-command.js';
import { normalizeModelId } from '../connectors/index.js';

const SONNET = 'anthropic.claude-sonnet-4-20250514-v1:0';

async function exampleWithPolicy(policySpec: string, prices: string | null): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'argmin-prices-'));
  await cp('examples/minimal', dir, { recursive: true });
  const manifests = path.join(dir, 'manifests.yaml');
  const policy = [
    '---',
    'apiVersion: argmin.io/v1alpha1',
    'kind: AttributionPolicy',
    'metadata:',
    '  name: pricing',
    'spec:',
    policySpec,
    '',
  ].join('\n');
  await writeFile(manifests, `${await readFile(manifests, 'utf8')}${policy}`);
  if (prices !== null) {
    await mkdir(path.join(dir, 'prices'));
    await writeFile(path.join(dir, 'prices/negotiated.yaml'), prices);
  }
  return dir;
}

const NEGOTIATED = `apiVersion: argmin.io/v1alpha1
kind: PriceBook
metadata:
  name: negotiated
provider: aws
currency: USD
perTokens: 1000
source: negotiated rates
models:
  - model: ${SONNET}
    regions: [us-east-1]
    versions:
      - effectiveFrom: '2026-01-01'
        inputTokens: '0.0025'
`;

async function attributeOn(dir: string) {
  const store = await Store.open(undefined);
  try {
    return await attributeFolder(dir, store);
  } finally {
    await store.close();
  }
}

describe('the shipped price book with the connectors model names', () => {
  it.each([
    ['a US cross-region profile', `us.${SONNET}`],
    ['the global profile', `global.${SONNET}`],
    [
      'a system inference profile ARN',
      `arn:aws:bedrock:us-east-1:123:inference-profile/eu.${SONNET}`,
    ],
    ['a foundation-model ARN', `arn:aws:bedrock:us-west-2::foundation-model/${SONNET}`],
    ['the CUR billing name', 'Claude4Sonnet'],
  ])('prices %s as the model', async (_name, spelling) => {
    const book = await loadPriceBook({ normalizeModel: normalizeModelId });
    const price = book.unitPrice({
      provider: 'aws',
      model: spelling,
      region: 'us-east-1',
      tokenClass: 'outputTokens',
      at: '2026-10-03T00:00:00Z',
    });
    expect(price?.model).toBe(SONNET);
    expect(price?.perToken.times(1000).toFixed()).toBe('0.015');
  });
});

describe('a price book named by an AttributionPolicy', { timeout: 60_000 }, () => {
  it('reports drift past the threshold, and still reconciles to the bill', async () => {
    const dir = await exampleWithPolicy('  priceBook: prices/negotiated.yaml', NEGOTIATED);
    const { result, quarantined } = await attributeOn(dir);
    // At the bill's own rate nothing drifts, and the figures are the same.
    await writeFile(
      path.join(dir, 'prices/negotiated.yaml'),
      NEGOTIATED.replace('0.0025', '0.003'),
    );
    const plain = await attributeOn(dir);
    expect(plain.result.report.priceDrift).toBeUndefined();

    expect(quarantined).toEqual([]);
    expect(result.report.totals).toEqual(plain.result.report.totals);
    expect(result.report.rows).toEqual(plain.result.report.rows);
    expect(result.report.priceDrift).toEqual([
      expect.objectContaining({
        model: SONNET,
        region: 'us-east-1',
        tokenClass: 'inputTokens',
        billUnitPrice: '0.003',
        bookUnitPrice: '0.0025',
        ratio: '1.2000',
        billedCost: '30',
      }),
    ]);
  });

  it('reports no drift under a threshold the policy raises', async () => {
    const spec = "  priceBook: prices/negotiated.yaml\n  priceDriftThreshold: '0.25'";
    const { result } = await attributeOn(await exampleWithPolicy(spec, NEGOTIATED));
    expect(result.report.priceDrift).toBeUndefined();
  });

  it('refuses to run on a price book it cannot read, naming the file', async () => {
    const dir = await exampleWithPolicy('  priceBook: prices/missing.yaml', null);
    await expect(attributeOn(dir)).rejects.toThrow(/missing\.yaml/);
  });
});
