import { describe, expect, it } from 'vitest';
import { fieldTable, JsonFieldScanner, type FieldKind, type ScanOutcome } from './json-scanner.js';

interface Scan {
  values: [string, number | string][];
  outcome: ScanOutcome;
}

function scan(json: string, fields: Record<string, FieldKind>, pieceBytes?: number): Scan {
  const values: [string, number | string][] = [];
  const scanner = new JsonFieldScanner(fieldTable(fields), {
    value: (path, value) => void values.push([path, value]),
  });
  const bytes = Buffer.from(json);
  const step = pieceBytes ?? bytes.length;
  for (let i = 0; i < bytes.length; i += step) scanner.write(bytes.subarray(i, i + step));
  return { values, outcome: scanner.end() };
}

const USAGE = { model: 'string', 'usage.prompt_tokens': 'number', 'usage.a.b': 'number' } as const;

describe('JsonFieldScanner', () => {
  it.each([1, 2, 3, 7, 64])('finds the same fields whatever the pieces (%i bytes)', (piece) => {
    const json =
      '{"id":"x","model":"gpt-4o","choices":[{"message":{"content":"a \\"quoted\\" }{ text"}}],' +
      '"usage":{"prompt_tokens":2006,"a":{"b":-3e2}}}';
    expect(scan(json, USAGE, piece)).toEqual({
      values: [
        ['model', 'gpt-4o'],
        ['usage.prompt_tokens', 2006],
        ['usage.a.b', -300],
      ],
      outcome: 'complete',
    });
  });

  it.each([
    ['a wanted key nested below an array', '{"choices":[{"usage":{"prompt_tokens":1}}]}', []],
    ['a key spelled with an escape', '{"usage":{"prompt\\u005ftokens":1}}', []],
    ['null where a number is wanted', '{"usage":{"prompt_tokens":null}}', []],
    ['a string where a number is wanted', '{"usage":{"prompt_tokens":"12"}}', []],
    ['a number where a string is wanted', '{"model":4}', []],
  ])('ignores %s', (_case, json, expected) => {
    expect(scan(json, USAGE).values).toEqual(expected);
  });

  it('reads each element of a root array as a document of its own', () => {
    const json = '[{"usage":{"prompt_tokens":1}},\r\n{"usage":{"prompt_tokens":2}}]';
    expect(scan(json, USAGE).values).toEqual([
      ['usage.prompt_tokens', 1],
      ['usage.prompt_tokens', 2],
    ]);
  });

  it('reads documents that follow one another (NDJSON)', () => {
    const json = '{"model":"a"}\n{"model":"b"}\n';
    expect(scan(json, USAGE)).toEqual({
      values: [
        ['model', 'a'],
        ['model', 'b'],
      ],
      outcome: 'complete',
    });
  });

  it('decodes escapes in a kept string, and drops one longer than it keeps', () => {
    expect(scan('{"model":"a\\/b\\u00e9"}', USAGE).values).toEqual([['model', 'a/bé']]);
    expect(scan(`{"model":"${'m'.repeat(300)}"}`, USAGE).values).toEqual([]);
  });

  it.each<[string, string, ScanOutcome]>([
    ['a document cut short', '{"usage":{"prompt_tokens":1', 'truncated'],
    ['nothing at all', '  ', 'empty'],
    ['a stray closing brace', '{"a":1}}', 'malformed'],
    ['a trailing comma', '{"usage":{"prompt_tokens":1,}}', 'malformed'],
    ['a bad literal', '{"a":nul}', 'malformed'],
    ['text that is not JSON', '[DONE]', 'malformed'],
    ['nesting past the depth bound', '{"usage":'.repeat(200) + '1' + '}'.repeat(200), 'malformed'],
  ])('reports %s', (_case, json, outcome) => {
    expect(scan(json, USAGE).outcome).toBe(outcome);
  });

  it('keeps what it read before a document went bad', () => {
    expect(scan('{"model":"gpt-4o","x":}', USAGE)).toEqual({
      values: [['model', 'gpt-4o']],
      outcome: 'malformed',
    });
  });

  it('streams a wanted string piece by piece, decoded, without collecting it', () => {
    const pieces: string[] = [];
    let ended = 0;
    const scanner = new JsonFieldScanner(fieldTable({ bytes: 'stream' }), {
      value: () => undefined,
      streamChunk: (_path, bytes) => void pieces.push(Buffer.from(bytes).toString()),
      streamEnd: () => void ended++,
    });
    for (const piece of ['{"bytes":"ab', 'c\\/d', '\\u0041e"', ',"p":"xyz"}']) {
      scanner.write(Buffer.from(piece));
    }
    expect(pieces.join('')).toBe('abc/dAe');
    expect(ended).toBe(1);
    expect(scanner.end()).toBe('complete');
  });

  it('holds no more memory for a long string value than for a short one', () => {
    const scanner = new JsonFieldScanner(fieldTable(USAGE), { value: () => undefined });
    const text = Buffer.alloc(64 * 1024, 'a');
    scanner.write(Buffer.from('{"choices":[{"message":{"content":"'));
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 800; i++) scanner.write(text); // 50 MiB of completion text
    const grown = process.memoryUsage().heapUsed - before;
    scanner.write(Buffer.from('"}}],"usage":{"prompt_tokens":5}}'));
    expect(grown).toBeLessThan(4 * 1024 * 1024);
    expect(scanner.end()).toBe('complete');
  });
});

describe('JsonFieldScanner skipping strings', () => {
  // Strings of quotes and backslashes, escaped as JSON escapes them, split at every boundary.
  const tricky = ['\\', '"', '\\"', '\\\\', 'a\\', '"\\"', '\\\\\\"x', 'é"\\\n'];
  it.each(tricky)('finds the end of a skipped string holding %j, however it is split', (text) => {
    const json = `{"skip":${JSON.stringify(text)},"list":[${JSON.stringify(text)}],"model":"m"}`;
    for (let piece = 1; piece <= 8; piece++) {
      expect(scan(json, USAGE, piece)).toEqual({ values: [['model', 'm']], outcome: 'complete' });
    }
  });
});
