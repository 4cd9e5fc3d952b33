// The frames of Bedrock's two streaming APIs. ConverseStream ends with a `metadata` event that
// holds usage. InvokeModelWithResponseStream wraps each of the model's own chunks, base64-encoded,
// in `{"bytes": ...}`; the last one adds `amazon-bedrock-invocationMetrics`. Values count only
// once their frame's checksum holds.
import type { EventStreamSink } from './aws-event-stream.js';
import { fieldTable, JsonFieldScanner, type ScanListener } from './json-scanner.js';
import type { UsageAccumulator } from './usage-dialects.js';

const WRAPPED_CHUNK = fieldTable({ bytes: 'stream' });

export class BedrockChunkReader implements EventStreamSink {
  private pending = new Map<string, number | string>();
  private readonly collect: ScanListener = {
    value: (path, value) => void this.pending.set(path, value),
  };
  private readonly payloadScanner: JsonFieldScanner;
  private readonly innerScanner: JsonFieldScanner;
  private readonly wrapperScanner: JsonFieldScanner;
  private readonly base64 = new Base64Stream((bytes) => this.innerScanner.write(bytes));

  constructor(private readonly usage: UsageAccumulator) {
    this.payloadScanner = new JsonFieldScanner(usage.table, this.collect);
    this.innerScanner = new JsonFieldScanner(usage.table, this.collect);
    this.wrapperScanner = new JsonFieldScanner(WRAPPED_CHUNK, {
      value: () => undefined,
      streamChunk: (_path, bytes) => this.base64.write(bytes),
      streamEnd: () => this.base64.end(),
    });
  }

  frameStart(headers: ReadonlyMap<string, string>): ((payload: Uint8Array) => void) | null {
    this.pending.clear();
    if (headers.get(':message-type') !== 'event') return null;
    switch (headers.get(':event-type')) {
      case 'metadata':
        this.payloadScanner.reset();
        return (payload) => this.payloadScanner.write(payload);
      case 'chunk':
        this.wrapperScanner.reset();
        this.innerScanner.reset();
        this.base64.reset();
        return (payload) => this.wrapperScanner.write(payload);
      default:
        // Content deltas and the like carry text, not usage: they pass unread.
        return null;
    }
  }

  frameEnd(intact: boolean): void {
    if (intact) for (const [path, value] of this.pending) this.usage.value(path, value);
    this.pending.clear();
  }
}

/** Decodes base64 as it arrives, holding at most three characters between pieces. */
class Base64Stream {
  private rest = '';

  constructor(private readonly out: (bytes: Uint8Array) => void) {}

  write(bytes: Uint8Array): void {
    const text = this.rest + Buffer.from(bytes).toString('latin1');
    const whole = text.length - (text.length % 4);
    this.rest = text.slice(whole);
    if (whole > 0) this.out(Buffer.from(text.slice(0, whole), 'base64'));
  }

  end(): void {
    if (this.rest) this.out(Buffer.from(this.rest, 'base64'));
    this.rest = '';
  }

  reset(): void {
    this.rest = '';
  }
}
