// The one gate every usage event passes, whoever sends it: the ingestion API, an `argmin-events`
// file, the interceptor. Anything that is not a field of the event is refused, by name, so that no
// prompt or completion can ride in under a field we did not expect.
import type { CallerIdentity, Provider, UsageEvent, UsageStatus } from './model.js';

export const EVENT_LIMITS = {
  requestIdLength: 128,
  textLength: 256,
  attributeCount: 16,
  attributeKeyLength: 64,
  attributeValueLength: 256,
  /**
   * The most tokens one field of one event may count: far beyond any model's context, and low
   * enough that an event's five counts added together still fit the store's integer columns.
   */
  maxTokens: 400_000_000,
  /** How far ahead of the receiver's clock a timestamp may be: clocks drift, the future does not. */
  futureSkewMs: 5 * 60 * 1000,
  /** Nothing older is an AI call, and PostgreSQL refuses years before 1 outright. */
  earliestTimestamp: '2000-01-01T00:00:00Z',
} as const;

const PROVIDERS: readonly Provider[] = ['aws', 'gcp', 'azure', 'openai', 'anthropic', 'other'];
const STATUSES: readonly UsageStatus[] = ['ok', 'error'];
const TOKEN_FIELDS = [
  'inputTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'outputTokens',
  'reasoningTokens',
] as const;
const TEXT_FIELDS = ['account', 'region'] as const;
const IDENTITY_FIELDS: readonly (keyof CallerIdentity)[] = [
  'serviceAccount',
  'spiffeId',
  'apiKeyId',
  'user',
  'awsPrincipal',
  'gcpPrincipal',
  'azurePrincipal',
];
const EVENT_FIELDS = new Set<string>([
  'requestId',
  'timestamp',
  'provider',
  'model',
  ...TOKEN_FIELDS,
  'cost',
  'latencyMs',
  'status',
  'identity',
  'service',
  ...TEXT_FIELDS,
  'attributes',
]);
/** Names that carry content in the providers' own APIs; refused with a message that says why. */
const CONTENT_FIELDS = new Set([
  'prompt',
  'prompts',
  'messages',
  'message',
  'input',
  'inputs',
  'completion',
  'completions',
  'output',
  'outputs',
  'choices',
  'content',
  'contents',
  'text',
  'body',
  'system',
  'instructions',
  'response',
  'request',
]);

/**
 * Words that, anywhere in an attribute key (`system_prompt`, `userMessage`, `Input_Text`), say its
 * value is content. Narrower than the field names above: `request_kind` or `output_format` are
 * metadata, so `request` and `output` alone do not refuse an attribute.
 */
const CONTENT_WORDS = new Set([
  'prompt',
  'prompts',
  'message',
  'messages',
  'completion',
  'completions',
  'content',
  'contents',
  'text',
  'question',
  'questions',
  'answer',
  'answers',
  'transcript',
  'conversation',
  'instructions',
  'choices',
  'body',
]);

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const DECIMAL = /^\d{1,20}(\.\d{1,20})?$/;
const WORKLOAD_REF = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;
const ATTRIBUTE_KEY = /^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/;
// A UTF-16 surrogate without its partner: JSON.parse lets it through, PostgreSQL's jsonb does not.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const NEEDS_CLOSER_LOOK = /[\u0000-\u001f\u007f\uD800-\uDFFF]/;
const EARLIEST_MS = Date.parse(EVENT_LIMITS.earliestTimestamp);

export type EventCheck =
  { ok: true; event: UsageEvent } | { ok: false; field: string; reason: string };

export interface EventCheckOptions {
  /** The receiver's clock, for refusing timestamps from the future. */
  now?: Date;
}

class Refusal {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {}
}

/** Checks one event, returning it in canonical form, or the first field at fault and why. */
export function parseUsageEvent(value: unknown, options: EventCheckOptions = {}): EventCheck {
  try {
    return { ok: true, event: parse(value, options.now ?? new Date()) };
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, field: err.field, reason: err.reason };
    throw err;
  }
}

function parse(value: unknown, now: Date): UsageEvent {
  const raw = record(value, '');

  for (const key of Object.keys(raw)) {
    // The event's own fields hold no content, so only the others need the closer look.
    if (EVENT_FIELDS.has(key)) continue;
    if (CONTENT_FIELDS.has(key.toLowerCase())) {
      throw new Refusal(key, 'looks like prompt or completion content, which Argmin never accepts');
    }
    throw new Refusal(key, 'is not a field of the event');
  }

  const event: UsageEvent = {
    requestId: text(raw, 'requestId', EVENT_LIMITS.requestIdLength, true)!,
    timestamp: timestamp(raw.timestamp, now),
    provider: oneOf(raw, 'provider', PROVIDERS, true)!,
    model: text(raw, 'model', EVENT_LIMITS.textLength, false) ?? null,
  };

  for (const field of TOKEN_FIELDS) {
    const count = raw[field];
    if (count === undefined || count === null) continue;
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
      throw new Refusal(field, 'must be a non-negative integer (leave it out when unknown)');
    }
    if (count > EVENT_LIMITS.maxTokens) {
      throw new Refusal(
        field,
        `is more than ${EVENT_LIMITS.maxTokens} tokens, the most one event may count`,
      );
    }
    event[field] = count;
  }
  if (
    event.reasoningTokens !== undefined &&
    event.outputTokens !== undefined &&
    event.reasoningTokens > event.outputTokens
  ) {
    throw new Refusal('reasoningTokens', 'is a share of outputTokens and cannot exceed it');
  }

  if (raw.cost !== undefined && raw.cost !== null) {
    if (typeof raw.cost !== 'string' || !DECIMAL.test(raw.cost)) {
      throw new Refusal('cost', 'must be a non-negative decimal string such as "0.0125"');
    }
    event.cost = raw.cost;
  }
  if (raw.latencyMs !== undefined && raw.latencyMs !== null) {
    const ms = raw.latencyMs;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > 2_147_483_647) {
      throw new Refusal('latencyMs', 'must be a finite, non-negative number of milliseconds');
    }
    event.latencyMs = Math.round(ms);
  }
  const status = oneOf(raw, 'status', STATUSES, false);
  if (status) event.status = status;

  const identity = callerIdentity(raw.identity);
  if (identity) event.identity = identity;
  const service = text(raw, 'service', EVENT_LIMITS.textLength, false);
  if (service !== undefined) {
    if (!WORKLOAD_REF.test(service)) throw new Refusal('service', 'must be "namespace/name"');
    event.service = service;
  }
  for (const field of TEXT_FIELDS) {
    const v = text(raw, field, EVENT_LIMITS.textLength, false);
    if (v !== undefined) event[field] = v;
  }
  const attributes = attributeMap(raw.attributes);
  if (attributes) event.attributes = attributes;
  return event;
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Refusal(field || '(event)', 'must be a JSON object');
  }
  return value as Record<string, unknown>;
}

function text(
  raw: Record<string, unknown>,
  field: string,
  maxLength: number,
  required: boolean,
  path = field,
): string | undefined {
  const v = raw[field];
  if (v === undefined || v === null) {
    if (required) throw new Refusal(path, 'is required');
    return undefined;
  }
  if (typeof v !== 'string' || v.length === 0)
    throw new Refusal(path, 'must be a non-empty string');
  if (v.length > maxLength) throw new Refusal(path, `is longer than ${maxLength} characters`);
  // Most strings are plain: one scan tells whether either closer check below is needed.
  if (!NEEDS_CLOSER_LOOK.test(v)) return v;
  // Control characters have no place in identifiers and would corrupt logs and reports.
  if (hasControlCharacter(v)) throw new Refusal(path, 'contains control characters');
  if (LONE_SURROGATE.test(v)) throw new Refusal(path, 'is not well-formed Unicode');
  return v;
}

function oneOf<T extends string>(
  raw: Record<string, unknown>,
  field: string,
  allowed: readonly T[],
  required: boolean,
): T | undefined {
  const v = text(raw, field, EVENT_LIMITS.textLength, required);
  if (v === undefined) return undefined;
  if (!allowed.includes(v as T)) throw new Refusal(field, `must be one of ${allowed.join(', ')}`);
  return v as T;
}

function timestamp(value: unknown, now: Date): string {
  if (value === undefined || value === null) throw new Refusal('timestamp', 'is required');
  if (typeof value !== 'string' || !RFC3339.test(value)) {
    throw new Refusal('timestamp', 'must be an RFC 3339 timestamp with a time zone');
  }
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw new Refusal('timestamp', 'is not a real date and time');
  if (at.getTime() > now.getTime() + EVENT_LIMITS.futureSkewMs) {
    throw new Refusal('timestamp', 'is in the future');
  }
  if (at.getTime() < EARLIEST_MS) {
    throw new Refusal('timestamp', `is before ${EVENT_LIMITS.earliestTimestamp}`);
  }
  return at.toISOString().replace('.000Z', 'Z');
}

function callerIdentity(value: unknown): CallerIdentity | undefined {
  if (value === undefined || value === null) return undefined;
  const raw = record(value, 'identity');
  const identity: CallerIdentity = {};
  for (const key of Object.keys(raw)) {
    if (!(IDENTITY_FIELDS as readonly string[]).includes(key)) {
      throw new Refusal(`identity.${key}`, 'is not a field of the caller identity');
    }
    const v = text(raw, key, EVENT_LIMITS.textLength, false, `identity.${key}`);
    if (v !== undefined) identity[key as keyof CallerIdentity] = v;
  }
  if (identity.serviceAccount !== undefined && !WORKLOAD_REF.test(identity.serviceAccount)) {
    throw new Refusal('identity.serviceAccount', 'must be "namespace/name"');
  }
  return Object.keys(identity).length > 0 ? identity : undefined;
}

function attributeMap(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  const raw = record(value, 'attributes');
  const keys = Object.keys(raw);
  if (keys.length > EVENT_LIMITS.attributeCount) {
    throw new Refusal('attributes', `has more than ${EVENT_LIMITS.attributeCount} entries`);
  }
  const attributes: Record<string, string> = {};
  for (const key of keys.sort()) {
    const path = `attributes.${key}`;
    if (key.length > EVENT_LIMITS.attributeKeyLength || !ATTRIBUTE_KEY.test(key)) {
      throw new Refusal(path, 'is not a valid attribute name');
    }
    if (looksLikeContentKey(key)) {
      throw new Refusal(
        path,
        'looks like prompt or completion content, which Argmin never accepts',
      );
    }
    attributes[key] = text(raw, key, EVENT_LIMITS.attributeValueLength, true, path)!;
  }
  return keys.length > 0 ? attributes : undefined;
}

/** Verdicts on attribute keys seen before: a sender repeats the same few keys on every event. */
const contentKeyVerdicts = new Map<string, boolean>();
const CONTENT_KEY_VERDICTS_MAX = 10_000;

function looksLikeContentKey(key: string): boolean {
  const known = contentKeyVerdicts.get(key);
  if (known !== undefined) return known;
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  const verdict =
    CONTENT_FIELDS.has(key.toLowerCase()) || words.some((word) => CONTENT_WORDS.has(word));
  if (contentKeyVerdicts.size >= CONTENT_KEY_VERDICTS_MAX) contentKeyVerdicts.clear();
  contentKeyVerdicts.set(key, verdict);
  return verdict;
}

function hasControlCharacter(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const code = v.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
