// What a Vertex AI or Gemini API SKU description says about the usage it bills: which model, and
// which class of tokens. Descriptions are free text ("Generate content cached input token count
// gemini 2.5 flash input image"), so only what the words plainly state is taken.
import type { TokenClass } from '../attribution/index.js';
import { normalizeGcpModelId } from './gcp-model-names.js';

/** Services whose lines are AI inference, as the billing export's `service.description` names them. */
const AI_SERVICES: ReadonlySet<string> = new Set([
  'Vertex AI',
  'Gemini API',
  'Generative Language API',
]);

export function isGcpAiService(serviceName: string): boolean {
  return AI_SERVICES.has(serviceName.trim());
}

/**
 * A model phrase inside a description: the family, then the words that belong to a model name.
 * Modality and tier words ("input", "text", "short", "thinking") end the phrase.
 */
const MODEL_PHRASES: readonly RegExp[] = [
  /\bgemini(?:[ -](?:\d+(?:\.\d+)?|pro|flash|lite|ultra|nano|preview|exp|experimental|live|tts|embedding|image)\b)+/i,
  /\bclaude(?:[ -](?:\d+(?:\.\d+)?|opus|sonnet|haiku|instant|v\d+)\b)+/i,
];

/** The first direction word decides the class: descriptions name modalities after it. */
const DIRECTION =
  /\b(cached(?: content)? input|cache read|cache (?:write|creation)|cached|input|output)\b/i;

const CLASS_OF_DIRECTION: Readonly<Record<string, TokenClass>> = {
  'cached input': 'cacheReadTokens',
  'cached content input': 'cacheReadTokens',
  'cache read': 'cacheReadTokens',
  cached: 'cacheReadTokens',
  'cache write': 'cacheWriteTokens',
  'cache creation': 'cacheWriteTokens',
  input: 'inputTokens',
  output: 'outputTokens',
};

/** Storage of a context cache bills token-hours, not tokens of a request. */
const NOT_A_REQUEST = /\bstorage\b|\btoken[ -]hours?\b/i;

/** Gemini from 2.0 on and Anthropic models are priced per token on Vertex AI. */
const TOKEN_PRICED_MODEL = /^(?:gemini-(?:[2-9]|\d{2,})|claude-)/;

export interface SkuUsage {
  /** Normalized model id, or null when the description names none. */
  model: string | null;
  /** The token class billed, or null when the line does not bill tokens of a request. */
  tokenClass: TokenClass | null;
}

/**
 * The model and token class of a SKU. A class is given only for token-priced lines: the
 * description or the usage unit says tokens, or the model is one Vertex prices per token and
 * nothing says characters. Character-priced lines of older models have a model but no class.
 */
export function parseGcpSku(description: string, usageUnit: string | null): SkuUsage {
  const phrase = MODEL_PHRASES.map((p) => p.exec(description)?.[0]).find((m) => m !== undefined);
  const model = phrase === undefined ? null : normalizeGcpModelId(phrase);
  if (NOT_A_REQUEST.test(description)) return { model, tokenClass: null };

  const direction = DIRECTION.exec(description)?.[1]?.toLowerCase().replace(/\s+/g, ' ');
  const tokenClass = direction === undefined ? null : (CLASS_OF_DIRECTION[direction] ?? null);
  return { model, tokenClass: tokenClass !== null && billsTokens() ? tokenClass : null };

  function billsTokens(): boolean {
    const said = `${description} ${usageUnit ?? ''}`;
    if (/\btokens?\b/i.test(said)) return true;
    if (/\bcharacters?\b/i.test(said)) return false;
    return model !== null && TOKEN_PRICED_MODEL.test(model);
  }
}
