// The price book: list prices by provider, model, region, tier and token class, each version
// applying from its `effectiveFrom` until the next version's. Model spellings (inference-profile
// prefixes and ARNs, deployment names) resolve to the priced model first. A model, region, tier or
// class the book does not know is unpriced: `null`, never zero.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TokenClass, UsageEvent } from './model.js';
import { TOKEN_CLASSES } from './model.js';
import { Money, ZERO } from './money.js';
import { DEFAULT_TIER, parsePriceBookFile, type PriceVersion } from './price-book-file.js';

export { DEFAULT_TIER, PriceBookError, parsePriceBookFile } from './price-book-file.js';
export type { PriceBookFile, PriceVersion } from './price-book-file.js';

/** The book that ships with Argmin. */
export const PRICE_BOOK_DIR = new URL('./price-book/', import.meta.url);

export interface PriceQuery {
  provider: string;
  model: string;
  region?: string | null;
  tier?: string;
  tokenClass: TokenClass;
  /** RFC 3339 instant the price is wanted for. */
  at: string;
}

export interface UnitPrice {
  model: string;
  region: string | null;
  tier: string;
  effectiveFrom: string;
  currency: string;
  perToken: Money;
  source: string;
}

export interface PriceBookOptions {
  /** The provider's own spelling of a model to the book's, as connectors normalize model ids. */
  normalizeModel(provider: string, model: string): string;
  /**
   * Spellings no rule can resolve, by provider: an application inference profile's ARN, an Azure
   * deployment's name. Consulted before `normalizeModel`.
   */
  aliases?: Record<string, Record<string, string>>;
}

export class PriceBook {
  /** Versions by provider, model, region and tier; each list newest first. */
  private readonly versions = new Map<string, PriceVersion[]>();
  /** The regions each provider, model and tier is priced in. */
  private readonly regions = new Map<string, Set<string>>();
  private readonly aliases: Record<string, Record<string, string>>;

  constructor(
    versions: PriceVersion[],
    private readonly options: PriceBookOptions,
  ) {
    this.aliases = options.aliases ?? {};
    for (const v of versions) {
      const key = versionKey(v.provider, v.model, v.region, v.tier);
      this.versions.set(key, [...(this.versions.get(key) ?? []), v]);
      if (v.region === null) continue;
      const modelKey = versionKey(v.provider, v.model, null, v.tier);
      this.regions.set(modelKey, (this.regions.get(modelKey) ?? new Set()).add(v.region));
    }
    // Newest first; of two versions from the same day, the one given later wins, so a customer's
    // own file can replace a shipped price without editing it.
    for (const [key, list] of this.versions) {
      const ordered = [...list].reverse();
      ordered.sort((a, b) =>
        a.effectiveFrom === b.effectiveFrom ? 0 : a.effectiveFrom < b.effectiveFrom ? 1 : -1,
      );
      this.versions.set(key, ordered);
    }
  }

  /** The model id the book prices a provider's spelling under. */
  resolveModel(provider: string, model: string): string {
    const aliased = this.aliases[provider]?.[model.trim()] ?? model;
    return this.options.normalizeModel(provider, aliased);
  }

  /** Every version, each price's list newest first, and the spellings the book resolves. */
  contents(): { versions: PriceVersion[]; aliases: Record<string, Record<string, string>> } {
    return { versions: [...this.versions.values()].flat(), aliases: this.aliases };
  }

  /** The days a price took effect, as the midnight (UTC) each starts at. */
  changes(): string[] {
    const days = new Set([...this.versions.values()].flat().map((v) => v.effectiveFrom));
    return [...days].sort().map((day) => `${day}T00:00:00Z`);
  }

  /**
   * The price of one token, or null when the book does not know it. A call whose region is unknown
   * is priced only where the book has one price for every region.
   */
  unitPrice(query: PriceQuery): UnitPrice | null {
    const model = this.resolveModel(query.provider, query.model);
    const tier = query.tier ?? DEFAULT_TIER;
    const atMs = Date.parse(query.at);
    if (Number.isNaN(atMs)) return null;
    const day = new Date(atMs).toISOString().slice(0, 10);
    const region = query.region ?? null;
    const inForce = (r: string | null) =>
      this.versions
        .get(versionKey(query.provider, model, r, tier))
        ?.find((v) => v.effectiveFrom <= day);

    // The region's own price first, then a price that holds everywhere.
    const version = (region !== null ? inForce(region) : undefined) ?? inForce(null);
    if (version) return priceOf(version, query.tokenClass);
    if (region !== null) return null;
    const regional = [...(this.regions.get(versionKey(query.provider, model, null, tier)) ?? [])];
    const prices = regional.map((r) => {
      const v = inForce(r);
      return v ? priceOf(v, query.tokenClass) : null;
    });
    const first = prices[0];
    if (!first || prices.some((p) => !p || !p.perToken.equals(first.perToken))) return null;
    return { ...first, region: null };
  }

  /**
   * What a request should have cost at list price, or null when it cannot be told: its model or a
   * class it used is unpriced, its input or output count is unknown, or the book prices it in
   * another currency than `currency`. Cache classes that are absent add nothing: providers leave
   * them out when no cache was used.
   */
  estimateCost(
    event: UsageEvent,
    options: { tier?: string; currency?: string } = {},
  ): Money | null {
    if (!event.model) return null;
    if (event.inputTokens === undefined || event.outputTokens === undefined) return null;
    let cost = ZERO;
    for (const tokenClass of TOKEN_CLASSES) {
      const tokens = event[tokenClass];
      if (!tokens) continue;
      const price = this.unitPrice({
        provider: event.provider,
        model: event.model,
        region: event.region ?? null,
        tier: options.tier ?? DEFAULT_TIER,
        tokenClass,
        at: event.timestamp,
      });
      if (!price) return null;
      if (options.currency !== undefined && price.currency !== options.currency) return null;
      cost = cost.plus(price.perToken.times(tokens));
    }
    return cost;
  }
}

function priceOf(version: PriceVersion, tokenClass: TokenClass): UnitPrice | null {
  const perToken = version.perToken[tokenClass];
  if (!perToken) return null;
  const { model, region, tier, effectiveFrom, currency, source } = version;
  return { model, region, tier, effectiveFrom, currency, perToken, source };
}

function versionKey(provider: string, model: string, region: string | null, tier: string): string {
  return JSON.stringify([provider, model, region, tier]);
}

export interface LoadPriceBookOptions extends PriceBookOptions {
  /** The folder of the book to start from: by default the one that ships with Argmin. */
  dir?: string | URL;
  /** More files or folders, read after `dir`; a price they give for the same day wins. */
  paths?: string[];
}

/** Reads every `.yaml` file of the book's folder, then the files and folders named beside it. */
export async function loadPriceBook(options: LoadPriceBookOptions): Promise<PriceBook> {
  const dir = options.dir ?? PRICE_BOOK_DIR;
  const shipped = await yamlFiles(typeof dir === 'string' ? dir : fileURLToPath(dir), {
    // A build that left the shipped book behind prices nothing; requests then weigh by tokens.
    missingIsEmpty: options.dir === undefined,
  });
  const files = [...shipped];
  for (const p of options.paths ?? []) files.push(...(await yamlFiles(p)));

  const versions: PriceVersion[] = [];
  const aliases: Record<string, Record<string, string>> = {};
  const addAliases = (more: Record<string, Record<string, string>>) => {
    for (const [provider, table] of Object.entries(more)) {
      aliases[provider] = { ...(aliases[provider] ?? {}), ...table };
    }
  };
  for (const file of files) {
    const parsed = parsePriceBookFile(await readFile(file, 'utf8'), file);
    versions.push(...parsed.versions);
    addAliases(parsed.aliases);
  }
  addAliases(options.aliases ?? {});
  return new PriceBook(versions, { ...options, aliases });
}

/** A file as itself; a folder as its `.yaml` and `.yml` files, in name order. */
async function yamlFiles(p: string, options: { missingIsEmpty?: boolean } = {}): Promise<string[]> {
  let info;
  try {
    info = await stat(p);
  } catch (err) {
    if (options.missingIsEmpty && (err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  if (!info.isDirectory()) return [p];
  const names = (await readdir(p)).filter((f) => /\.ya?ml$/.test(f)).sort();
  return names.map((name) => path.join(p, name));
}
