// The OpenAPI 3.1 description served at /openapi.json. The event schema mirrors the one gate in
// attribution's event schema, bounds included: its fields are typed against the model, and a test
// holds its bounds to the gate's.
import { EVENT_LIMITS, type CallerIdentity, type UsageEvent } from '../attribution/index.js';
import type { ApiErrorCode } from './errors.js';
import { NDJSON_MEDIA_TYPE } from './event-batch.js';
import { GROUPED_REPORT_SCHEMA, REPORT_OPERATION, REPORT_ROUTE } from './report-route.js';

export interface OpenApiLimits {
  maxBodyBytes: number;
  maxEventsPerRequest: number;
}

const WORKLOAD_REF = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$';
const text = { type: 'string', minLength: 1, maxLength: EVENT_LIMITS.textLength };
const tokens = (description: string) => ({
  type: 'integer',
  minimum: 0,
  maximum: EVENT_LIMITS.maxTokens,
  description: `${description} Leave it out when unknown: absent is never zero.`,
});

const identityProperties = {
  serviceAccount: { ...text, pattern: WORKLOAD_REF, description: 'namespace/name' },
  spiffeId: text,
  apiKeyId: text,
  user: { ...text, description: 'A SCIM userName or email.' },
  awsPrincipal: { ...text, description: 'An IAM user or STS assumed-role ARN.' },
  gcpPrincipal: {
    ...text,
    description: 'A Google service account email, a workload identity principal, or an email.',
  },
  azurePrincipal: {
    ...text,
    description: 'An Entra ID application (client) id or object id, or a user principal name.',
  },
} satisfies Record<keyof CallerIdentity, object>;

const eventProperties = {
  requestId: {
    ...text,
    maxLength: EVENT_LIMITS.requestIdLength,
    description: 'Unique per call; the idempotency key. A repeat is stored once.',
  },
  timestamp: {
    type: 'string',
    format: 'date-time',
    description:
      `RFC 3339 with a time zone; when the call started. Not after the receiver's clock plus ` +
      `${EVENT_LIMITS.futureSkewMs / 1000} s, not before ${EVENT_LIMITS.earliestTimestamp}.`,
  },
  provider: { type: 'string', enum: ['aws', 'gcp', 'azure', 'openai', 'anthropic', 'other'] },
  model: { ...text, description: 'As the provider names it.' },
  inputTokens: tokens('Input not served from a cache.'),
  cacheReadTokens: tokens('Input served from a prompt cache.'),
  cacheWriteTokens: tokens('Input written to a prompt cache.'),
  outputTokens: tokens('All generated tokens, reasoning included.'),
  reasoningTokens: tokens('The reasoning share of outputTokens; no more than outputTokens.'),
  cost: {
    type: 'string',
    pattern: '^\\d{1,20}(\\.\\d{1,20})?$',
    description: 'Decimal string in the bill currency; estimated from the price book if absent.',
  },
  latencyMs: { type: 'number', minimum: 0, maximum: 2_147_483_647 },
  status: { type: 'string', enum: ['ok', 'error'] },
  identity: {
    type: 'object',
    description: 'Who called.',
    additionalProperties: false,
    properties: identityProperties,
  },
  service: { ...text, pattern: WORKLOAD_REF, description: 'The workload, namespace/name.' },
  account: { ...text, description: 'The cloud account that served the call.' },
  region: text,
  attributes: {
    type: 'object',
    description:
      'A small map of strings, kept as metadata. Keys that name content (prompt, messages, ' +
      'completion, ...) are refused.',
    maxProperties: EVENT_LIMITS.attributeCount,
    propertyNames: {
      maxLength: EVENT_LIMITS.attributeKeyLength,
      pattern: '^[A-Za-z0-9][A-Za-z0-9_.:/-]*$',
    },
    additionalProperties: {
      type: 'string',
      minLength: 1,
      maxLength: EVENT_LIMITS.attributeValueLength,
    },
  },
} satisfies Record<keyof UsageEvent, object>;

const usageEvent = {
  type: 'object',
  description: 'One AI call. Metadata only: there is no field for prompt or completion content.',
  additionalProperties: false,
  required: ['requestId', 'timestamp', 'provider'],
  properties: eventProperties,
};

export const EXAMPLE_EVENT = {
  requestId: 'req-8c1f2a',
  timestamp: '2026-10-03T10:00:00.250Z',
  provider: 'openai',
  model: 'gpt-4o-mini',
  inputTokens: 1200,
  cacheReadTokens: 800,
  outputTokens: 310,
  latencyMs: 842,
  status: 'ok',
  identity: { serviceAccount: 'search/ranker' },
  service: 'search/ranker',
  attributes: { feature: 'rerank' },
};

const errorCodes: ApiErrorCode[] = [
  'UNAUTHENTICATED',
  'UNSUPPORTED_MEDIA_TYPE',
  'BODY_TOO_LARGE',
  'INVALID_JSON',
  'NOT_AN_ARRAY',
  'TOO_MANY_EVENTS',
  'EVENT_REFUSED',
  'OVERLOADED',
  'STORE_UNAVAILABLE',
  'STORE_REFUSED',
  'NOT_FOUND',
  'BAD_REQUEST',
  'INTERNAL',
];

const errorBody = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', enum: errorCodes },
        message: { type: 'string' },
        event: { type: 'integer', description: '0-based position of the event at fault.' },
        line: { type: 'integer', description: '1-based NDJSON line of the event at fault.' },
        field: { type: 'string', description: 'The field at fault, e.g. attributes.prompt.' },
        reason: { type: 'string' },
        retryAfterSeconds: { type: 'integer' },
      },
    },
  },
};

const answer = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});
const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } },
};

export function openApiDocument(limits: OpenApiLimits): object {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Argmin ingestion API',
      version: '1',
      description:
        'Request-level AI usage events from SDKs, batch jobs and proxies. A 2xx means every event ' +
        'of the request is committed; a repeated requestId is stored once, so any failed request ' +
        'can be retried as it was.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { UsageEvent: usageEvent, Error: errorBody, GroupedReport: GROUPED_REPORT_SCHEMA },
    },
    paths: {
      '/v1/events': {
        post: {
          summary: 'Store usage events, all or none',
          security: [{ bearer: [] }],
          requestBody: {
            required: true,
            description:
              `At most ${limits.maxEventsPerRequest} events and ${limits.maxBodyBytes} bytes. ` +
              'A JSON array, or NDJSON with one event a line.',
            content: {
              'application/json': {
                schema: {
                  type: 'array',
                  maxItems: limits.maxEventsPerRequest,
                  items: { $ref: '#/components/schemas/UsageEvent' },
                },
                example: [EXAMPLE_EVENT],
              },
              [NDJSON_MEDIA_TYPE]: {
                schema: { $ref: '#/components/schemas/UsageEvent' },
                description: 'One event per line.',
              },
            },
          },
          responses: {
            '200': {
              description: 'Every event is committed, new or already stored.',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['accepted'],
                    properties: { accepted: { type: 'integer', minimum: 0 } },
                  },
                },
              },
            },
            '400': answer('A field, the JSON, or the body shape is refused; nothing was stored.'),
            '401': answer('No valid bearer token.'),
            '413': answer('The body or the number of events is over the limit.'),
            '415': answer('Neither application/json nor application/x-ndjson.'),
            '422': answer('The store refused an event the schema let through; do not retry.'),
            '503': {
              ...answer('Not stored for certain: the store is slow or down. Retry as it was.'),
              headers: retryAfter,
            },
          },
        },
      },
      [REPORT_ROUTE]: {
        get: {
          ...REPORT_OPERATION,
          responses: {
            '200': {
              description: 'The groups, billed first; billed groups add up to totals.billed.',
              content: {
                'application/json': { schema: { $ref: '#/components/schemas/GroupedReport' } },
              },
            },
            '400': answer('groupBy names no dimension, or from or to is not an ISO date.'),
            '401': answer('No valid bearer token.'),
            '404': answer('No attribution run in the store yet, or no store to read.'),
          },
        },
      },
      '/healthz': {
        get: { summary: 'The process is alive', responses: { '200': { description: 'alive' } } },
      },
      '/readyz': {
        get: {
          summary: 'The store answers and the write queue has room',
          responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          responses: { '200': { description: 'text exposition format' } },
        },
      },
    },
  };
}
