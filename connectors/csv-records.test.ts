import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsvRecords, type CsvRecord } from './csv-records.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'argmin-csv-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function records(name: string, bytes: string | Buffer): Promise<CsvRecord[]> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  const out: CsvRecord[] = [];
  for await (const record of readCsvRecords(path)) out.push(record);
  return out;
}

const ROWS = ['a,b', '1,2', '', '"multi', 'line",3', '4,5,6', '', '7,"say ""hi"""', ''];

describe('readCsvRecords', () => {
  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ])('gives each record the line it starts on, with %s line endings', async (_, nl) => {
    const out = await records(`rows-${nl.length}.csv`, ROWS.join(nl));
    expect(out).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
      { line: 4, fields: ['multi\nline', '3'] },
      { line: 6, fields: ['4', '5', '6'] },
      { line: 8, fields: ['7', 'say "hi"'] },
    ]);
  });

  it('reads gzip the same as plain text and drops a byte order mark', async () => {
    const out = await records('rows.csv.gz', gzipSync(`\ufeff${ROWS.join('\n')}`));
    expect(out[0]).toEqual({ line: 1, fields: ['a', 'b'] });
    expect(out.at(-1)).toEqual({ line: 8, fields: ['7', 'say "hi"'] });
  });

  it('keeps multibyte text whole across CRLF conversion', async () => {
    const out = await records('utf8.csv', 'name\r\nZürich café ✓\r\n');
    expect(out[1]).toEqual({ line: 2, fields: ['Zürich café ✓'] });
  });

  it('reports an unclosed quote at the line its record starts, after the rows before it', async () => {
    const out = await records('open-quote.csv', 'a,b\n1,2\n3,"never closed\n4,5\n');
    expect(out).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
      {
        line: 3,
        fields: null,
        reason: 'a quoted field is not closed before the end of the file',
      },
    ]);
  });
});
