import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listSourceFiles, readLines, SourceError } from '../../connectors/index.js';
import {
  SecretValue,
  withSourceAccess,
  type SourceAccess,
} from '../../connectors/source-access.js';
import type { ReadOnlyDouble } from './read-only-double.js';
import { startS3Double } from './s3-double.js';

const KEYS = JSON.stringify({ accessKeyId: 'AKIDEXAMPLEREADER', secretAccessKey: 'shh-s3-secret' });

let s3: ReadOnlyDouble;
let access: SourceAccess;

beforeAll(async () => {
  const exports = new Map<string, Buffer>([
    ['cur/data/BILLING_PERIOD=2026-10/part-2.csv', Buffer.from('b1\nb2\n')],
    ['cur/data/BILLING_PERIOD=2026-10/part-1.csv', Buffer.from('a1\n')],
    // Gzip under a name that does not say so, as exports are re-uploaded by tools.
    ['cur/data/BILLING_PERIOD=2026-11/part-1', gzipSync('c1\nc2\nc3\n')],
    ['cur/metadata/', Buffer.alloc(0)],
    ['cur-old/data/part-1.csv', Buffer.from('not this\n')],
    ['single.csv', Buffer.from('only\n')],
  ]);
  s3 = await startS3Double(new Map([['billing-exports', exports]]));
  access = { endpoints: { s3: s3.endpoint }, credentials: new SecretValue(KEYS) };
});
afterEach(() => {
  expect(s3.refused).toEqual([]);
});
afterAll(async () => {
  await s3.close();
});

async function lines(path: string): Promise<string[]> {
  return withSourceAccess(access, async () => {
    const out: string[] = [];
    for await (const { text } of readLines(path)) out.push(text);
    return out;
  });
}

describe('s3:// sources against a faithful double of the S3 REST API (ListObjectsV2, GetObject)', () => {
  it('lists every object under a prefix across ListObjectsV2 pages, sorted, without folder markers or sibling prefixes', async () => {
    const files = await listSourceFiles('s3://billing-exports/cur', '/unused', access);
    expect(files).toEqual([
      {
        path: 's3://billing-exports/cur/data/BILLING_PERIOD=2026-10/part-1.csv',
        name: 'data/BILLING_PERIOD=2026-10/part-1.csv',
      },
      {
        path: 's3://billing-exports/cur/data/BILLING_PERIOD=2026-10/part-2.csv',
        name: 'data/BILLING_PERIOD=2026-10/part-2.csv',
      },
      {
        path: 's3://billing-exports/cur/data/BILLING_PERIOD=2026-11/part-1',
        name: 'data/BILLING_PERIOD=2026-11/part-1',
      },
    ]);
    const lists = s3.requests.filter((r) => r.url.includes('list-type=2'));
    expect(lists.length).toBeGreaterThan(1);
  });

  it('lists the one object a url names exactly', async () => {
    const files = await listSourceFiles('s3://billing-exports/single.csv', '/unused', access);
    expect(files).toEqual([{ path: 's3://billing-exports/single.csv', name: 'single.csv' }]);
  });

  it('streams an object, and gunzips one whose bytes are gzip whatever its name', async () => {
    expect(await lines('s3://billing-exports/cur/data/BILLING_PERIOD=2026-10/part-2.csv')).toEqual([
      'b1',
      'b2',
    ]);
    expect(await lines('s3://billing-exports/cur/data/BILLING_PERIOD=2026-11/part-1')).toEqual([
      'c1',
      'c2',
      'c3',
    ]);
  });

  it('signs every request with the access key the Secret holds, and makes only GET requests', async () => {
    await listSourceFiles('s3://billing-exports/cur/', '/unused', access);
    await lines('s3://billing-exports/single.csv');
    expect(s3.requests.length).toBeGreaterThan(0);
    for (const request of s3.requests) {
      expect(request.method).toBe('GET');
      expect(request.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLEREADER\//);
    }
  });

  it.each([
    ['s3://no-such-bucket/cur/', 'SOURCE_NOT_FOUND'],
    ['s3://billing-exports/nothing-here/', 'SOURCE_NOT_FOUND'],
  ])('fails %s with %s naming the url', async (url, code) => {
    const err = await listSourceFiles(url, '/unused', access).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).code).toBe(code);
    expect((err as SourceError).message).toContain(url);
  });

  it('refuses credentials of the wrong shape without echoing the Secret', async () => {
    const wrong = { ...access, credentials: new SecretValue('AKID:shh-not-json') };
    const err = await listSourceFiles('s3://billing-exports/cur/', '/unused', wrong).then(
      () => undefined,
      (e: unknown) => e as SourceError,
    );
    expect(err?.code).toBe('SOURCE_CREDENTIALS_INVALID');
    expect(JSON.stringify({ message: err?.message, access: wrong })).not.toContain('shh');
  });

  it('the double fails the suite on a write: a PutObject is refused and recorded', async () => {
    const before = s3.refused.length;
    const response = await fetch(`${s3.endpoint}/billing-exports/cur/new.csv`, {
      method: 'PUT',
      body: 'x',
    });
    expect(response.status).toBe(405);
    expect(s3.refused.slice(before)).toEqual([
      expect.objectContaining({ method: 'PUT', url: '/billing-exports/cur/new.csv' }),
    ]);
    s3.refused.splice(before);
  });
});
