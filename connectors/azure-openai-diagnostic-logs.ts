// Azure OpenAI resource logs, one record a line (`PT1H.json` blobs from a diagnostic setting, or
// an Event Hub capture's `{"records": [...]}` lines), gzip or not: the `RequestResponse` category
// (who called which deployment, when, with what result) and `AzureOpenAIRequestUsage` (the same
// call's token counts). Records exported from Log Analytics (`AzureDiagnostics`, `properties_s`,
// `TimeGenerated`) read the same. The category itself carries no prompt or completion, but a log
// that passed through a gateway may: any body is dropped while the line is parsed and never
// reaches a record, a quarantine reason or an error.
import { parseUsageEvent, type SourceRecord } from '../attribution/index.js';
import { regionOf } from './azure-cost-row.js';
import {
  quarantine,
  type FormatReader,
  type ReadContext,
  type SourceFile,
} from './format-reader.js';
import { readLines } from './open-source.js';

/** Keys whose values are request or response content; token and length counts are kept. */
const CONTENT_KEY =
  /body|messages|choices|content|^(?:prompt|completion|input|output|text|system|instructions)$/i;

const CALL_CATEGORIES: Readonly<Record<string, 'requests' | 'usage'>> = {
  requestresponse: 'requests',
  azureopenairequestusage: 'usage',
};

/** Where each event field comes from in the log, so a refusal names the field the user can see. */
const LOG_FIELD: Readonly<Record<string, string>> = {
  requestId: 'correlationId',
  timestamp: 'time',
  model: 'properties.modelName',
  inputTokens: 'properties.promptTokens',
  cacheReadTokens: 'properties.cachedTokens',
  outputTokens: 'properties.generatedTokens',
  'identity.azurePrincipal': 'properties.objectId',
  account: 'resourceId',
  region: 'location',
  'attributes.deployment': 'properties.modelDeploymentName',
  'attributes.operation': 'operationName',
  'attributes.modelVersion': 'properties.modelVersion',
  'attributes.streamType': 'properties.streamType',
  'attributes.resource': 'resourceId',
};

const SUBSCRIPTION = /\/subscriptions\/([^/]+)/i;
const ACCOUNT_NAME = /\/accounts\/([^/]+)/i;

type Json = Record<string, unknown>;

export class AzureOpenAiDiagnosticLogsReader implements FormatReader {
  readonly format = 'azure-openai-diagnostic-logs';
  readonly role = 'usage' as const;

  /** `clock` is the receiver's time, against which a timestamp from the future is refused. */
  constructor(private readonly clock: () => Date = () => new Date()) {}

  async *read(file: SourceFile, ctx: ReadContext): AsyncIterable<SourceRecord> {
    const models = await deploymentModels(file);

    for await (const { line, text } of readLines(file.path)) {
      if (text.trim() === '') continue;
      const parsed = parseWithoutContent(text);
      if (parsed === undefined) {
        yield quarantine(file, ctx, line, null, 'the line is not valid JSON');
        continue;
      }

      for (const record of recordsOf(parsed)) {
        if (!isObject(record)) {
          yield quarantine(file, ctx, line, null, 'the record is not a JSON object');
          continue;
        }
        const category = textAt(record, 'category');
        const kind = CALL_CATEGORIES[category?.toLowerCase() ?? ''];
        if (kind === undefined) {
          const reason =
            `category ${category ?? '(none)'} is not read: only RequestResponse and ` +
            'AzureOpenAIRequestUsage records describe model calls';
          yield quarantine(file, ctx, line, 'category', reason);
          continue;
        }
        const properties = propertiesOf(record);
        if (properties === undefined) {
          yield quarantine(file, ctx, line, 'properties', 'properties is not a JSON object');
          continue;
        }

        const event = toEvent(record, properties, kind, models);
        if (!event.ok) {
          yield quarantine(file, ctx, line, event.field, `${event.field} ${event.reason}`);
          continue;
        }
        const checked = parseUsageEvent(event.value, { now: this.clock() });
        if (checked.ok) {
          yield { kind: 'usage', event: checked.event };
        } else {
          const field = LOG_FIELD[checked.field] ?? checked.field;
          yield quarantine(file, ctx, line, field, `${field} ${checked.reason}`);
        }
      }
    }
  }
}

/** The parsed text with every content key removed as it is met, or undefined when not JSON. */
export function parseWithoutContent(text: string): unknown {
  try {
    return JSON.parse(text, (key, value: unknown) => (CONTENT_KEY.test(key) ? undefined : value));
  } catch {
    // The parser's message quotes the text, which may hold a prompt: it is not passed on.
    return undefined;
  }
}

/** Deployment names the file maps to a model, read ahead so every record of the file can use it. */
async function deploymentModels(file: SourceFile): Promise<Map<string, string>> {
  const models = new Map<string, string>();
  for await (const { text } of readLines(file.path)) {
    const parsed = text.trim() === '' ? undefined : parseWithoutContent(text);
    for (const record of parsed === undefined ? [] : recordsOf(parsed)) {
      const properties = isObject(record) ? propertiesOf(record) : undefined;
      const deployment = properties && textAt(properties, 'modelDeploymentName');
      const model = properties && textAt(properties, 'modelName');
      if (deployment && model && !models.has(deployment)) models.set(deployment, model);
    }
  }
  return models;
}

type Built = { ok: true; value: Json } | { ok: false; field: string; reason: string };

/** The event a record describes, before the event gate checks it. */
function toEvent(
  record: Json,
  properties: Json,
  kind: 'requests' | 'usage',
  models: Map<string, string>,
): Built {
  const correlationId = textAt(record, 'correlationId');
  // A call's usage record shares its correlation id with its request record; both are kept.
  const requestId =
    correlationId === undefined
      ? undefined
      : kind === 'usage'
        ? `${correlationId}/usage`
        : correlationId;
  const deployment = textAt(properties, 'modelDeploymentName');
  const event: Json = {
    requestId,
    timestamp: textAt(record, 'time', 'TimeGenerated'),
    provider: 'azure',
    model:
      textAt(properties, 'modelName') ?? (deployment && (models.get(deployment) ?? deployment)),
  };

  const tokens = tokenCounts(properties);
  if (!tokens.ok) return tokens;
  Object.assign(event, tokens.value);

  const status = textAt(record, 'resultSignature', 'ResultSignature');
  if (status !== undefined) event.status = /^2\d\d$|^succe/i.test(status) ? 'ok' : 'error';
  const duration = valueAt(record, 'durationMs', 'DurationMs');
  // Negative durations occur in Microsoft's own samples; a latency that cannot be is left out.
  if (typeof duration === 'number' && duration >= 0) event.latencyMs = duration;

  const principal = callerOf(record, properties);
  if (principal !== undefined) event.identity = { azurePrincipal: principal };
  const resourceId = textAt(record, 'resourceId', '_ResourceId');
  const subscription = resourceId && SUBSCRIPTION.exec(resourceId)?.[1];
  if (subscription) event.account = subscription.toLowerCase();
  const region = regionOf(textAt(record, 'location', 'Location') ?? '');
  if (region !== null) event.region = region;

  const attributes: Json = {
    deployment,
    operation: textAt(record, 'operationName', 'OperationName'),
    modelVersion: textAt(properties, 'modelVersion'),
    streamType: textAt(properties, 'streamType'),
    resource: resourceId && ACCOUNT_NAME.exec(resourceId)?.[1]?.toLowerCase(),
  };
  for (const key of Object.keys(attributes)) if (!attributes[key]) delete attributes[key];
  if (Object.keys(attributes).length > 0) event.attributes = attributes;
  return { ok: true, value: event };
}

/**
 * Token counts where the record has them. OpenAI counts cached input inside the prompt; Argmin's
 * classes are disjoint, so the cached share is taken out of the input. A count that is absent stays
 * unknown. The usage category writes counts as one-element arrays, the request category as numbers.
 */
function tokenCounts(properties: Json): Built {
  const count = (key: string) => {
    const value = properties[key];
    return Array.isArray(value) && value.length === 1 ? value[0] : value;
  };
  const prompt = count('promptTokens');
  const cached = count('cachedTokens');
  const output = count('generatedTokens') ?? count('completionTokens');
  const counts: Json = {};
  for (const [field, value] of [
    ['properties.promptTokens', prompt],
    ['properties.cachedTokens', cached],
    ['properties.generatedTokens', output],
  ] as const) {
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      return { ok: false, field, reason: 'must be a non-negative integer' };
    }
  }
  if (typeof prompt === 'number') {
    const cachedShare = typeof cached === 'number' ? cached : 0;
    if (cachedShare > prompt) {
      return { ok: false, field: 'properties.cachedTokens', reason: 'exceeds promptTokens' };
    }
    counts.inputTokens = prompt - cachedShare;
    if (typeof cached === 'number') counts.cacheReadTokens = cached;
  }
  if (typeof output === 'number') counts.outputTokens = output;
  return { ok: true, value: counts };
}

/**
 * Who called, as Entra ID names them. The resource-log schema's optional `identity` claims name a
 * user by principal name and an application by its client id, which is what a workload-identity
 * ServiceAccount's annotation holds. Without them only the caller's object id is logged (empty for
 * API-key calls); it is kept as given, and matches a workload only through an Entra lookup.
 */
function callerOf(record: Json, properties: Json): string | undefined {
  const identity = valueAt(record, 'identity');
  const claims = isObject(identity) && isObject(identity.claims) ? identity.claims : {};
  return (
    textAt(claims, 'upn', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn') ??
    textAt(claims, 'appid', 'azp') ??
    textAt(properties, 'objectId', 'callerObjectId')
  );
}

function recordsOf(parsed: unknown): unknown[] {
  return isObject(parsed) && Array.isArray(parsed.records) ? parsed.records : [parsed];
}

/** `properties` as an object; some deliveries write it as a JSON string. */
function propertiesOf(record: Json): Json | undefined {
  const value = valueAt(record, 'properties', 'properties_s');
  if (value === undefined || value === null || value === '') return {};
  const parsed = typeof value === 'string' ? parseWithoutContent(value) : value;
  return isObject(parsed) ? parsed : undefined;
}

/** The first of the keys present, matched without case (Log Analytics capitalizes them). */
function valueAt(record: Json, ...keys: string[]): unknown {
  for (const key of keys) {
    if (key in record) return record[key];
    const found = Object.keys(record).find((k) => k.toLowerCase() === key.toLowerCase());
    if (found !== undefined) return record[found];
  }
  return undefined;
}

function textAt(record: Json, ...keys: string[]): string | undefined {
  const value = valueAt(record, ...keys);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
