// One file of the price book, in YAML: a provider's list prices per N tokens of each class, by
// model, region and tier, in versions with effective dates. A mistake is refused with the file,
// line and field at fault, never read as a price of zero.
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { TOKEN_CLASSES, type TokenClass } from './model.js';
import { Money } from './money.js';

export const DEFAULT_TIER = 'on-demand';
export const PRICE_BOOK_API_VERSION = 'argmin.io/v1alpha1';
export const PRICE_BOOK_KIND = 'PriceBook';

/** One version of one model's prices in one place. */
export interface PriceVersion {
  provider: string;
  model: string;
  /** Null: the same price in every region. */
  region: string | null;
  tier: string;
  /** `YYYY-MM-DD`, UTC; the version applies from the start of that day. */
  effectiveFrom: string;
  currency: string;
  /** Price of one token of each class; a class that is absent is unpriced. */
  perToken: Partial<Record<TokenClass, Money>>;
  /** Where the price was read, for explanations. */
  source: string;
}

export interface PriceBookFile {
  versions: PriceVersion[];
  /** Spellings of models by provider, e.g. an application inference profile ARN to its model. */
  aliases: Record<string, Record<string, string>>;
}

export class PriceBookError extends Error {
  constructor(
    readonly code: 'INVALID_PRICE_BOOK',
    message: string,
    readonly file: string,
    readonly line: number,
    readonly field: string,
  ) {
    super(message);
    this.name = 'PriceBookError';
  }
}

const DECIMAL = /^\d+(\.\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function parsePriceBookFile(text: string, file: string): PriceBookFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const fail = (path: (string | number)[], reason: string): never => {
    const field = fieldName(path);
    const line = lineOf(doc, lines, path);
    throw new PriceBookError(
      'INVALID_PRICE_BOOK',
      `${file}:${line}: ${field}: ${reason}`,
      file,
      line,
      field,
    );
  };
  if (doc.errors.length > 0) {
    const line = lines.linePos(doc.errors[0]!.pos[0]).line;
    throw new PriceBookError(
      'INVALID_PRICE_BOOK',
      `${file}:${line}: ${doc.errors[0]!.message}`,
      file,
      line,
      '',
    );
  }
  if (!isMap(doc.contents)) fail([], 'a price book file is a mapping');
  const root = doc.toJS() as Record<string, unknown>;

  const text_ = (path: (string | number)[], value: unknown, fallback?: string): string => {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'string' || value.trim() === '')
      return fail(path, 'a non-empty string is required');
    return value;
  };
  // Self-describing, so the file may sit among the manifests it is named by without being refused.
  if (root.apiVersion !== undefined || root.kind !== undefined) {
    if (root.apiVersion !== PRICE_BOOK_API_VERSION) {
      fail(['apiVersion'], `a price book's apiVersion is ${PRICE_BOOK_API_VERSION}`);
    }
    if (root.kind !== PRICE_BOOK_KIND) fail(['kind'], `a price book's kind is ${PRICE_BOOK_KIND}`);
  }
  const provider = text_(['provider'], root.provider);
  const currency = text_(['currency'], root.currency);
  const source = text_(['source'], root.source);
  const tier = text_(['tier'], root.tier, DEFAULT_TIER);
  const perTokens = root.perTokens ?? 1;
  if (typeof perTokens !== 'number' || !Number.isInteger(perTokens) || perTokens < 1) {
    fail(['perTokens'], 'a whole number of tokens each price is for is required');
  }

  const aliases: Record<string, string> = {};
  if (root.aliases !== undefined) {
    if (!isMap(doc.get('aliases')))
      fail(['aliases'], 'a mapping of spellings to models is required');
    for (const [spelling, model] of Object.entries(root.aliases as Record<string, unknown>)) {
      aliases[spelling] = text_(['aliases', spelling], model);
    }
  }

  // A file may only name spellings, such as a customer's application inference profiles.
  if (root.models === undefined && root.aliases === undefined) {
    fail(['models'], 'a list of models, or aliases, is required');
  }
  if (root.models !== undefined && !isSeq(doc.get('models'))) {
    fail(['models'], 'a list of models is required');
  }
  const versions: PriceVersion[] = [];
  const seen = new Set<string>();
  ((root.models ?? []) as unknown[]).forEach((entry, i) => {
    const at = ['models', i];
    const m = (entry ?? {}) as Record<string, unknown>;
    const model = text_([...at, 'model'], m.model);
    const modelTier = text_([...at, 'tier'], m.tier, tier);
    let regions: (string | null)[] = [null];
    if (m.regions !== undefined) {
      if (!Array.isArray(m.regions) || m.regions.length === 0)
        fail([...at, 'regions'], 'a non-empty list of regions is required');
      regions = (m.regions as unknown[]).map((r, j) => text_([...at, 'regions', j], r));
    }
    if (!Array.isArray(m.versions) || m.versions.length === 0)
      fail([...at, 'versions'], 'a non-empty list of price versions is required');
    (m.versions as unknown[]).forEach((v, j) => {
      const vat = [...at, 'versions', j];
      const version = (v ?? {}) as Record<string, unknown>;
      const effectiveFrom = text_([...vat, 'effectiveFrom'], version.effectiveFrom);
      if (!DATE.test(effectiveFrom) || Number.isNaN(Date.parse(effectiveFrom))) {
        fail([...vat, 'effectiveFrom'], `'${effectiveFrom}' is not a date (YYYY-MM-DD)`);
      }
      const perToken: Partial<Record<TokenClass, Money>> = {};
      for (const tokenClass of TOKEN_CLASSES) {
        const price = version[tokenClass];
        if (price === undefined) continue;
        // A quoted decimal string: YAML numbers would pass through binary floating point.
        if (typeof price !== 'string' || !DECIMAL.test(price)) {
          fail([...vat, tokenClass], "a price is a quoted decimal string, such as '0.003'");
        }
        perToken[tokenClass] = new Money(price as string).dividedBy(perTokens as number);
      }
      for (const region of regions) {
        // Two prices for one day would leave which one holds to the order of the file.
        const key = JSON.stringify([model, region, modelTier, effectiveFrom]);
        if (seen.has(key)) {
          const where = region === null ? 'every region' : region;
          fail(
            [...vat, 'effectiveFrom'],
            `${model} in ${where} already has a price from ${effectiveFrom}`,
          );
        }
        seen.add(key);
        versions.push({
          provider,
          model,
          region,
          tier: modelTier,
          effectiveFrom,
          currency,
          perToken,
          source,
        });
      }
    });
  });
  return { versions, aliases: Object.keys(aliases).length > 0 ? { [provider]: aliases } : {} };
}

function fieldName(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** The line of the deepest node of `path` that the document has. */
function lineOf(doc: Document, lines: LineCounter, path: (string | number)[]): number {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return lines.linePos(range[0]).line;
  }
  return 1;
}
