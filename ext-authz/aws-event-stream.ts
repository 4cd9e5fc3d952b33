// The binary framing of Bedrock's streaming responses (`application/vnd.amazon.eventstream`): a
// prelude with lengths and a checksum, typed headers, a payload and a checksum over the whole
// frame. Headers are small and kept; payloads are streamed to whoever the headers select.
import { crc32 } from 'node:zlib';

const PRELUDE_BYTES = 12;
const CRC_BYTES = 4;
/** Bedrock's frames carry a few short headers; anything longer is not a frame of theirs. */
const MAX_HEADER_BYTES = 8 * 1024;
const MAX_FRAME_BYTES = 16 * 1024 * 1024;

export interface EventStreamSink {
  /** A frame begins; returns where its payload goes, or null to let it pass unread. */
  frameStart(headers: ReadonlyMap<string, string>): ((payload: Uint8Array) => void) | null;
  /** A frame ends; `intact` is false when its checksum did not match. */
  frameEnd(intact: boolean): void;
}

const enum Part {
  Prelude,
  Headers,
  Payload,
  Crc,
  Failed,
}

export class AwsEventStreamDecoder {
  private part = Part.Prelude;
  private held: number[] = [];
  private need = PRELUDE_BYTES;
  private crc = 0;
  private payloadLeft = 0;
  private payloadTarget: ((payload: Uint8Array) => void) | null = null;
  private headersLength = 0;
  frames = 0;

  constructor(private readonly sink: EventStreamSink) {}

  get failed(): boolean {
    return this.part === Part.Failed;
  }

  /** Whether the stream ended between frames. */
  get atBoundary(): boolean {
    return this.part === Part.Prelude && this.held.length === 0;
  }

  write(bytes: Uint8Array): void {
    let i = 0;
    while (i < bytes.length && this.part !== Part.Failed) {
      if (this.part === Part.Payload) {
        const take = Math.min(this.payloadLeft, bytes.length - i);
        const piece = bytes.subarray(i, i + take);
        this.crc = crc32(piece, this.crc);
        this.payloadTarget?.(piece);
        this.payloadLeft -= take;
        i += take;
        if (this.payloadLeft === 0) this.expect(Part.Crc, CRC_BYTES);
        continue;
      }
      const take = Math.min(this.need - this.held.length, bytes.length - i);
      for (let k = 0; k < take; k++) this.held.push(bytes[i + k]!);
      i += take;
      if (this.held.length === this.need) this.partComplete(Buffer.from(this.held));
    }
  }

  private partComplete(part: Buffer): void {
    switch (this.part) {
      case Part.Prelude: {
        const total = part.readUInt32BE(0);
        this.headersLength = part.readUInt32BE(4);
        if (crc32(part.subarray(0, 8)) !== part.readUInt32BE(8)) return this.fail();
        const payloadLength = total - PRELUDE_BYTES - this.headersLength - CRC_BYTES;
        if (total > MAX_FRAME_BYTES || payloadLength < 0 || this.headersLength > MAX_HEADER_BYTES) {
          return this.fail();
        }
        this.crc = crc32(part);
        this.payloadLeft = payloadLength;
        this.expect(Part.Headers, this.headersLength);
        if (this.headersLength === 0) this.partComplete(Buffer.alloc(0));
        return;
      }
      case Part.Headers: {
        this.crc = crc32(part, this.crc);
        const headers = parseHeaders(part);
        if (!headers) return this.fail();
        this.payloadTarget = this.sink.frameStart(headers);
        if (this.payloadLeft > 0) this.expect(Part.Payload, 0);
        else this.expect(Part.Crc, CRC_BYTES);
        return;
      }
      case Part.Crc:
        this.frames++;
        this.sink.frameEnd(part.readUInt32BE(0) === this.crc >>> 0);
        this.payloadTarget = null;
        this.expect(Part.Prelude, PRELUDE_BYTES);
        return;
    }
  }

  private expect(part: Part, bytes: number): void {
    this.part = part;
    this.need = bytes;
    this.held = [];
  }

  private fail(): void {
    this.part = Part.Failed;
    this.held = [];
  }
}

/** String-valued headers by name; other value types are read past. Null when malformed. */
function parseHeaders(bytes: Buffer): Map<string, string> | null {
  const headers = new Map<string, string>();
  let i = 0;
  while (i < bytes.length) {
    const nameLength = bytes[i]!;
    const name = bytes.toString('latin1', i + 1, i + 1 + nameLength);
    i += 1 + nameLength;
    const type = bytes[i++];
    const fixed = FIXED_VALUE_BYTES[type ?? -1];
    if (fixed !== undefined) {
      i += fixed;
    } else if (type === BYTES_TYPE || type === STRING_TYPE) {
      if (i + 2 > bytes.length) return null;
      const length = bytes.readUInt16BE(i);
      if (type === STRING_TYPE) headers.set(name, bytes.toString('utf8', i + 2, i + 2 + length));
      i += 2 + length;
    } else {
      return null;
    }
    if (i > bytes.length) return null;
  }
  return headers;
}

const BYTES_TYPE = 6;
const STRING_TYPE = 7;
/** Value sizes of the fixed-width header types: bool true/false, byte, short, int, long, time, uuid. */
const FIXED_VALUE_BYTES: Record<number, number> = {
  0: 0,
  1: 0,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  8: 8,
  9: 16,
};

/** Encodes one frame; used by tests and the benchmark to produce Bedrock-shaped streams. */
export function encodeEventStreamFrame(
  headers: Record<string, string>,
  payload: Uint8Array,
): Buffer {
  const headerParts: Buffer[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const nameBytes = Buffer.from(name, 'latin1');
    const valueBytes = Buffer.from(value, 'utf8');
    const head = Buffer.alloc(1 + nameBytes.length + 3);
    head.writeUInt8(nameBytes.length, 0);
    nameBytes.copy(head, 1);
    head.writeUInt8(STRING_TYPE, 1 + nameBytes.length);
    head.writeUInt16BE(valueBytes.length, 2 + nameBytes.length);
    headerParts.push(head, valueBytes);
  }
  const headerBytes = Buffer.concat(headerParts);
  const total = PRELUDE_BYTES + headerBytes.length + payload.length + CRC_BYTES;
  const prelude = Buffer.alloc(PRELUDE_BYTES);
  prelude.writeUInt32BE(total, 0);
  prelude.writeUInt32BE(headerBytes.length, 4);
  prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
  const body = Buffer.concat([prelude, headerBytes, payload]);
  const trailer = Buffer.alloc(CRC_BYTES);
  trailer.writeUInt32BE(crc32(body), 0);
  return Buffer.concat([body, trailer]);
}
