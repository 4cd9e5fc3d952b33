import { Ajv } from 'ajv';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildReport, Money, Store, type Allocation, type CostRow } from '../attribution/index.js';
import { edge } from '../attribution/evidence.js';
import { queryReport } from '../attribution/report-query.js';
import { saveRun } from '../attribution/store/runs.js';
import { MemorySink } from '../test/api/memory-sink.js';
import { BearerTokens } from './bearer-tokens.js';
import { startApi, type RunningApi } from './server.js';

const TOKEN = '0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a';

const LINE: CostRow = {
  id: 'u1',
  source: { connector: 'aws', file: 'cur.csv', line: 2 },
  provider: 'aws',
  billingAccountId: '111122223333',
  subAccountId: '210987654321',
  billingPeriodStart: '2026-10-01T00:00:00Z',
  billingPeriodEnd: '2026-11-01T00:00:00Z',
  chargePeriodStart: '2026-10-03T00:00:00Z',
  chargePeriodEnd: '2026-10-05T00:00:00Z',
  chargeCategory: 'Usage',
  chargeType: 'Usage',
  serviceName: 'Amazon Bedrock',
  usageType: 'USE1-Haiku-input-tokens',
  region: 'us-east-1',
  resourceId: null,
  model: 'anthropic.claude-3-5-haiku-20241022-v1:0',
  tokenClass: 'inputTokens',
  quantity: null,
  unit: null,
  billedCost: '0',
  currency: 'USD',
  principal: null,
  tags: {},
};

const ALLOCATIONS: Allocation[] = [
  {
    row: LINE,
    attribution: {
      costCenter: 'search',
      service: 'search/ranker',
      team: 'search',
      person: null,
      edges: [edge('0.9', 'IRSA')],
    },
    model: LINE.model,
    requests: 3,
    cost: '4.2',
  },
  {
    row: LINE,
    attribution: { costCenter: null, service: null, team: null, person: null, edges: [] },
    model: LINE.model,
    requests: 0,
    cost: '0.8',
  },
];

let store: Store;
let empty: Store;
let api: RunningApi | undefined;

beforeAll(async () => {
  [store, empty] = await Promise.all([Store.open(undefined), Store.open(undefined)]);
  const report = buildReport({
    currency: 'USD',
    costView: 'billed',
    period: { start: '2026-10-01T00:00:00Z', end: '2026-11-01T00:00:00Z' },
    allocations: ALLOCATIONS,
    outOfScope: { rows: 0, cost: new Money(0) },
    quarantined: [],
  });
  await saveRun(store.sql, report, ALLOCATIONS);
}, 60_000);
afterAll(async () => {
  await Promise.all([store?.close(), empty?.close()]);
});
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function serve(reports: Store | null): Promise<string> {
  api = await startApi({
    host: '127.0.0.1',
    port: 0,
    sink: new MemorySink(),
    tokens: BearerTokens.of([TOKEN]),
    logger: pino({ level: 'silent' }),
    ...(reports ? { reports: reports.sql } : {}),
  });
  return api.address;
}

async function get(url: string, token: string | null = TOKEN) {
  const response = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: response.status, headers: response.headers, body: await response.json() };
}

describe('GET /v1/report', () => {
  it('answers with the latest run grouped and cut as the store query gives it', async () => {
    const url = await serve(store);
    const { status, body } = await get(
      `${url}/v1/report?groupBy=costCenter,day&from=2026-10-04&to=2026-10-05`,
    );
    expect(status).toBe(200);
    const direct = await queryReport(store.sql, {
      runId: 1,
      groupBy: ['costCenter', 'day'],
      from: '2026-10-04',
      to: '2026-10-05',
    });
    expect(body).toEqual(JSON.parse(JSON.stringify(direct)));
    expect(body.totals).toMatchObject({ billed: '2.5', attributed: '2.1', unattributed: '0.4' });
  });

  it('groups by cost center unless told otherwise', async () => {
    const url = await serve(store);
    const { body } = await get(`${url}/v1/report`);
    expect(body.groupBy).toEqual(['costCenter']);
    expect(body.groups.map((g: { key: unknown; cost: string }) => [g.key, g.cost])).toEqual([
      [{ costCenter: 'search' }, '4.2'],
      [{ costCenter: null }, '0.8'],
    ]);
  });

  it('refuses a caller without a valid bearer token', async () => {
    const url = await serve(store);
    for (const token of [null, 'not-the-token-at-all-not-at-all']) {
      const { status, headers, body } = await get(`${url}/v1/report`, token);
      expect(status).toBe(401);
      expect(headers.get('www-authenticate')).toBe('Bearer realm="argmin"');
      expect(body.error.code).toBe('UNAUTHENTICATED');
    }
  });

  it.each([
    ['groupBy=region', /groupBy is a comma-separated list/],
    ['from=2026-13-01', /ISO dates/],
    ['to=tomorrow', /ISO dates/],
    ['groupBy=day&groupBy=model', /once/],
  ])('refuses %s without echoing it', async (query, message) => {
    const url = await serve(store);
    const { status, body } = await get(`${url}/v1/report?${query}`);
    expect(status).toBe(400);
    expect(body.error.code).toBe('BAD_REQUEST');
    expect(body.error.message).toMatch(message);
    expect(body.error.message).not.toContain('region');
  });

  it('answers 404 while the store holds no run, and when it has no store at all', async () => {
    for (const reports of [empty, null]) {
      const url = await serve(reports);
      const { status, body } = await get(`${url}/v1/report`);
      expect(status).toBe(404);
      expect(body.error.code).toBe('NOT_FOUND');
      await api?.close();
      api = undefined;
    }
  });

  it('is described in the OpenAPI document, and its answers match the schema there', async () => {
    const url = await serve(store);
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as {
      paths: Record<string, { get?: { security: unknown } }>;
      components: { schemas: Record<string, object> };
    };
    expect(doc.paths['/v1/report']?.get?.security).toEqual([{ bearer: [] }]);
    const validate = new Ajv({ strict: false, validateFormats: false }).compile(
      doc.components.schemas.GroupedReport!,
    );
    const { body } = await get(`${url}/v1/report?groupBy=service,model`);
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
  });
});
