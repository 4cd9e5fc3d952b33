// The billing export table as BigQuery writes it to Parquet: records as groups, repeated fields as
// lists of groups, TIMESTAMP as microseconds. Read one row group at a time, so memory holds one
// group however large the file.
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
  type SchemaTree,
} from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { BillingRecord } from './gcp-billing-row.js';
import { openSource, unreadable } from './open-source.js';
import { SourceError } from './source-error.js';
import { remoteLocation } from './source-url.js';

const PARQUET_MAGIC = Buffer.from('PAR1');

/** Whether the file's content starts as Parquet does; a gzip file is looked into first. */
export async function isParquet(path: string): Promise<boolean> {
  const stream = await openSource(path);
  let head = Buffer.alloc(0);
  try {
    for await (const chunk of stream) {
      head = Buffer.concat([head, chunk as Buffer]);
      if (head.length >= PARQUET_MAGIC.length) break;
    }
  } catch (err) {
    throw unreadable(path, err);
  } finally {
    stream.destroy();
  }
  return head.subarray(0, PARQUET_MAGIC.length).equals(PARQUET_MAGIC);
}

async function isPlainParquet(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
    const head = Buffer.alloc(PARQUET_MAGIC.length);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return bytesRead === head.length && head.equals(PARQUET_MAGIC);
  } catch (err) {
    throw unreadable(path, err);
  } finally {
    await handle?.close();
  }
}

export interface ParquetTable {
  /** Every column's dotted path, records and list elements included (`credits.amount`). */
  paths: string[];
  /** The rows, each with its 1-based position in the file. */
  rows(): AsyncIterable<{ line: number; record: BillingRecord }>;
}

/**
 * Parquet is read from its footer backwards, so a remote or gzipped file is first streamed to a
 * private temporary copy (never held in memory), which is removed when `use` is done.
 */
export async function* withParquetTable<T>(
  path: string,
  use: (table: ParquetTable) => AsyncIterable<T>,
): AsyncIterable<T> {
  if (remoteLocation(path) === undefined && (await isPlainParquet(path))) {
    yield* use(await openParquetTable(path, path));
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'argmin-parquet-'));
  try {
    const copy = join(dir, 'table.parquet');
    try {
      await pipeline(await openSource(path), createWriteStream(copy));
    } catch (err) {
      throw unreadable(path, err);
    }
    yield* use(await openParquetTable(copy, path));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `shown` is the path messages name: the user's, not a temporary copy's. */
async function openParquetTable(path: string, shown: string): Promise<ParquetTable> {
  const file = await asyncBufferFromFile(path).catch((err: unknown) => {
    throw unreadable(shown, err);
  });
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (err) {
    throw new SourceError('SOURCE_FORMAT_INVALID', 'the Parquet footer is not readable', {
      file: shown,
      cause: err,
    });
  }

  return {
    paths: fieldPaths(parquetSchema(metadata).children),
    async *rows() {
      let rowStart = 0;
      for (const group of metadata.row_groups) {
        const rowEnd = rowStart + Number(group.num_rows);
        let records: BillingRecord[];
        try {
          records = await parquetReadObjects({ file, metadata, rowStart, rowEnd, compressors });
        } catch (err) {
          const message = `Parquet rows ${rowStart + 1}-${rowEnd} are unreadable`;
          throw new SourceError('SOURCE_UNREADABLE', message, {
            file: shown,
            line: rowStart + 1,
            cause: err,
          });
        }
        for (const [i, record] of records.entries()) yield { line: rowStart + i + 1, record };
        rowStart = rowEnd;
      }
    },
  };
}

/**
 * Dotted paths of the schema as the table names its fields. The wrappers Parquet puts around list
 * elements (`labels.list.element.key`) are not part of the name.
 */
function fieldPaths(nodes: SchemaTree[], prefix = ''): string[] {
  return nodes.flatMap((node) => {
    const path = `${prefix}${node.element.name}`;
    return [path, ...fieldPaths(listMembers(node), `${path}.`)];
  });
}

function listMembers(node: SchemaTree): SchemaTree[] {
  const isList =
    node.element.converted_type === 'LIST' || node.element.logical_type?.type === 'LIST';
  const repeated = node.children[0];
  if (!isList || node.children.length !== 1 || repeated === undefined) return node.children;
  const element = repeated.children.length === 1 ? repeated.children[0] : undefined;
  return element === undefined ? repeated.children : element.children;
}
