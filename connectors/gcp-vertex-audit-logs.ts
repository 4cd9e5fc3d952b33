// Vertex AI Data Access audit logs exported from Cloud Logging: one LogEntry a line (a sink to Cloud
// Storage), or one JSON document (`gcloud logging read --format=json`'s array, or the API's
// `{"entries": [...]}`), gzip or not. Each model call's entry names who called (the principal's
// email or federated subject), which model, where and when; it carries no token counts, so an
// event's counts stay unknown unless the entry happens to hold a response's `usageMetadata`.
// Request and response bodies, where a log holds them, are dropped while the text is parsed and
// never reach a record, a quarantine reason or an error.
import { parseUsageEvent, type SourceRecord } from '../attribution/index.js';
import {
  quarantine,
  type FormatReader,
  type ReadContext,
  type SourceFile,
} from './format-reader.js';
import { normalizeGcpModelId } from './gcp-model-names.js';
import { jsonLogEntries } from './json-log-entries.js';

const AUDIT_LOG_TYPE = 'type.googleapis.com/google.cloud.audit.AuditLog';
const VERTEX_SERVICE = 'aiplatform.googleapis.com';

/** PredictionService methods that run a model; the service's other methods bill no tokens. */
const MODEL_CALLS = new Set([
  'Predict',
  'RawPredict',
  'StreamRawPredict',
  'DirectPredict',
  'DirectRawPredict',
  'ServerStreamingPredict',
  'StreamingPredict',
  'GenerateContent',
  'StreamGenerateContent',
  'ChatCompletions',
  'EmbedContent',
]);
const PREDICTION_METHOD = /^google\.cloud\.aiplatform\.v\w+\.PredictionService\.(\w+)$/;

/** Keys that hold request or response content in Vertex AI's and OpenAI-compatible APIs. */
const CONTENT_KEY =
  /^(?:contents?|parts|text|candidates|systemInstruction|instances|predictions|inlineData|fileData|messages|choices|prompt|body|input|output|httpBody|data)$/;

const PUBLISHER_MODEL = /\/publishers\/[^/]+\/models\/[^/]+$/;
const PUBLISHER = /\/publishers\/([^/]+)\//;
const ENDPOINT = /\/endpoints\/([^/]+)$/;
const PROJECT = /^projects\/([^/]+)/;
const LOCATION = /\/locations\/([^/]+)/;

/** Where each event field comes from in the entry, so a refusal names the field the user can see. */
const LOG_FIELD: Readonly<Record<string, string>> = {
  requestId: 'insertId',
  timestamp: 'timestamp',
  model: 'protoPayload.resourceName',
  inputTokens: 'protoPayload.response.usageMetadata.promptTokenCount',
  cacheReadTokens: 'protoPayload.response.usageMetadata.cachedContentTokenCount',
  outputTokens: 'protoPayload.response.usageMetadata.candidatesTokenCount',
  reasoningTokens: 'protoPayload.response.usageMetadata.thoughtsTokenCount',
  'identity.gcpPrincipal': 'protoPayload.authenticationInfo.principalEmail',
  account: 'resource.labels.project_id',
  region: 'protoPayload.resourceName',
  'attributes.userAgent': 'protoPayload.requestMetadata.callerSuppliedUserAgent',
};

/** The event gate's limit on an attribute value; a longer user agent is cut, not refused. */
const USER_AGENT_CHARS = 256;

type Json = Record<string, unknown>;
type Built = { ok: true; event: Json } | { ok: false; field: string; reason: string } | null;

export class GcpVertexAuditLogsReader implements FormatReader {
  readonly format = 'gcp-vertex-audit-logs';
  readonly role = 'usage' as const;

  /** `clock` is the receiver's time, against which a timestamp from the future is refused. */
  constructor(private readonly clock: () => Date = () => new Date()) {}

  async *read(file: SourceFile, ctx: ReadContext): AsyncIterable<SourceRecord> {
    const options = { reviver: withoutContent, lists: ['entries'] };
    for await (const { line, value } of jsonLogEntries(file, options)) {
      if (value === undefined) {
        yield quarantine(file, ctx, line, null, 'the line is not valid JSON');
        continue;
      }
      const built = toEvent(value);
      if (built === null) continue;
      if (!built.ok) {
        yield quarantine(file, ctx, line, built.field, `${built.field} ${built.reason}`);
        continue;
      }
      const checked = parseUsageEvent(built.event, { now: this.clock() });
      if (checked.ok) {
        yield { kind: 'usage', event: checked.event };
      } else {
        const field = LOG_FIELD[checked.field] ?? checked.field;
        yield quarantine(file, ctx, line, field, `${field} ${checked.reason}`);
      }
    }
  }
}

/**
 * Drops content at any depth as it is parsed. A request keeps only the model it names; a response
 * only its usage counts.
 */
export function withoutContent(key: string, value: unknown): unknown {
  if (CONTENT_KEY.test(key)) return undefined;
  if (key === 'request') {
    const model = isObject(value) ? value.model : undefined;
    return typeof model === 'string' ? { model } : undefined;
  }
  if (key === 'response') {
    const usage = isObject(value) ? value.usageMetadata : undefined;
    return isObject(usage) ? { usageMetadata: usage } : undefined;
  }
  return value;
}

/** The event an entry describes, a refusal naming the field at fault, or null for no model call. */
function toEvent(entry: unknown): Built {
  if (!isObject(entry)) return { ok: false, field: '(entry)', reason: 'is not a JSON object' };
  const payload = entry.protoPayload;
  if (!isObject(payload)) {
    return { ok: false, field: 'protoPayload', reason: 'is required in a Cloud Audit Logs entry' };
  }
  const type = payload['@type'];
  if (type !== undefined && type !== AUDIT_LOG_TYPE) {
    return { ok: false, field: 'protoPayload.@type', reason: `is not ${AUDIT_LOG_TYPE}` };
  }
  const service = text(payload.serviceName);
  if (service === undefined) return required('protoPayload.serviceName');
  if (service !== VERTEX_SERVICE) {
    const reason = `${service} is not read: only ${VERTEX_SERVICE} entries describe model calls`;
    return { ok: false, field: 'protoPayload.serviceName', reason };
  }
  const method = text(payload.methodName);
  if (method === undefined) return required('protoPayload.methodName');
  const call = PREDICTION_METHOD.exec(method)?.[1];
  // Endpoint and model administration is audited beside the calls but runs no model.
  if (call === undefined || !MODEL_CALLS.has(call)) return null;
  const insertId = text(entry.insertId);
  if (insertId === undefined) return required('insertId');
  const resourceName = text(payload.resourceName);
  if (resourceName === undefined) return required('protoPayload.resourceName');

  const resource = isObject(entry.resource) ? entry.resource : {};
  const labels = isObject(resource.labels) ? resource.labels : {};
  const project =
    text(labels.project_id) ??
    PROJECT.exec(text(entry.logName) ?? '')?.[1] ??
    PROJECT.exec(resourceName)?.[1];
  const request = isObject(payload.request) ? payload.request : {};
  const modelPath = PUBLISHER_MODEL.test(resourceName) ? resourceName : text(request.model);
  const status = isObject(payload.status) ? payload.status.code : undefined;

  // Cloud Logging keeps one entry per insertId within a project's log. A call logged as an
  // operation (its first and last entries) is one call, so its entries share the operation's id.
  const operation = isObject(entry.operation) ? text(entry.operation.id) : undefined;
  const callId = operation ?? insertId;
  const event: Json = {
    requestId: project === undefined ? callId : `${project}/${callId}`,
    timestamp: entry.timestamp,
    provider: 'gcp',
    model: modelPath === undefined ? null : normalizeGcpModelId(modelPath),
    status: status === undefined || status === 0 ? 'ok' : 'error',
    ...tokenCounts(payload),
  };

  const authentication = isObject(payload.authenticationInfo) ? payload.authenticationInfo : {};
  const principal = text(authentication.principalEmail) ?? text(authentication.principalSubject);
  if (principal !== undefined) event.identity = { gcpPrincipal: principal };
  if (project !== undefined) event.account = project;
  const region = LOCATION.exec(resourceName)?.[1] ?? text(labels.location);
  if (region !== undefined) event.region = region;

  const metadata = isObject(payload.requestMetadata) ? payload.requestMetadata : {};
  const agent = text(metadata.callerSuppliedUserAgent);
  const attributes: Record<string, string | undefined> = {
    method: call,
    publisher: PUBLISHER.exec(resourceName)?.[1],
    endpoint: ENDPOINT.exec(resourceName)?.[1],
    userAgent: agent === undefined ? undefined : [...agent].slice(0, USER_AGENT_CHARS).join(''),
  };
  for (const key of Object.keys(attributes)) if (!attributes[key]) delete attributes[key];
  event.attributes = attributes;
  return { ok: true, event };
}

/**
 * Counts from a response's `usageMetadata`, where an entry holds one. Vertex counts cached input
 * inside the prompt and thoughts beside the candidates; Argmin's input excludes the cache and its
 * output includes the thoughts. Without a prompt count, every count stays unknown.
 */
function tokenCounts(payload: Json): Json {
  const response = isObject(payload.response) ? payload.response : {};
  const usage = isObject(response.usageMetadata) ? response.usageMetadata : {};
  const prompt = usage.promptTokenCount;
  if (!isCount(prompt)) return {};
  // Vertex leaves out counters that are zero once it reports a prompt.
  const cached = isCount(usage.cachedContentTokenCount) ? usage.cachedContentTokenCount : 0;
  const candidates = isCount(usage.candidatesTokenCount) ? usage.candidatesTokenCount : 0;
  const thoughts = isCount(usage.thoughtsTokenCount) ? usage.thoughtsTokenCount : undefined;
  if (cached > prompt) return {};
  return {
    inputTokens: prompt - cached,
    cacheReadTokens: cached,
    outputTokens: candidates + (thoughts ?? 0),
    ...(thoughts === undefined ? {} : { reasoningTokens: thoughts }),
  };
}

function required(field: string): Built {
  return { ok: false, field, reason: 'is required' };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
