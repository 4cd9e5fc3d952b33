// The rows of a tabular billing export, whichever container it came in: CSV (plain, gzip or a zip
// holding one CSV) or Parquet. Readers see one header and then rows of cells, so each column is
// judged the same way whatever the file's encoding.
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  asyncBufferFromFile,
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
  type FileMetaData,
} from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import yauzl from 'yauzl';
import { readCsvRecords } from './csv-records.js';
import type { SourceRecord } from '../attribution/index.js';
import { quarantine, type ReadContext, type SourceFile } from './format-reader.js';
import { unreadable } from './open-source.js';
import { SourceError } from './source-error.js';

export type TableRecord =
  | { kind: 'header'; columns: string[] }
  /**
   * One row. CSV cells are text; Parquet cells are the typed values (numbers, dates, maps as
   * objects). `line` is the CSV line, or the 1-based row number of a Parquet file.
   */
  | { kind: 'row'; line: number; cells: unknown[] }
  /** A row that could not be parsed at all; `reason` names the fault, never the content. */
  | { kind: 'malformed'; line: number; reason: string };

const PARQUET_MAGIC = Buffer.from('PAR1');
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** The header, then every row, of a CSV, gzip CSV, zipped CSV or Parquet export file. */
export async function* readExportTable(file: SourceFile): AsyncIterable<TableRecord> {
  const head = await firstBytes(file.path, 4);
  if (head.equals(PARQUET_MAGIC)) {
    yield* readParquet(file);
  } else if (head.equals(ZIP_MAGIC)) {
    yield* readZippedCsv(file);
  } else {
    yield* readCsv(file.path);
  }
}

/** A row whose cells line up with the header, with the columns the reader made of that header. */
export type ExportRow<Columns> = { kind: 'row'; line: number; cells: unknown[]; columns: Columns };

/**
 * The rows of an export file under its header, as `columnsOf` judges it: rows that cannot be
 * parsed or do not fit the header are quarantined on the way, and a file without even a header
 * is refused, naming `expected` (the header the format needs).
 */
export async function* exportRows<Columns extends { width: number }>(
  file: SourceFile,
  ctx: ReadContext,
  columnsOf: (header: string[], file: SourceFile) => Columns,
  expected: string,
): AsyncIterable<ExportRow<Columns> | SourceRecord> {
  let columns: Columns | undefined;
  for await (const record of readExportTable(file)) {
    if (record.kind === 'header') {
      columns = columnsOf(record.columns, file);
    } else if (record.kind === 'malformed') {
      yield quarantine(file, ctx, record.line, null, record.reason);
    } else if (columns === undefined) {
      continue;
    } else if (record.cells.length !== columns.width) {
      const reason = `the row has ${record.cells.length} fields; the header has ${columns.width}`;
      yield quarantine(file, ctx, record.line, null, reason);
    } else {
      yield { kind: 'row', line: record.line, cells: record.cells, columns };
    }
  }
  if (columns === undefined) {
    throw new SourceError('SOURCE_FORMAT_INVALID', `the file is empty; expected ${expected}`, {
      file: file.path,
      line: 1,
    });
  }
}

/** A cell as the text a CSV export would carry, so one parser judges both encodings. */
export function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'string') return cell;
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? '' : cell.toISOString();
  if (typeof cell === 'object') return JSON.stringify(cell, bigintAsText);
  return String(cell as number | bigint | boolean);
}

function bigintAsText(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

async function* readCsv(path: string): AsyncIterable<TableRecord> {
  let header = true;
  for await (const record of readCsvRecords(path)) {
    if (record.fields === null) {
      if (header) {
        throw new SourceError('SOURCE_FORMAT_INVALID', 'the header is not readable CSV', {
          file: path,
          line: record.line,
        });
      }
      yield { kind: 'malformed', line: record.line, reason: record.reason };
    } else if (header) {
      header = false;
      yield { kind: 'header', columns: record.fields.map((name) => name.trim()) };
    } else {
      yield { kind: 'row', line: record.line, cells: record.fields };
    }
  }
}

/** One row group at a time, so memory holds a row group, never the whole file. */
async function* readParquet(file: SourceFile): AsyncIterable<TableRecord> {
  let metadata: FileMetaData;
  const buffer = await asyncBufferFromFile(file.path).catch((err: unknown) => {
    throw unreadable(file.path, err);
  });
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    throw new SourceError('SOURCE_FORMAT_INVALID', 'the Parquet footer is not readable', {
      file: file.path,
      cause: err,
    });
  }
  const columns = parquetSchema(metadata).children.map((child) => child.element.name);
  yield { kind: 'header', columns };

  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows;
    try {
      rows = await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd, compressors });
    } catch (err) {
      throw new SourceError(
        'SOURCE_UNREADABLE',
        `Parquet rows ${rowStart + 1}-${rowEnd} are unreadable`,
        {
          file: file.path,
          line: rowStart + 1,
          cause: err,
        },
      );
    }
    for (const [i, row] of rows.entries()) {
      yield { kind: 'row', line: rowStart + i + 1, cells: columns.map((c) => row[c]) };
    }
    rowStart = rowEnd;
  }
}

/**
 * A zip holds one CSV (legacy CUR's `.zip` compression). It is unpacked to a private temporary
 * file as a stream, because the CSV reader reads from a path; the file is removed when done.
 */
async function* readZippedCsv(file: SourceFile): AsyncIterable<TableRecord> {
  const dir = await mkdtemp(join(tmpdir(), 'argmin-zip-'));
  const csv = join(dir, 'entry.csv');
  try {
    await unzipFirstCsv(file.path, csv);
    yield* readCsv(csv);
  } catch (err) {
    throw err instanceof SourceError && err.file === csv ? renamed(err, csv, file.path) : err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The same fault, placed in the zip the user named rather than the temporary file. */
function renamed(err: SourceError, from: string, to: string): SourceError {
  const place = err.line === undefined ? from : `${from}:${err.line}`;
  const message = err.message.startsWith(`${place}: `)
    ? err.message.slice(place.length + 2)
    : err.message;
  return new SourceError(err.code, message, {
    file: to,
    ...(err.line === undefined ? {} : { line: err.line }),
    ...(err.field === undefined ? {} : { field: err.field }),
    cause: err.cause,
  });
}

function unzipFirstCsv(path: string, target: string): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(unreadable(path, err));
      let found = false;
      zip.on('error', (e: unknown) => reject(unreadable(path, e)));
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/') || !/\.csv$/i.test(entry.fileName)) {
          zip.readEntry();
          return;
        }
        found = true;
        zip.openReadStream(entry, (streamErr, stream) => {
          if (streamErr) return reject(unreadable(path, streamErr));
          pipeline(stream, createWriteStream(target)).then(
            () => {
              zip.close();
              resolve();
            },
            (e: unknown) => reject(unreadable(path, e)),
          );
        });
      });
      zip.on('end', () => {
        if (!found) {
          reject(
            new SourceError('SOURCE_FORMAT_INVALID', 'the zip archive holds no .csv file', {
              file: path,
            }),
          );
        }
      });
      zip.readEntry();
    });
  });
}

async function firstBytes(path: string, count: number): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw unreadable(path, err);
  }
  try {
    const head = Buffer.alloc(count);
    const { bytesRead } = await handle.read(head, 0, count, 0);
    return head.subarray(0, bytesRead);
  } catch (err) {
    throw unreadable(path, err);
  } finally {
    await handle.close();
  }
}
