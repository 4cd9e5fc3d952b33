import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Quarantined, SourceRecord, UsageEvent } from '../attribution/index.js';
import { BedrockInvocationLogsReader, parseWithoutPayloads } from './bedrock-invocation-logs.js';
import type { ReadContext } from './format-reader.js';

const FIXTURE = new URL(
  './fixtures/aws-bedrock-invocation-logs/bedrock-logs-2025-06-03.jsonl',
  import.meta.url,
).pathname;
const fixture = (name: string) =>
  new URL(`./fixtures/aws-bedrock-invocation-logs/${name}`, import.meta.url).pathname;
const CANARY = 'CANARY-prompt-7f3a9c';
/** Enough of the canary to catch a message that quotes a few characters of a line. */
const CANARY_MARK = 'CANARY';
const CTX: ReadContext = { connector: 'finops/aws-payer', provider: 'aws' };
const reader = new BedrockInvocationLogsReader(() => new Date('2025-06-04T00:00:00Z'));

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'argmin-bedrock-'));
  await writeFile(join(dir, 'logs.json.gz'), gzipSync(await readFile(FIXTURE)));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function read(path = FIXTURE, name = 'logs.jsonl'): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const record of reader.read({ path, name }, CTX)) out.push(record);
  return out;
}

const events = (records: SourceRecord[]): UsageEvent[] =>
  records.flatMap((r) => (r.kind === 'usage' ? [r.event] : []));
const quarantined = (records: SourceRecord[]): Quarantined[] =>
  records.flatMap((r) => (r.kind === 'quarantine' ? [r.item] : []));

describe('aws-bedrock-invocation-logs reader', () => {
  it('turns a Converse log into a usage event of metadata and counts only', async () => {
    const [first] = events(await read());
    expect(first).toEqual({
      requestId: '6f1c0e4a-0000-4000-8000-000000000001',
      timestamp: '2025-06-03T10:15:30Z',
      provider: 'aws',
      model: 'us.anthropic.claude-sonnet-4-20250514-v1:0',
      inputTokens: 1200,
      cacheReadTokens: 800,
      cacheWriteTokens: 0,
      outputTokens: 95,
      status: 'ok',
      identity: {
        awsPrincipal: 'arn:aws:sts::222222222222:assumed-role/checkout-api/botocore-session-17',
        user: 'alice@acme.example',
      },
      account: '222222222222',
      region: 'us-east-1',
      attributes: { operation: 'Converse', inferenceRegion: 'us-west-2' },
    });
  });

  it('reads gzip the same as plain text', async () => {
    const gz = await read(join(dir, 'logs.json.gz'), 'logs.json.gz');
    const plain = await read();
    expect(events(gz)).toEqual(events(plain));
  });

  it('marks an errored call as error and keeps its logged zero output', async () => {
    const failed = events(await read()).find((e) => e.requestId.endsWith('003'));
    expect(failed).toMatchObject({ status: 'error', inputTokens: 55, outputTokens: 0 });
  });

  it('leaves out the counts a log does not give instead of writing zero', async () => {
    const all = events(await read());
    const streamed = all.find((e) => e.requestId.endsWith('002'));
    expect(streamed).not.toHaveProperty('cacheReadTokens');
    expect(streamed).toMatchObject({ region: 'us-east-1', timestamp: '2025-06-03T10:16:02.417Z' });
    const profiled = all.find((e) => e.requestId.endsWith('006'));
    expect(profiled).not.toHaveProperty('outputTokens');
    expect(profiled?.model).toBe(
      'arn:aws:bedrock:us-east-1:222222222222:application-inference-profile/abc123',
    );
  });

  it('quarantines bad lines by line and log field, and reads the lines after them', async () => {
    const records = await read();
    expect(quarantined(records)).toEqual([
      {
        source: { connector: 'finops/aws-payer', file: 'logs.jsonl', line: 5 },
        field: null,
        reason: 'the line is not valid JSON',
      },
      {
        source: { connector: 'finops/aws-payer', file: 'logs.jsonl', line: 6 },
        field: 'requestId',
        reason: 'requestId is required',
      },
      {
        source: { connector: 'finops/aws-payer', file: 'logs.jsonl', line: 8 },
        field: 'input.inputTokenCount',
        reason: 'input.inputTokenCount must be a non-negative integer (leave it out when unknown)',
      },
      {
        source: { connector: 'finops/aws-payer', file: 'logs.jsonl', line: 9 },
        field: 'schemaType',
        reason: 'schemaType is not ModelInvocationLog',
      },
      {
        source: { connector: 'finops/aws-payer', file: 'logs.jsonl', line: 10 },
        field: null,
        reason: 'the line is not valid JSON',
      },
    ]);
    expect(events(records).map((e) => e.requestId.slice(-3))).toEqual(['001', '002', '003', '006']);
  });

  it('never lets prompt or completion text reach a record, a reason or an error', async () => {
    const raw = await readFile(FIXTURE, 'utf8');
    expect(raw.split(CANARY).length - 1).toBeGreaterThan(8);

    const records = await read();
    expect(JSON.stringify(records)).not.toContain(CANARY_MARK);

    // A failure to read must not quote the file either.
    const broken = join(dir, 'broken.jsonl.gz');
    await writeFile(broken, gzipSync(raw).subarray(0, 200));
    const err = await read(broken, 'broken.jsonl.gz').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String(err)).not.toContain(CANARY_MARK);
    expect(JSON.stringify(err)).not.toContain(CANARY_MARK);
  });

  it('drops every payload key while parsing, at any depth', () => {
    const line = JSON.stringify({
      requestId: 'r-1',
      input: { inputBodyJson: { messages: [CANARY] }, inputTokenCount: 3 },
      output: { outputBodyJson: CANARY, outputVideoUri: CANARY, outputTokenCount: 1 },
      nested: [{ imageBlock: CANARY, embeddingVector: [1, 2], audio: CANARY, content: CANARY }],
    });
    expect(parseWithoutPayloads(line)).toEqual({
      requestId: 'r-1',
      input: { inputTokenCount: 3 },
      output: { outputTokenCount: 1 },
      nested: [{}],
    });
  });
});

describe('aws-bedrock-invocation-logs reader, delivered through CloudWatch Logs', () => {
  const S3_IDS = ['001', '002', '003'];

  it('reads a CloudWatch Logs export to S3, gzip, as the same events as S3 delivery', async () => {
    const exported = join(dir, '000000.gz');
    await writeFile(exported, gzipSync(await readFile(fixture('cloudwatch-export-000000'))));
    const records = await read(exported, 'exportedlogs/bedrock/000000.gz');

    const fromS3 = events(await read()).filter((e) => S3_IDS.includes(e.requestId.slice(-3)));
    expect(events(records)).toEqual(fromS3);
    expect(quarantined(records)).toEqual([
      {
        source: { connector: 'finops/aws-payer', file: 'exportedlogs/bedrock/000000.gz', line: 4 },
        field: 'requestId',
        reason: 'requestId is required',
      },
    ]);
  });

  it('reads filter-log-events output, each event at its line, naming a bad message', async () => {
    const records = await read(fixture('filter-log-events.json'), 'filter-log-events.json');
    const fromS3 = events(await read()).filter((e) => S3_IDS.includes(e.requestId.slice(-3)));
    expect(events(records)).toEqual(fromS3);
    expect(quarantined(records).map((q) => [q.source.line, q.field, q.reason])).toEqual([
      [24, 'events[3].message', 'events[3].message is required'],
      [30, 'events[4].message', 'events[4].message is not valid JSON'],
    ]);
  });

  it('keeps no body from either delivery, nor from a failure to read one', async () => {
    for (const name of ['cloudwatch-export-000000', 'filter-log-events.json']) {
      expect(await readFile(fixture(name), 'utf8')).toContain(CANARY);
      expect(JSON.stringify(await read(fixture(name), name))).not.toContain(CANARY_MARK);
    }
    const cut = join(dir, 'cut.json');
    const text = await readFile(fixture('filter-log-events.json'), 'utf8');
    await writeFile(cut, text.slice(0, text.indexOf(CANARY) + 40));
    const err = await read(cut, 'cut.json').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SOURCE_FORMAT_INVALID' });
    expect(String(err)).not.toContain(CANARY_MARK);
    expect(JSON.stringify(err)).not.toContain(CANARY_MARK);
  });
});
