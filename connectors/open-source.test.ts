import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLines } from './open-source.js';
import { SourceError } from './source-error.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'argmin-lines-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(path: string): Promise<{ line: number; text: string }[]> {
  const out = [];
  for await (const line of readLines(path)) out.push(line);
  return out;
}

const TEXT = '\ufefffirst\r\nsecond\n\nfourth';
const EXPECTED = [
  { line: 1, text: 'first' },
  { line: 2, text: 'second' },
  { line: 3, text: '' },
  { line: 4, text: 'fourth' },
];

describe('readLines', () => {
  it.each([
    ['plain text', 'plain.jsonl', Buffer.from(TEXT)],
    ['gzip named .gz', 'logs.json.gz', gzipSync(TEXT)],
    ['gzip under a name that does not say so', 'logs.json', gzipSync(TEXT)],
    [
      'concatenated gzip members',
      'parts.gz',
      Buffer.concat([gzipSync('first\r\nsecond\n'), gzipSync('\nfourth')]),
    ],
  ])('numbers the lines of %s from 1, without BOM or line endings', async (_, name, bytes) => {
    const path = join(dir, name);
    await writeFile(path, bytes);
    expect(await collect(path)).toEqual(EXPECTED);
  });

  it('fails with SOURCE_UNREADABLE naming the file when gzip data is corrupt', async () => {
    const path = join(dir, 'broken.gz');
    const good = gzipSync('x\n'.repeat(1000));
    await writeFile(path, Buffer.concat([good.subarray(0, 10), Buffer.alloc(40, 7)]));
    const err = await collect(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).code).toBe('SOURCE_UNREADABLE');
    expect((err as SourceError).message).toContain(path);
  });

  it('fails with SOURCE_UNREADABLE when the file does not exist', async () => {
    const err = await collect(join(dir, 'absent.jsonl')).catch((e: unknown) => e);
    expect((err as SourceError).code).toBe('SOURCE_UNREADABLE');
  });
});
