// Streaming CSV records with the line each starts on, for every CSV export reader. csv-parse does
// the parsing; line numbers are counted here from each record's raw text, because csv-parse counts
// a CRLF inside a quoted field as two lines and its count then drifts for the rest of the file.
import { Transform, pipeline, type TransformCallback } from 'node:stream';
import { parse, type CsvError, type Options } from 'csv-parse';
import { openSource, unreadable } from './open-source.js';

export type CsvRecord =
  | { line: number; fields: string[] }
  /** A record csv-parse could not read; `reason` names the fault, never the content. */
  | { line: number; fields: null; reason: string };

const MALFORMED_REASONS: Readonly<Record<string, string>> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is not closed before the end of the file',
  CSV_INVALID_CLOSING_QUOTE: 'a quoted field is followed by text before the delimiter',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE:
    'a quoted field is followed by text before the delimiter',
  CSV_MAX_RECORD_SIZE: 'the record is larger than the parser allows',
};

/**
 * Every record of a CSV file (gunzipped when gzip), the header first, in file order. Blank lines are
 * skipped; rows with the wrong number of fields are still yielded so the reader can name them.
 */
export async function* readCsvRecords(path: string): AsyncIterable<CsvRecord> {
  // Lines consumed so far, counted from raw text in the order csv-parse meets records.
  let linesBefore = 0;
  const malformed: CsvRecord[] = [];

  const startLine = (raw: string): number => {
    const leadingBlank = /^\n*/.exec(raw)?.[0].length ?? 0;
    const line = linesBefore + leadingBlank + 1;
    linesBefore += newlines(raw);
    return line;
  };

  const options: Options<CsvRecord, { record: string[]; raw: string }> = {
    bom: true,
    raw: true,
    relax_column_count: true,
    // A stray quote inside an unquoted field is kept as text; the reader checks the value.
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    // With `raw`, csv-parse hands each record here as `{ record, raw }` in parse order.
    on_record: ({ record, raw }: { record: string[]; raw: string }): CsvRecord => ({
      line: startLine(raw),
      fields: record,
    }),
    on_skip: (err: CsvError | undefined, raw: string | undefined) => {
      const reason =
        MALFORMED_REASONS[err?.code ?? ''] ?? `malformed CSV (${err?.code ?? 'unknown'})`;
      malformed.push({ line: startLine(raw ?? ''), fields: null, reason });
      return undefined;
    },
  };
  // The typed overloads of `parse` insist on `columns`; these records are arrays.
  const parser = parse(options as unknown as Options);
  const records = pipeline(await openSource(path), new LfLineEndings(), parser, () => undefined);

  try {
    for await (const record of records as AsyncIterable<CsvRecord>) {
      while (malformed.length > 0 && (malformed[0]?.line ?? 0) < record.line) {
        yield malformed.shift() as CsvRecord;
      }
      yield record;
    }
  } catch (err) {
    throw unreadable(path, err, linesBefore + 1);
  }
  yield* malformed;
}

function newlines(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count += 1;
  return count;
}

const CR = 0x0d;

/** Turns CRLF into LF, also when a chunk ends between the two. */
class LfLineEndings extends Transform {
  private pendingCr = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (!this.pendingCr && chunk.indexOf(CR) === -1) return done(null, chunk);
    let text = (this.pendingCr ? '\r' : '') + chunk.toString('latin1');
    this.pendingCr = text.endsWith('\r');
    if (this.pendingCr) text = text.slice(0, -1);
    done(null, Buffer.from(text.replace(/\r\n/g, '\n'), 'latin1'));
  }

  override _flush(done: TransformCallback): void {
    done(null, this.pendingCr ? Buffer.from('\r', 'latin1') : null);
  }
}
