import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSourceFiles } from './list-source-files.js';
import { SourceError } from './source-error.js';

let base: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'argmin-sources-'));
  await mkdir(join(base, 'data/cur/BILLING_PERIOD=2025-06'), { recursive: true });
  await mkdir(join(base, 'data/cur/BILLING_PERIOD=2025-05'), { recursive: true });
  await writeFile(join(base, 'data/cur/BILLING_PERIOD=2025-06/part-1.csv.gz'), gzipSync('a\n'));
  await writeFile(join(base, 'data/cur/BILLING_PERIOD=2025-05/part-2.csv'), 'a\n');
  await writeFile(join(base, 'data/cur/BILLING_PERIOD=2025-05/part-10.csv'), 'a\n');
  await writeFile(join(base, 'data/cur/top.csv'), 'a\n');
  await writeFile(join(base, 'my file.csv'), 'a\n');
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<SourceError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof SourceError)) throw new Error(`expected a SourceError, got ${String(err)}`);
  return err;
}

describe('listSourceFiles', () => {
  it('lists every file under a folder recursively, gzip included, sorted by path', async () => {
    const files = await listSourceFiles('file://data/cur/', base);
    expect(files.map((f) => f.name)).toEqual([
      'BILLING_PERIOD=2025-05/part-10.csv',
      'BILLING_PERIOD=2025-05/part-2.csv',
      'BILLING_PERIOD=2025-06/part-1.csv.gz',
      'top.csv',
    ]);
    expect(files[2]?.path).toBe(join(base, 'data/cur/BILLING_PERIOD=2025-06/part-1.csv.gz'));
  });

  it('resolves a relative file url naming one file against the manifest folder', async () => {
    const files = await listSourceFiles('file://data/cur/top.csv', base);
    expect(files).toEqual([{ path: join(base, 'data/cur/top.csv'), name: 'top.csv' }]);
  });

  it('resolves an absolute file url and decodes escapes in it', async () => {
    const files = await listSourceFiles(`file://${base}/my%20file.csv`, '/elsewhere');
    expect(files).toEqual([{ path: join(base, 'my file.csv'), name: 'my file.csv' }]);
  });

  it('fails with SOURCE_NOT_FOUND naming the resolved path when nothing is there', async () => {
    const err = await failure(listSourceFiles('file://data/missing/', base));
    expect(err.code).toBe('SOURCE_NOT_FOUND');
    expect(err.message).toContain(join(base, 'data/missing'));
  });

  it.each([
    ['ftp://example.com/cur/', 'ftp'],
    ['http://example.com/cur.csv', 'http'],
    ['https://example.com/cur.csv', 'https'],
  ])('rejects %s with SOURCE_SCHEME_UNSUPPORTED naming the scheme', async (url, scheme) => {
    const err = await failure(listSourceFiles(url, base));
    expect(err.code).toBe('SOURCE_SCHEME_UNSUPPORTED');
    expect(err.field).toBe(scheme);
    expect(err.message).toContain(`${scheme}:`);
  });

  it('rejects a url without a scheme rather than guessing it is a path', async () => {
    const err = await failure(listSourceFiles('data/cur/', base));
    expect(err.code).toBe('SOURCE_URL_INVALID');
  });
});
