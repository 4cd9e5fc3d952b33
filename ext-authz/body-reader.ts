// Reads a streamed response body for usage: undoes its content encoding, splits its framing (JSON,
// server-sent events, Bedrock's event stream) and hands each piece to the field scanner. What it
// holds at any moment is a few kilobytes of parser state, whatever the body's size.
import zlib from 'node:zlib';
import { AwsEventStreamDecoder } from './aws-event-stream.js';
import { BedrockChunkReader } from './bedrock-chunks.js';
import { JsonFieldScanner } from './json-scanner.js';
import { SseDecoder } from './sse-decoder.js';
import type { UsageAccumulator } from './usage-dialects.js';

/** Past this much decoded body, usage is given up on rather than scanning on. */
const MAX_SCANNED_BYTES = 64 * 1024 * 1024;
/** Compressed bytes waiting for the decompressor; past this the body is declared unreadable. */
const MAX_PENDING_COMPRESSED_BYTES = 1024 * 1024;

export type Unreadable =
  'content-type' | 'content-encoding' | 'corrupt-encoding' | 'malformed' | 'too-large' | 'backlog';

type Framing = 'json' | 'sse' | 'event-stream';

export class BodyReader {
  private unreadable: Unreadable | undefined;
  private scanned = 0;
  private readonly parse: ((bytes: Uint8Array) => void) | undefined;
  private readonly finishParse: (() => Unreadable | undefined) | undefined;
  private readonly decompressor: zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined;
  private readonly drained: Promise<void>;

  constructor(contentType: string, contentEncoding: string, usage: UsageAccumulator) {
    const framing = framingOf(contentType);
    if (!framing) {
      this.unreadable = 'content-type';
      this.drained = Promise.resolve();
      return;
    }
    [this.parse, this.finishParse] = parserFor(framing, usage);

    const encoding = contentEncoding.trim().toLowerCase();
    if (encoding === '' || encoding === 'identity') {
      this.drained = Promise.resolve();
      return;
    }
    this.decompressor = decompressorFor(encoding);
    if (!this.decompressor) {
      this.unreadable = 'content-encoding';
      this.drained = Promise.resolve();
      return;
    }
    const decompressor = this.decompressor;
    this.drained = new Promise((resolve) => {
      decompressor.on('data', (chunk: Buffer) => this.scan(chunk));
      decompressor.on('error', () => {
        this.unreadable ??= 'corrupt-encoding';
        resolve();
      });
      decompressor.on('end', resolve);
      decompressor.on('close', resolve);
    });
  }

  /** One piece of the body as it crossed the proxy. */
  write(chunk: Uint8Array): void {
    if (this.unreadable || chunk.length === 0) return;
    if (!this.decompressor) {
      this.scan(chunk);
      return;
    }
    if (this.decompressor.writableLength > MAX_PENDING_COMPRESSED_BYTES) {
      this.giveUp('backlog');
      return;
    }
    this.decompressor.write(chunk);
  }

  /** The body is complete: waits for the decompressor, then reports what could not be read. */
  async end(): Promise<Unreadable | undefined> {
    this.decompressor?.end();
    await this.drained;
    if (!this.unreadable && this.finishParse) this.unreadable = this.finishParse();
    return this.unreadable;
  }

  /** The stream went away early: stops at once and keeps what was read so far. */
  abort(): void {
    this.decompressor?.destroy();
  }

  private scan(bytes: Uint8Array): void {
    if (this.unreadable) return;
    this.scanned += bytes.length;
    if (this.scanned > MAX_SCANNED_BYTES) {
      this.giveUp('too-large');
      return;
    }
    this.parse!(bytes);
  }

  private giveUp(reason: Unreadable): void {
    this.unreadable = reason;
    this.decompressor?.destroy();
  }
}

function framingOf(contentType: string): Framing | undefined {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'text/event-stream') return 'sse';
  if (type === 'application/vnd.amazon.eventstream') return 'event-stream';
  if (type === 'application/json' || type.endsWith('+json') || type === 'application/x-ndjson') {
    return 'json';
  }
  return undefined;
}

function decompressorFor(encoding: string) {
  // A truncated body still yields what it holds: flush what can be flushed, then stop.
  const options = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
  if (encoding === 'gzip' || encoding === 'x-gzip') return zlib.createGunzip(options);
  if (encoding === 'deflate') return zlib.createInflate(options);
  if (encoding === 'br') {
    return zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
  }
  return undefined;
}

function parserFor(
  framing: Framing,
  usage: UsageAccumulator,
): [(bytes: Uint8Array) => void, () => Unreadable | undefined] {
  const listener = { value: (path: string, value: number | string) => usage.value(path, value) };
  switch (framing) {
    case 'json': {
      const scanner = new JsonFieldScanner(usage.table, listener);
      return [
        (bytes) => scanner.write(bytes),
        () => (scanner.end() === 'malformed' ? 'malformed' : undefined),
      ];
    }
    case 'sse': {
      const sse = new SseDecoder(new JsonFieldScanner(usage.table, listener));
      return [
        (bytes) => sse.write(bytes),
        () => {
          sse.end();
          const { events, malformed } = sse.counts;
          return events > 0 && malformed === events ? 'malformed' : undefined;
        },
      ];
    }
    case 'event-stream': {
      const decoder = new AwsEventStreamDecoder(new BedrockChunkReader(usage));
      return [(bytes) => decoder.write(bytes), () => (decoder.failed ? 'malformed' : undefined)];
    }
  }
}
