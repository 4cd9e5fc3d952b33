import { describe, expect, it } from 'vitest';
import type { Quarantined, UsageEvent } from '../attribution/index.js';
import { AzureOpenAiDiagnosticLogsReader } from './azure-openai-diagnostic-logs.js';
import { normalizeModelId } from './model-names.js';
import { readerFor } from './registry.js';

const FIXTURES = 'connectors/fixtures/azure-openai-diagnostic-logs';
const CANARY = 'CANARY-7d41';
const ctx = { connector: 'finops/azure', provider: 'azure' as const };
const NOW = () => new Date('2025-07-01T00:00:00Z');

async function read(name: string) {
  const reader = new AzureOpenAiDiagnosticLogsReader(NOW);
  const events: UsageEvent[] = [];
  const quarantined: Quarantined[] = [];
  for await (const record of reader.read({ path: `${FIXTURES}/${name}`, name }, ctx)) {
    if (record.kind === 'usage') events.push(record.event);
    else if (record.kind === 'quarantine') quarantined.push(record.item);
    else throw new Error(`unexpected ${record.kind}`);
  }
  return { events, quarantined };
}

const byId = (events: UsageEvent[], suffix: string) =>
  events.find((e) => e.requestId.endsWith(suffix))!;

describe('azure-openai-diagnostic-logs, RequestResponse records', () => {
  it('is the reader of its format in the registry', () => {
    expect(readerFor('azure-openai-diagnostic-logs')?.role).toBe('usage');
  });

  it('reads a call: its model, deployment, subscription, region, latency and outcome', async () => {
    const { events } = await read('requestresponse-PT1H.jsonl');
    expect(byId(events, '0001')).toEqual({
      requestId: 'a1f0c6d2-0001-4c1e-9a7b-000000000001',
      timestamp: '2025-06-03T12:00:01.123Z',
      provider: 'azure',
      model: 'gpt-4o',
      status: 'ok',
      latencyMs: 812,
      account: '6f1d3a2b-8c4e-4f7a-9b21-3d5e7f9a1c04',
      region: 'eastus',
      attributes: {
        deployment: 'search-chat',
        modelVersion: '2024-05-13',
        operation: 'ChatCompletions_Create',
        resource: 'contoso-openai-eastus',
        streamType: 'Non-Streaming',
      },
    });
  });

  it.each([
    ['0001', undefined, 'an API-key call, whose object id is empty'],
    [
      '0002',
      '7c1e5a90-3b2d-4e8f-a6c4-1d2e3f4a5b6c',
      'the object id, in properties given as a string',
    ],
    ['0003', '0f3c9a52-7b1e-4d2a-9c61-5e8f2b7a1d04', 'the application (client) id in the claims'],
    ['0004', 'lena.park@contoso.example', "a user's principal name in the claims"],
  ])('names the caller of %s: %s, from %s', async (id, principal, _source) => {
    const { events } = await read('requestresponse-PT1H.jsonl');
    expect(byId(events, id).identity?.azurePrincipal).toBe(principal);
  });

  it('takes the model a deployment maps to elsewhere in the file, else keeps the deployment', async () => {
    const { events } = await read('requestresponse-PT1H.jsonl');
    expect(byId(events, '0004').model).toBe('gpt-4o');
    expect(byId(events, '0005').model).toBe('Support_Drafter');
    expect(normalizeModelId('azure', byId(events, '0005').model!)).toBe('support-drafter');
  });

  it('keeps a call with a negative duration, without a latency it cannot have', async () => {
    const { events } = await read('requestresponse-PT1H.jsonl');
    expect(byId(events, '0003').latencyMs).toBeUndefined();
  });

  it('marks a throttled call as an error and counts no tokens for a record that has none', async () => {
    const { events } = await read('requestresponse-PT1H.jsonl');
    expect(byId(events, '0006').status).toBe('error');
    expect(events.every((e) => e.inputTokens === undefined && e.outputTokens === undefined)).toBe(
      true,
    );
  });

  it('quarantines other categories and broken lines by line', async () => {
    const { events, quarantined } = await read('requestresponse-PT1H.jsonl');
    expect(events).toHaveLength(6);
    expect(quarantined.map((q) => [q.source.line, q.field])).toEqual([
      [7, 'category'],
      [8, null],
    ]);
    expect(quarantined[0]!.reason).toMatch(/^category Audit is not read/);
  });
});

describe('azure-openai-diagnostic-logs, AzureOpenAIRequestUsage records', () => {
  it('reads token counts, taking cached input out of the prompt', async () => {
    const { events } = await read('requestusage-PT1H.jsonl');
    expect(byId(events, '0001/usage')).toMatchObject({
      requestId: 'a1f0c6d2-0001-4c1e-9a7b-000000000001/usage',
      model: 'gpt-4o',
      inputTokens: 1000,
      cacheReadTokens: 200,
      outputTokens: 150,
    });
    expect(byId(events, '0003/usage')).toMatchObject({
      inputTokens: 800,
      outputTokens: 90,
      identity: { azurePrincipal: '7c1e5a90-3b2d-4e8f-a6c4-1d2e3f4a5b6c' },
    });
    expect(byId(events, '0003/usage').cacheReadTokens).toBeUndefined();
  });

  it('quarantines counts that cannot be, naming the field', async () => {
    const { quarantined } = await read('requestusage-PT1H.jsonl');
    expect(quarantined.map((q) => [q.source.line, q.field, q.reason])).toEqual([
      [3, 'properties.cachedTokens', 'properties.cachedTokens exceeds promptTokens'],
      [4, 'properties.promptTokens', 'properties.promptTokens must be a non-negative integer'],
    ]);
  });
});

describe('azure-openai-diagnostic-logs, other deliveries', () => {
  it('reads every record of an Event Hub capture line', async () => {
    const { events, quarantined } = await read('event-hub-capture.jsonl');
    expect(quarantined).toEqual([]);
    expect(events.map((e) => [e.requestId, e.model])).toEqual([
      ['b2e1d7c3-0002-4d2f-8b8c-000000000001', 'gpt-4o-mini'],
      ['b2e1d7c3-0002-4d2f-8b8c-000000000002', 'gpt-4o-mini'],
    ]);
  });

  it('reads a Log Analytics export with its capitalized columns and properties_s', async () => {
    const { events, quarantined } = await read('log-analytics-export.jsonl');
    expect(quarantined).toEqual([]);
    expect(events[0]).toMatchObject({
      requestId: 'c3f2e8d4-0003-4e3a-9c9d-000000000001',
      timestamp: '2025-06-04T09:00:00Z',
      model: 'gpt-4o',
      latencyMs: 640,
      region: 'eastus',
      account: '6f1d3a2b-8c4e-4f7a-9b21-3d5e7f9a1c04',
    });
  });
});

describe('azure-openai-diagnostic-logs never passes on prompt or completion text', () => {
  it('drops bodies as it reads, from records, quarantine reasons and errors alike', async () => {
    const { events, quarantined } = await read('gateway-bodies-canary.jsonl');
    // The canary is in the file, so its absence below is the reader's doing.
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(`${FIXTURES}/gateway-bodies-canary.jsonl`, 'utf8')).toContain(CANARY);

    expect(events.map((e) => e.requestId)).toEqual([
      'd4a3f9e5-0004-4f4b-8dae-000000000001',
      'd4a3f9e5-0004-4f4b-8dae-000000000002',
      'd4a3f9e5-0004-4f4b-8dae-000000000001',
    ]);
    expect(events[0]).toMatchObject({ inputTokens: 12, outputTokens: 9 });
    expect(quarantined.map((q) => [q.source.line, q.field])).toEqual([
      [3, 'time'],
      [4, 'properties.promptTokens'],
      [5, null],
      [6, null],
      [7, null],
    ]);
    expect(JSON.stringify({ events, quarantined })).not.toContain(CANARY);
  });
});
