// What an Azure OpenAI (Foundry Models) meter name says: the model, the token class, how the
// deployment routes, and whether it is a batch meter. Microsoft spells these inconsistently, and
// the same model's meters disagree with each other (`gpt-4o-mini-0718-Inp-glbl Tokens`,
// `gpt 4o 0513 Input global Tokens`, `GPT 4o Output Regional Tokens`, `gpt-4o-mini-cached-input`),
// so the name is read as words: the model's words first, then what they describe.
import type { TokenClass } from '../attribution/index.js';
import { normalizeAzureModelId } from './azure-model-names.js';

export type AzureDeploymentType = 'global' | 'datazone' | 'regional';

export interface AzureOpenAiMeter {
  /** Normalized model id, as `normalizeModelId('azure', ...)` writes it. */
  model: string;
  tokenClass: TokenClass;
  deploymentType: AzureDeploymentType | null;
  batch: boolean;
}

const DIRECTION: Readonly<Record<string, 'input' | 'output'>> = {
  in: 'input',
  inp: 'input',
  inpt: 'input',
  input: 'input',
  out: 'output',
  outp: 'output',
  outpt: 'output',
  output: 'output',
};

const CACHED = new Set(['cached', 'cache', 'cchd']);

const DEPLOYMENT: Readonly<Record<string, AzureDeploymentType>> = {
  gl: 'global',
  glbl: 'global',
  global: 'global',
  dz: 'datazone',
  dzone: 'datazone',
  datazone: 'datazone',
  data: 'datazone',
  rgnl: 'regional',
  regnl: 'regional',
  regional: 'regional',
};

/** Words that end the model's name without saying anything this parse keeps. */
const OTHER_WORDS = new Set(['batch', 'tokens', 'token', 'tkns', 'aud', 'audio', 'zone', 'ft']);

/** Embedding models bill only the input they read; their meters name no direction. */
const EMBEDDING_MODEL = /^text-embedding-/;

const VERSION = /^\d{4}$/;
const CONTEXT_SIZE = /^\d+k$/;

/**
 * The model and token class a meter bills, or null when the name is not a token meter (hourly
 * provisioned units, fine-tuning hosting, images) or names no model.
 */
export function parseAzureOpenAiMeter(meterName: string): AzureOpenAiMeter | null {
  const words = meterName
    .toLowerCase()
    .split(/[\s_-]+/)
    .filter((w) => w !== '');

  const modelWords: string[] = [];
  let modelEnded = false;
  let direction: 'input' | 'output' | null = null;
  let cached = false;
  let deploymentType: AzureDeploymentType | null = null;
  let batch = false;

  for (const word of words) {
    const describes =
      word in DIRECTION ||
      CACHED.has(word) ||
      word in DEPLOYMENT ||
      OTHER_WORDS.has(word) ||
      VERSION.test(word) ||
      CONTEXT_SIZE.test(word);
    if (!describes && !modelEnded) {
      modelWords.push(word);
      continue;
    }
    modelEnded = true;
    direction = DIRECTION[word] ?? direction;
    cached ||= CACHED.has(word);
    deploymentType = DEPLOYMENT[word] ?? deploymentType;
    batch ||= word === 'batch';
  }

  if (modelWords.length === 0) return null;
  const model = normalizeAzureModelId(modelWords.join('-'));
  if (direction === null && EMBEDDING_MODEL.test(model)) direction = 'input';
  if (direction === null) return null;

  // Cached input is billed on its own meter; prompt caching writes are not billed by Azure.
  const tokenClass: TokenClass =
    direction === 'output' ? 'outputTokens' : cached ? 'cacheReadTokens' : 'inputTokens';
  return { model, tokenClass, deploymentType, batch };
}

/**
 * A meter's unit of measure as the tokens it counts: `1K` becomes `1K tokens` and `1M` becomes
 * `1M tokens`, so the quantity times the unit is the tokens billed. Other units are kept as given.
 */
export function tokenUnit(unitOfMeasure: string): string {
  const unit = unitOfMeasure.trim();
  return /^\d*(?:\.\d+)?\s*[KMB]?$/i.test(unit) && unit !== '' ? `${unit} tokens` : unit;
}
