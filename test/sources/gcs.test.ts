import { gzipSync } from 'node:zlib';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listSourceFiles, readLines, SourceError } from '../../connectors/index.js';
import {
  SecretValue,
  withSourceAccess,
  type SourceAccess,
} from '../../connectors/source-access.js';
import { startGcsDouble } from './gcs-double.js';
import type { ReadOnlyDouble } from './read-only-double.js';

let gcs: ReadOnlyDouble;
let access: SourceAccess;

beforeAll(async () => {
  const objects = new Map<string, Buffer>([
    ['billing/2026/10/export-000.json', Buffer.from('{"a":1}\n')],
    ['billing/2026/10/export-001.json.gz', gzipSync('{"b":2}\n{"c":3}\n')],
    ['billing/2026/11/export-000.json', Buffer.from('{"d":4}\n')],
    ['billing-archive/old.json', Buffer.from('{"old":true}\n')],
  ]);
  gcs = await startGcsDouble(new Map([['acme-billing', objects]]));
  // A token already in hand, so no token endpoint is called; the Secret's key would fetch one.
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'ya29.reader-token', expiry_date: Date.now() + 3_600_000 });
  access = { endpoints: { gcs: gcs.endpoint }, googleAuthClient: auth };
});
afterEach(() => {
  expect(gcs.refused).toEqual([]);
});
afterAll(async () => {
  await gcs.close();
});

async function lines(path: string): Promise<string[]> {
  return withSourceAccess(access, async () => {
    const out: string[] = [];
    for await (const { text } of readLines(path)) out.push(text);
    return out;
  });
}

describe('gs:// sources against a faithful double of the Cloud Storage JSON API (objects.list, media download)', () => {
  it('lists every object under a prefix across pages, sorted, without sibling prefixes', async () => {
    const files = await listSourceFiles('gs://acme-billing/billing/', '/unused', access);
    expect(files.map((f) => [f.path, f.name])).toEqual([
      ['gs://acme-billing/billing/2026/10/export-000.json', '2026/10/export-000.json'],
      ['gs://acme-billing/billing/2026/10/export-001.json.gz', '2026/10/export-001.json.gz'],
      ['gs://acme-billing/billing/2026/11/export-000.json', '2026/11/export-000.json'],
    ]);
    expect(gcs.requests.filter((r) => r.url.includes('pageToken=')).length).toBeGreaterThan(0);
  });

  it('streams an object with its checksums checked, gunzipping gzip bytes', async () => {
    expect(await lines('gs://acme-billing/billing/2026/10/export-000.json')).toEqual(['{"a":1}']);
    expect(await lines('gs://acme-billing/billing/2026/10/export-001.json.gz')).toEqual([
      '{"b":2}',
      '{"c":3}',
    ]);
  });

  it('signs every request with the credential it is given, and makes only GET requests', async () => {
    await listSourceFiles('gs://acme-billing/billing/2026/11/', '/unused', access);
    await lines('gs://acme-billing/billing/2026/11/export-000.json');
    for (const request of gcs.requests) {
      expect(request.method).toBe('GET');
      expect(request.authorization).toBe('Bearer ya29.reader-token');
    }
  });

  it('fails a missing bucket with SOURCE_NOT_FOUND naming the url', async () => {
    const err = await listSourceFiles('gs://no-such-bucket/x/', '/unused', access).then(
      () => undefined,
      (e: unknown) => e as SourceError,
    );
    expect(err).toBeInstanceOf(SourceError);
    expect(err?.code).toBe('SOURCE_NOT_FOUND');
    expect(err?.message).toContain('gs://no-such-bucket/x/');
  });

  it('fails reading a missing object with SOURCE_NOT_FOUND naming the url', async () => {
    const err = await lines('gs://acme-billing/billing/gone.json').then(
      () => undefined,
      (e: unknown) => e as SourceError,
    );
    expect(err?.code).toBe('SOURCE_NOT_FOUND');
    expect(err?.message).toContain('gs://acme-billing/billing/gone.json');
  });

  it('refuses a Secret that is not a service account key without echoing it', async () => {
    const wrong = { endpoints: access.endpoints, credentials: new SecretValue('shh-gcs-token') };
    const err = await listSourceFiles('gs://acme-billing/billing/', '/unused', wrong).then(
      () => undefined,
      (e: unknown) => e as SourceError,
    );
    expect(err?.code).toBe('SOURCE_CREDENTIALS_INVALID');
    expect(err?.message).not.toContain('shh');
  });

  it('the double fails the suite on a write: an upload is refused and recorded', async () => {
    const before = gcs.refused.length;
    const response = await fetch(
      `${gcs.endpoint}/upload/storage/v1/b/acme-billing/o?uploadType=media&name=x`,
      { method: 'POST', body: 'x' },
    );
    expect(response.status).toBe(405);
    expect(gcs.refused.slice(before)).toEqual([expect.objectContaining({ method: 'POST' })]);
    gcs.refused.splice(before);
  });
});
