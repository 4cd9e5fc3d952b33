import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLogEntries, type JsonLogEntry } from './json-log-entries.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'argmin-json-log-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function entries(text: string, lists: string[] = ['events']): Promise<JsonLogEntry[]> {
  const path = join(dir, `f-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(path, text);
  const out: JsonLogEntry[] = [];
  const options = { reviver: (_: string, v: unknown) => v, lists };
  for await (const entry of jsonLogEntries({ path, name: 'f.json' }, options)) out.push(entry);
  return out;
}
const seen = (found: JsonLogEntry[]) => found.map((e) => [e.line, e.value, e.list]);

describe('jsonLogEntries', () => {
  it.each([
    [
      'JSON lines, a bad one kept in place',
      '{"a":1}\n\nnot json\n{"a":2}\n',
      [
        [1, { a: 1 }, null],
        [3, undefined, null],
        [4, { a: 2 }, null],
      ],
    ],
    [
      'a pretty-printed array',
      '[\n  {"a": 1},\n\n  {"a": 2}\n]\n',
      [
        [2, { a: 1 }, null],
        [4, { a: 2 }, null],
      ],
    ],
    [
      'a pretty-printed document with a list',
      '{\n  "events": [\n    {"a": 1},\n    {"a": 2}\n  ]\n}',
      [
        [3, { a: 1 }, 'events'],
        [4, { a: 2 }, 'events'],
      ],
    ],
    [
      'a list on one line',
      '{"events":[{"a":1},{"a":2}]}\n',
      [
        [1, { a: 1 }, 'events'],
        [1, { a: 2 }, 'events'],
      ],
    ],
    ['a pretty-printed single object', '\n{\n  "a": 1\n}\n', [[2, { a: 1 }, null]]],
  ])('reads %s, each entry at the line it starts on', async (_, text, expected) => {
    expect(seen(await entries(text))).toEqual(expected);
  });

  it('refuses a document that is not JSON, naming the file', async () => {
    await expect(entries('[\n  {"a": \n')).rejects.toMatchObject({
      code: 'SOURCE_FORMAT_INVALID',
    });
  });
});
