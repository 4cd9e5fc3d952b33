// GET /v1/report: the latest attribution run in the store, grouped and cut to a period of days as
// `argmin report` does, billed figures apart from estimates. Behind the API's bearer tokens.
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import {
  type Sql,
  GROUP_DIMENSIONS,
  latestRunId,
  parseDay,
  parseGroupBy,
  queryReport,
  ReportQueryError,
} from '../attribution/index.js';
import { normalizeModelId } from '../connectors/index.js';
import { ApiError } from './errors.js';

export const REPORT_ROUTE = '/v1/report';
const DEFAULT_GROUP_BY = 'costCenter';

export function reportRoute(
  app: FastifyInstance,
  reports: Sql | undefined,
  authenticate: onRequestHookHandler,
): void {
  app.get(REPORT_ROUTE, { onRequest: authenticate }, async (request) => {
    if (!reports) throw new ApiError('NOT_FOUND', 'this api serves no reports: it has no store');
    const query = request.query as Record<string, unknown>;
    const groupBy = parameter(query, 'groupBy') ?? DEFAULT_GROUP_BY;
    const from = parameter(query, 'from');
    const to = parameter(query, 'to');
    try {
      const runId = await latestRunId(reports);
      if (runId === null) throw new ApiError('NOT_FOUND', 'no attribution run in the store yet');
      return await queryReport(reports, {
        runId,
        groupBy: parseGroupBy(groupBy),
        from: from === undefined ? undefined : parseDay(from, 'from'),
        to: to === undefined ? undefined : parseDay(to, 'to'),
        normalizeModel: normalizeModelId,
      });
    } catch (err) {
      // Fixed messages: a query string is the client's text, not something to echo back or log.
      if (err instanceof ReportQueryError) {
        if (err.code === 'NO_RUN') throw new ApiError('NOT_FOUND', 'the latest run is gone');
        if (err.code === 'BAD_PERIOD') {
          throw new ApiError('BAD_REQUEST', 'from must be a day before to');
        }
        if (err.code === 'BAD_DATE') {
          throw new ApiError('BAD_REQUEST', 'from and to must be ISO dates (YYYY-MM-DD)');
        }
        const choices = GROUP_DIMENSIONS.join(', ');
        throw new ApiError('BAD_REQUEST', `groupBy is a comma-separated list of ${choices}`);
      }
      throw err;
    }
  });
}

/** One value of a query parameter; a parameter given twice is ambiguous and refused. */
function parameter(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new ApiError('BAD_REQUEST', `give the query parameter ${name} once`);
  }
  return value;
}

const money = { type: 'string', pattern: '^-?\\d+(\\.\\d+)?$', description: 'Decimal string.' };
const nullableText = { type: ['string', 'null'] };

/** The answer's schema, as the OpenAPI description carries it. */
export const GROUPED_REPORT_SCHEMA = {
  type: 'object',
  required: ['runId', 'currency', 'costView', 'period', 'groupBy', 'totals', 'groups'],
  properties: {
    runId: { type: 'integer' },
    currency: { type: 'string' },
    costView: { type: 'string', enum: ['billed', 'effective'] },
    period: {
      type: 'object',
      properties: { start: { type: 'string' }, end: { type: 'string' } },
    },
    filter: { type: 'object', properties: { from: nullableText, to: nullableText } },
    groupBy: { type: 'array', items: { type: 'string', enum: [...GROUP_DIMENSIONS] } },
    billedThrough: { ...nullableText, description: 'The bill covers usage up to here.' },
    totals: {
      type: 'object',
      description: 'billed = attributed + unattributed exactly; estimates are never in them.',
      properties: {
        billed: money,
        attributed: money,
        unattributed: money,
        estimated: money,
        unpricedRequests: { type: 'integer', minimum: 0 },
      },
    },
    groups: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'basis', 'cost', 'confidence', 'requests'],
        properties: {
          key: {
            type: 'object',
            description: 'One value per dimension grouped by; null is none (unattributed).',
            additionalProperties: nullableText,
          },
          basis: {
            type: 'string',
            enum: ['billed', 'estimate'],
            description: 'billed: reconciled to a bill. estimate: requests not billed yet.',
          },
          cost: money,
          confidence: {
            type: ['number', 'null'],
            minimum: 0,
            maximum: 0.95,
            description: 'Spend-weighted over the group’s gross usage.',
          },
          requests: { type: 'integer', minimum: 0 },
        },
      },
    },
  },
};

export const REPORT_OPERATION = {
  summary: 'Spend of the latest attribution run, grouped and cut to a period of UTC days',
  security: [{ bearer: [] }],
  parameters: [
    {
      name: 'groupBy',
      in: 'query',
      description: `Comma-separated, of ${GROUP_DIMENSIONS.join(', ')}; ${DEFAULT_GROUP_BY} by default.`,
      schema: { type: 'string' },
    },
    {
      name: 'from',
      in: 'query',
      description: 'First UTC day counted.',
      schema: { type: 'string', format: 'date' },
    },
    {
      name: 'to',
      in: 'query',
      description: 'First UTC day no longer counted, like a period end.',
      schema: { type: 'string', format: 'date' },
    },
  ],
};
