// Where each provider puts model and usage in its responses, and how its counts map onto Argmin's
// disjoint token classes. Every counter is a cumulative snapshot: the last value seen wins.
import { fieldTable, type FieldKind, type FieldTable } from './json-scanner.js';

export type DialectName =
  | 'openai-chat'
  | 'openai-responses'
  | 'anthropic'
  | 'bedrock-converse'
  | 'bedrock-invoke'
  | 'gemini';

/** A provider's counters as last reported, by the slot names below. */
export type RawUsage = Partial<Record<Slot, number>>;

type Slot =
  // OpenAI and Gemini: cached input is counted inside the prompt.
  | 'prompt'
  | 'cachedInside'
  | 'completion'
  | 'reasoning'
  // Anthropic and Bedrock: cached input is counted beside it.
  | 'input'
  | 'output'
  | 'cacheRead'
  | 'cacheWrite'
  | 'cacheWrite5m'
  | 'cacheWrite1h'
  // Gemini.
  | 'thoughts'
  | 'toolUsePrompt'
  // Bedrock's own invocation metrics, from response headers or the last streamed chunk.
  | 'metricsInput'
  | 'metricsOutput'
  | 'metricsCacheRead'
  | 'metricsCacheWrite';

export interface TokenCounts {
  inputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  outputTokens?: number;
  reasoningTokens?: number;
}

export interface NormalizedUsage {
  tokens: TokenCounts;
  /** Small facts worth keeping beside the counts, such as the cache-write TTL split. */
  attributes: Record<string, string>;
  /** The counts contradict each other (cached above prompt); they are left unknown. */
  inconsistent: boolean;
}

interface Dialect {
  /** Body paths of counters, by slot. */
  counters: Record<string, Slot>;
  /** Body paths that name the model, most specific last. */
  models: string[];
  normalize(raw: RawUsage): NormalizedUsage;
}

const ANTHROPIC_COUNTERS: Record<string, Slot> = {
  ...under('usage', anthropicUsage()),
  ...under('message.usage', anthropicUsage()),
};

function anthropicUsage(): Record<string, Slot> {
  return {
    input_tokens: 'input',
    output_tokens: 'output',
    cache_read_input_tokens: 'cacheRead',
    cache_creation_input_tokens: 'cacheWrite',
    'cache_creation.ephemeral_5m_input_tokens': 'cacheWrite5m',
    'cache_creation.ephemeral_1h_input_tokens': 'cacheWrite1h',
  };
}

const DIALECTS: Record<DialectName, Dialect> = {
  'openai-chat': {
    counters: {
      'usage.prompt_tokens': 'prompt',
      'usage.prompt_tokens_details.cached_tokens': 'cachedInside',
      'usage.completion_tokens': 'completion',
      'usage.completion_tokens_details.reasoning_tokens': 'reasoning',
    },
    models: ['model'],
    normalize: cachedInsidePrompt,
  },
  'openai-responses': {
    counters: {
      ...under('usage', openaiResponsesUsage()),
      ...under('response.usage', openaiResponsesUsage()),
    },
    models: ['model', 'response.model'],
    normalize: cachedInsidePrompt,
  },
  anthropic: {
    counters: ANTHROPIC_COUNTERS,
    models: ['model', 'message.model'],
    normalize: cachedBesideInput,
  },
  'bedrock-converse': {
    counters: {
      'usage.inputTokens': 'input',
      'usage.outputTokens': 'output',
      'usage.cacheReadInputTokens': 'cacheRead',
      'usage.cacheWriteInputTokens': 'cacheWrite',
    },
    models: [],
    normalize: cachedBesideInput,
  },
  'bedrock-invoke': {
    // The body is the model's own format; Anthropic's is the one that carries usage.
    counters: {
      ...ANTHROPIC_COUNTERS,
      'amazon-bedrock-invocationMetrics.inputTokenCount': 'metricsInput',
      'amazon-bedrock-invocationMetrics.outputTokenCount': 'metricsOutput',
      'amazon-bedrock-invocationMetrics.cacheReadInputTokenCount': 'metricsCacheRead',
      'amazon-bedrock-invocationMetrics.cacheWriteInputTokenCount': 'metricsCacheWrite',
    },
    models: [],
    normalize: bedrockInvoke,
  },
  gemini: {
    counters: {
      'usageMetadata.promptTokenCount': 'prompt',
      'usageMetadata.cachedContentTokenCount': 'cachedInside',
      'usageMetadata.candidatesTokenCount': 'completion',
      'usageMetadata.thoughtsTokenCount': 'thoughts',
      'usageMetadata.toolUsePromptTokenCount': 'toolUsePrompt',
    },
    models: ['modelVersion'],
    normalize: gemini,
  },
};

function openaiResponsesUsage(): Record<string, Slot> {
  return {
    input_tokens: 'prompt',
    'input_tokens_details.cached_tokens': 'cachedInside',
    output_tokens: 'completion',
    'output_tokens_details.reasoning_tokens': 'reasoning',
  };
}

/** Bedrock InvokeModel's usage response headers. */
export const BEDROCK_USAGE_HEADERS: Record<string, Slot> = {
  'x-amzn-bedrock-input-token-count': 'metricsInput',
  'x-amzn-bedrock-output-token-count': 'metricsOutput',
  'x-amzn-bedrock-cache-read-input-token-count': 'metricsCacheRead',
  'x-amzn-bedrock-cache-write-input-token-count': 'metricsCacheWrite',
};

/** Reads one dialect's counters and model out of scanned values. */
export class UsageAccumulator {
  readonly raw: RawUsage = {};
  model: string | undefined;
  readonly table: FieldTable;
  private readonly dialect: Dialect;

  constructor(readonly dialectName: DialectName) {
    this.dialect = DIALECTS[dialectName];
    const fields: Record<string, FieldKind> = {};
    for (const path of Object.keys(this.dialect.counters)) fields[path] = 'number';
    for (const path of this.dialect.models) fields[path] = 'string';
    this.table = fieldTable(fields);
  }

  /** A scanned value; counters must be whole and non-negative, models non-empty. */
  value(path: string, value: number | string): void {
    const slot = this.dialect.counters[path];
    if (slot !== undefined) this.count(slot, value);
    else if (typeof value === 'string' && value !== '' && this.dialect.models.includes(path)) {
      this.model = value;
    }
  }

  count(slot: Slot, value: number | string): void {
    const n = typeof value === 'number' ? value : Number(value);
    if (Number.isSafeInteger(n) && n >= 0) this.raw[slot] = n;
  }

  get reported(): boolean {
    return Object.keys(this.raw).length > 0;
  }

  normalize(): NormalizedUsage {
    return this.dialect.normalize(this.raw);
  }
}

function cachedInsidePrompt(raw: RawUsage): NormalizedUsage {
  const result = empty();
  const { prompt, cachedInside } = raw;
  if (prompt !== undefined) {
    if (cachedInside !== undefined && cachedInside > prompt) {
      result.inconsistent = true;
    } else {
      result.tokens.inputTokens = prompt - (cachedInside ?? 0);
      if (cachedInside !== undefined) result.tokens.cacheReadTokens = cachedInside;
    }
  }
  setOutput(result, raw.completion, raw.reasoning);
  return result;
}

function cachedBesideInput(raw: RawUsage): NormalizedUsage {
  const result = empty();
  result.tokens.inputTokens = raw.input;
  result.tokens.cacheReadTokens = raw.cacheRead;
  result.tokens.cacheWriteTokens = raw.cacheWrite;
  result.tokens.outputTokens = raw.output;
  if (raw.cacheWrite5m !== undefined)
    result.attributes.cacheWrite5mTokens = String(raw.cacheWrite5m);
  if (raw.cacheWrite1h !== undefined)
    result.attributes.cacheWrite1hTokens = String(raw.cacheWrite1h);
  return dropUnknown(result);
}

function bedrockInvoke(raw: RawUsage): NormalizedUsage {
  // Bedrock's own metrics count what it bills; the model's own usage block is the fallback.
  const result = cachedBesideInput(raw);
  const prefer = (metric: number | undefined, fallback: number | undefined) => metric ?? fallback;
  result.tokens.inputTokens = prefer(raw.metricsInput, result.tokens.inputTokens);
  result.tokens.outputTokens = prefer(raw.metricsOutput, result.tokens.outputTokens);
  result.tokens.cacheReadTokens = prefer(raw.metricsCacheRead, result.tokens.cacheReadTokens);
  result.tokens.cacheWriteTokens = prefer(raw.metricsCacheWrite, result.tokens.cacheWriteTokens);
  return dropUnknown(result);
}

function gemini(raw: RawUsage): NormalizedUsage {
  const result = empty();
  // Gemini's JSON leaves out counters that are zero, so once a prompt count is reported, a
  // missing cached, thoughts or tool-use count means none.
  if (raw.prompt === undefined) return result;
  const cached = raw.cachedInside ?? 0;
  if (cached > raw.prompt) {
    result.inconsistent = true;
  } else {
    result.tokens.inputTokens = raw.prompt - cached + (raw.toolUsePrompt ?? 0);
    result.tokens.cacheReadTokens = cached;
  }
  const thoughts = raw.thoughts ?? 0;
  setOutput(result, (raw.completion ?? 0) + thoughts, raw.thoughts);
  return result;
}

function setOutput(result: NormalizedUsage, output: number | undefined, reasoning?: number): void {
  if (output === undefined) return;
  result.tokens.outputTokens = output;
  // Reasoning is a share of output; a count above it is not one we can believe.
  if (reasoning !== undefined && reasoning <= output) result.tokens.reasoningTokens = reasoning;
}

function empty(): NormalizedUsage {
  return { tokens: {}, attributes: {}, inconsistent: false };
}

function dropUnknown(result: NormalizedUsage): NormalizedUsage {
  for (const [key, value] of Object.entries(result.tokens)) {
    if (value === undefined) delete result.tokens[key as keyof TokenCounts];
  }
  return result;
}

function under(prefix: string, fields: Record<string, Slot>): Record<string, Slot> {
  return Object.fromEntries(
    Object.entries(fields).map(([path, slot]) => [`${prefix}.${path}`, slot]),
  );
}
