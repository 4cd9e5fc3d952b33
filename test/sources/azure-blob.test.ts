import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listSourceFiles, readLines, SourceError } from '../../connectors/index.js';
import {
  SecretValue,
  withSourceAccess,
  type SourceAccess,
} from '../../connectors/source-access.js';
import { startAzureBlobDouble } from './azure-blob-double.js';
import type { ReadOnlyDouble } from './read-only-double.js';

const ACCOUNT_KEY = Buffer.from('shh-azure-account-key').toString('base64');
const BASE = 'https://acmebilling.blob.core.windows.net/exports';

let azure: ReadOnlyDouble;
let access: SourceAccess;

beforeAll(async () => {
  const blobs = new Map<string, Buffer>([
    ['cost/ai-actual/20261001-20261031/run-a/part_0_0001.csv.gz', gzipSync('h\n1\n')],
    ['cost/ai-actual/20261001-20261031/run-a/part_1_0001.csv', Buffer.from('h\n2\n')],
    ['cost/ai-actual/20261001-20261031/run-b/manifest.json', Buffer.from('{}\n')],
    ['cost/ai-amortized/20261001-20261031/run-a/part_0_0001.csv', Buffer.from('h\n3\n')],
    ['cost/with space/file.csv', Buffer.from('h\n4\n')],
  ]);
  azure = await startAzureBlobDouble(new Map([['acmebilling', new Map([['exports', blobs]])]]));
  access = {
    endpoints: { azureBlob: azure.endpoint },
    credentials: new SecretValue(JSON.stringify({ accountKey: ACCOUNT_KEY })),
  };
});
afterEach(() => {
  expect(azure.refused).toEqual([]);
});
afterAll(async () => {
  await azure.close();
});

async function lines(path: string, with_ = access): Promise<string[]> {
  return withSourceAccess(with_, async () => {
    const out: string[] = [];
    for await (const { text } of readLines(path)) out.push(text);
    return out;
  });
}

describe('Azure Blob urls against a faithful double of the Blob REST API (List Blobs, Get Blob)', () => {
  it('lists every blob under a prefix across pages, sorted, without sibling prefixes', async () => {
    const files = await listSourceFiles(`${BASE}/cost/ai-actual`, '/unused', access);
    expect(files.map((f) => f.name)).toEqual([
      '20261001-20261031/run-a/part_0_0001.csv.gz',
      '20261001-20261031/run-a/part_1_0001.csv',
      '20261001-20261031/run-b/manifest.json',
    ]);
    expect(files[0]?.path).toBe(
      `${BASE}/cost/ai-actual/20261001-20261031/run-a/part_0_0001.csv.gz`,
    );
    expect(azure.requests.filter((r) => r.url.includes('marker=')).length).toBeGreaterThan(0);
  });

  it('streams a blob, gunzipping gzip bytes, and reaches names with spaces', async () => {
    expect(
      await lines(`${BASE}/cost/ai-actual/20261001-20261031/run-a/part_0_0001.csv.gz`),
    ).toEqual(['h', '1']);
    const [spaced] = await listSourceFiles(`${BASE}/cost/with space/`, '/unused', access);
    expect(spaced?.path).toBe(`${BASE}/cost/with%20space/file.csv`);
    expect(await lines(spaced!.path)).toEqual(['h', '4']);
  });

  it('signs every request with the shared key the Secret holds, and makes only GET requests', async () => {
    await listSourceFiles(`${BASE}/cost/ai-amortized/`, '/unused', access);
    await lines(`${BASE}/cost/ai-amortized/20261001-20261031/run-a/part_0_0001.csv`);
    for (const request of azure.requests) {
      expect(request.method).toBe('GET');
      expect(request.authorization).toMatch(/^SharedKey acmebilling:/);
    }
  });

  it('reads with a SAS token from the Secret, sent as the query and not as a header', async () => {
    const sas = {
      ...access,
      credentials: new SecretValue('{"sasToken":"?sv=2025-01-05&sp=rl&sig=shh"}'),
    };
    const before = azure.requests.length;
    await lines(`${BASE}/cost/ai-amortized/20261001-20261031/run-a/part_0_0001.csv`, sas);
    const sent = azure.requests.slice(before);
    expect(sent.length).toBeGreaterThan(0);
    for (const request of sent) {
      expect(request.url).toContain('sp=rl');
      expect(request.authorization).toBeUndefined();
    }
  });

  it('fails a missing container with SOURCE_NOT_FOUND naming the url', async () => {
    const url = 'https://acmebilling.blob.core.windows.net/nothing/cost/';
    const err = await listSourceFiles(url, '/unused', access).then(
      () => undefined,
      (e: unknown) => e as SourceError,
    );
    expect(err).toBeInstanceOf(SourceError);
    expect(err?.code).toBe('SOURCE_NOT_FOUND');
    expect(err?.message).toContain(url);
  });

  it('refuses a Secret of no known shape without echoing it', async () => {
    const wrong = { ...access, credentials: new SecretValue('{"password":"shh"}') };
    const err = await listSourceFiles(`${BASE}/cost/`, '/unused', wrong).then(
      () => undefined,
      (e: unknown) => e as SourceError,
    );
    expect(err?.code).toBe('SOURCE_CREDENTIALS_INVALID');
    expect(err?.message).not.toContain('shh');
  });

  it('the double fails the suite on a write: a Put Blob is refused and recorded', async () => {
    const before = azure.refused.length;
    const response = await fetch(`${azure.endpoint}/acmebilling/exports/cost/new.csv`, {
      method: 'PUT',
      headers: { 'x-ms-blob-type': 'BlockBlob' },
      body: 'x',
    });
    expect(response.status).toBe(405);
    expect(azure.refused.slice(before)).toEqual([expect.objectContaining({ method: 'PUT' })]);
    azure.refused.splice(before);
  });
});
