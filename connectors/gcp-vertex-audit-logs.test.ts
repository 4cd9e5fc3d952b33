import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addObject,
  AttributionGraph,
  emptyClusterState,
  type KubeObject,
  type Quarantined,
  type SourceRecord,
  type UsageEvent,
} from '../attribution/index.js';
import type { ReadContext } from './format-reader.js';
import { GcpVertexAuditLogsReader } from './gcp-vertex-audit-logs.js';
import { SourceError } from './source-error.js';

const fixture = (name: string) =>
  new URL(`./fixtures/gcp-vertex-audit-logs/${name}`, import.meta.url).pathname;
const LINES = fixture('data_access-2025-06-03.jsonl');
const CANARY_MARK = 'CANARY';
const CTX: ReadContext = { connector: 'finops/gcp-ml', provider: 'gcp' };
const reader = new GcpVertexAuditLogsReader(() => new Date('2025-06-04T00:00:00Z'));

async function read(path: string, name = 'data_access.jsonl'): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const record of reader.read({ path, name }, CTX)) out.push(record);
  return out;
}
const events = (records: SourceRecord[]): UsageEvent[] =>
  records.flatMap((r) => (r.kind === 'usage' ? [r.event] : []));
const quarantined = (records: SourceRecord[]): Quarantined[] =>
  records.flatMap((r) => (r.kind === 'quarantine' ? [r.item] : []));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'argmin-vertex-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('gcp-vertex-audit-logs reader', () => {
  it('turns a GenerateContent audit entry into a caller, a model and a time, counts unknown', async () => {
    const [first] = events(await read(LINES));
    expect(first).toEqual({
      requestId: 'acme-ml-prod/1q2w3e4r5t6y',
      timestamp: '2025-06-03T10:15:30.123Z',
      provider: 'gcp',
      model: 'gemini-2.5-flash',
      status: 'ok',
      identity: { gcpPrincipal: 'ranker@acme-ml-prod.iam.gserviceaccount.com' },
      account: 'acme-ml-prod',
      region: 'us-central1',
      attributes: {
        method: 'GenerateContent',
        publisher: 'google',
        userAgent: 'google-genai-sdk/1.20.0 gl-python/3.12.3',
      },
    });
  });

  it('normalizes publisher model paths and keeps federated subjects and endpoints', async () => {
    const all = events(await read(LINES));
    const byId = (suffix: string) => all.find((e) => e.requestId.endsWith(suffix));
    expect(byId('2a3s4d5f6g7h')).toMatchObject({ model: 'gemini-2.5-pro' });
    expect(byId('2a3s4d5f6g7h')?.attributes?.userAgent).toHaveLength(256);
    expect(byId('3z4x5c6v7b8n')).toMatchObject({
      model: 'claude-sonnet-4-5',
      region: 'us-east5',
      identity: {
        gcpPrincipal:
          'principal://iam.googleapis.com/projects/123456789012/locations/global/' +
          'workloadIdentityPools/acme-ml-prod.svc.id.goog/subject/ns/support/sa/triage',
      },
      attributes: { method: 'RawPredict', publisher: 'anthropic' },
    });
    expect(byId('0a9s8d7f6g5h')).toMatchObject({
      model: null,
      region: 'europe-west4',
      attributes: { endpoint: '4477' },
    });
  });

  it('marks a denied call as an error and never writes zero for counts it lacks', async () => {
    const all = events(await read(LINES));
    const denied = all.find((e) => e.requestId.endsWith('4m5n6b7v8c9x'));
    expect(denied?.status).toBe('error');
    for (const e of all.filter((x) => !x.requestId.endsWith('5p6o7i8u9y0t'))) {
      expect(e).not.toHaveProperty('inputTokens');
      expect(e).not.toHaveProperty('outputTokens');
    }
  });

  it("takes counts from a logged response's usage, in Argmin's disjoint classes", async () => {
    const logged = events(await read(LINES)).find((e) => e.requestId.endsWith('5p6o7i8u9y0t'));
    expect(logged).toMatchObject({
      inputTokens: 1000,
      cacheReadTokens: 200,
      outputTokens: 450,
      reasoningTokens: 150,
    });
  });

  it('quarantines entries by line and log field, reads past administration calls', async () => {
    const records = await read(LINES);
    expect(quarantined(records).map((q) => [q.source.line, q.field, q.reason])).toEqual([
      [6, null, 'the line is not valid JSON'],
      [7, 'insertId', 'insertId is required'],
      [8, 'protoPayload.methodName', 'protoPayload.methodName is required'],
      [
        10,
        'protoPayload.serviceName',
        'protoPayload.serviceName storage.googleapis.com is not read: only ' +
          'aiplatform.googleapis.com entries describe model calls',
      ],
    ]);
    // GetEndpoint on line 9 is neither an event nor a fault.
    expect(events(records)).toHaveLength(8);
  });

  it("gives a call logged as an operation's first and last entries one request id", async () => {
    const all = events(await read(LINES));
    const streamed = all.filter((e) => e.requestId === 'acme-ml-prod/stream-7d1e0c');
    expect(streamed.map((e) => e.timestamp)).toEqual([
      '2025-06-03T10:30:00Z',
      '2025-06-03T10:30:04Z',
    ]);
  });

  it('reads gcloud JSON arrays and gzip the same as lines, each entry at its own line', async () => {
    const array = await read(fixture('gcloud-logging-read.json'), 'gcloud.json');
    const lines = events(await read(LINES));
    expect(events(array)).toEqual([lines[0], lines[4]]);
    expect(quarantined(array)).toEqual([]);

    const gz = join(dir, 'data_access.jsonl.gz');
    await writeFile(gz, gzipSync(await readFile(LINES)));
    expect(events(await read(gz))).toEqual(lines);

    const listed = join(dir, 'entries.json');
    const first = JSON.parse((await readFile(LINES, 'utf8')).split('\n')[0]!) as unknown;
    await writeFile(listed, JSON.stringify({ entries: [{}, first] }, null, 2));
    const fromApi = await read(listed, 'entries.json');
    expect(events(fromApi)).toEqual([lines[0]]);
    expect(quarantined(fromApi)).toMatchObject([{ field: 'protoPayload', source: { line: 3 } }]);
  });

  it('stores no trace of a request or response body', async () => {
    const raw = await readFile(LINES, 'utf8');
    expect(raw).toContain(CANARY_MARK);
    expect(JSON.stringify(await read(LINES))).not.toContain(CANARY_MARK);
    expect(JSON.stringify(await read(fixture('gcloud-logging-read.json')))).not.toContain(
      CANARY_MARK,
    );

    const broken = join(dir, 'broken.json');
    await writeFile(broken, `[\n${raw.split('\n')[4]!.slice(0, 900)}\n`);
    const err = await read(broken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect(String(err)).not.toContain(CANARY_MARK);
    expect(JSON.stringify(err)).not.toContain(CANARY_MARK);
  });
});

describe('a Vertex AI caller named by its audit log', () => {
  const workload = (ns: string, name: string): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: { template: { spec: { serviceAccountName: name, containers: [{ image: 'i:1' }] } } },
  });
  const objects: KubeObject[] = [
    ...['search', 'support'].map((name) => ({
      apiVersion: 'argmin.io/v1alpha1',
      kind: 'CostCenter',
      metadata: { name },
      spec: { code: `CC-${name}`, displayName: name, namespaces: [name] },
    })),
    workload('search', 'ranker'),
    workload('support', 'triage'),
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: 'ranker',
        namespace: 'search',
        annotations: {
          'iam.gke.io/gcp-service-account': 'ranker@acme-ml-prod.iam.gserviceaccount.com',
        },
      },
    },
  ];

  it('reaches its service and CostCenter through GKE workload identity, or its own subject', async () => {
    const state = emptyClusterState();
    for (const o of objects) addObject(state, o, { file: 'cluster.yaml', line: 1 });
    const graph = new AttributionGraph({ state, people: [], groups: [], codeowners: new Map() });
    const all = events(await read(LINES));
    const resolved = (suffix: string) =>
      graph.resolveEvent(all.find((e) => e.requestId.endsWith(suffix))!);

    expect(resolved('1q2w3e4r5t6y')).toMatchObject({
      service: 'search/ranker',
      costCenter: 'search',
    });
    expect(resolved('3z4x5c6v7b8n')).toMatchObject({
      service: 'support/triage',
      costCenter: 'support',
    });
  });
});
