// Opening a source file as a byte stream, gunzipped when its content says it is gzip: exports are
// often compressed under names that do not say so, or named `.gz` after a tool unpacked them.
// A listed remote file's path is its object's url; it is streamed with the access of the source
// being read (see source-access.ts), never downloaded whole.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { currentSourceAccess, type SourceAccess } from './source-access.js';
import { openAzureBlob } from './source-azure-blob.js';
import { openBigQuery } from './source-bigquery.js';
import { SourceError } from './source-error.js';
import { remoteFailure } from './source-failure.js';
import { openGcs } from './source-gcs.js';
import { openS3 } from './source-s3.js';
import { remoteLocation } from './source-url.js';

const GZIP_MAGIC = [0x1f, 0x8b] as const;

/** The file's bytes, decompressed when the file starts with the gzip magic bytes. */
export async function openSource(
  path: string,
  access: SourceAccess = currentSourceAccess(),
): Promise<Readable> {
  const remote = remoteLocation(path);
  if (remote !== undefined) {
    const raw =
      remote.scheme === 's3'
        ? await openS3(path, access)
        : remote.scheme === 'gs'
          ? openGcs(path, access)
          : remote.scheme === 'azure-blob'
            ? await openAzureBlob(path, access)
            : openBigQuery(path, access);
    try {
      return await gunzipByMagic(raw);
    } catch (err) {
      throw remoteFailure(path, 'read', err);
    }
  }

  const gzipped = await startsWithGzipMagic(path);
  const raw = createReadStream(path);
  if (!gzipped) return raw;

  // pipeline carries a read error to the stream the caller consumes, and closes the file when the
  // caller stops early; the caller sees any error on that stream, so the callback has nothing to do.
  return pipeline(raw, createGunzip(), () => undefined);
}

/** A stream's bytes, gunzipped when its first two are the gzip magic; the head is read once. */
async function gunzipByMagic(raw: Readable): Promise<Readable> {
  const chunks = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let head = Buffer.alloc(0);
  while (head.length < GZIP_MAGIC.length) {
    const next = await chunks.next();
    if (next.done) break;
    head = Buffer.concat([head, Buffer.from(next.value)]);
  }
  async function* bytes(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
  }
  // Dropping the returned stream returns the iterator, which destroys the download under it.
  const body = Readable.from(bytes(), { objectMode: false });
  const gzipped = head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  return gzipped ? pipeline(body, createGunzip(), () => undefined) : body;
}

async function startsWithGzipMagic(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw unreadable(path, err);
  }
  try {
    const head = Buffer.alloc(GZIP_MAGIC.length);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return (
      bytesRead === GZIP_MAGIC.length && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]
    );
  } catch (err) {
    throw unreadable(path, err);
  } finally {
    await handle.close();
  }
}

/** Lines of a file (gunzipped when gzip), numbered from 1, without their line ending. */
export async function* readLines(path: string): AsyncIterable<{ line: number; text: string }> {
  const lines = createInterface({ input: await openSource(path), crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      line += 1;
      yield { line, text: line === 1 ? stripBom(text) : text };
    }
  } catch (err) {
    throw unreadable(path, err, line + 1);
  } finally {
    lines.close();
  }
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** A file that could not be read or decompressed; the cause's message names no content. */
export function unreadable(path: string, cause: unknown, line?: number): SourceError {
  if (cause instanceof SourceError) return cause;
  const why = cause instanceof Error && 'code' in cause ? String(cause.code) : 'read failed';
  // A remote client's error can carry its request, Authorization header included: not kept.
  const remote = remoteLocation(path) !== undefined;
  return new SourceError('SOURCE_UNREADABLE', `cannot read the file (${why})`, {
    file: path,
    ...(line === undefined ? {} : { line }),
    ...(remote ? {} : { cause }),
  });
}

/** The whole file as text (gunzipped when gzip), for formats that must be parsed whole. */
export async function readText(path: string): Promise<string> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of await openSource(path)) chunks.push(chunk as Buffer);
  } catch (err) {
    throw err instanceof SourceError ? err : unreadable(path, err);
  }
  return stripBom(Buffer.concat(chunks).toString('utf8'));
}
