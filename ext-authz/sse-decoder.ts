// Server-sent events, read line by line as bytes arrive. Each event's `data` is streamed into the
// JSON scanner without being collected, so a long delta of completion text is never held whole.
import type { JsonFieldScanner } from './json-scanner.js';

const MAX_FIELD_NAME_BYTES = 16;
const DONE_MARKER = '[DONE]';

const enum Line {
  FieldName,
  ValueStart,
  Data,
  Ignore,
}

const CR = 0x0d;
const LF = 0x0a;
const COLON = 0x3a;

export interface SseCounts {
  events: number;
  /** Events whose data was not one whole JSON document (`[DONE]` excluded). */
  malformed: number;
}

export class SseDecoder {
  private line = Line.FieldName;
  private fieldName = '';
  private afterCr = false;
  private eventHasData = false;
  private dataPrefix = '';
  readonly counts: SseCounts = { events: 0, malformed: 0 };

  constructor(private readonly scanner: JsonFieldScanner) {}

  write(bytes: Uint8Array): void {
    let i = 0;
    const n = bytes.length;
    while (i < n) {
      const c = bytes[i]!;
      if (this.afterCr) {
        this.afterCr = false;
        if (c === LF) {
          i++;
          continue;
        }
      }
      if (c === CR || c === LF) {
        this.afterCr = c === CR;
        this.endLine();
        i++;
        continue;
      }
      switch (this.line) {
        case Line.FieldName:
          if (c === COLON) {
            this.line = this.fieldName === 'data' ? Line.ValueStart : Line.Ignore;
            if (this.line === Line.ValueStart) this.beginData();
          } else if (this.fieldName.length < MAX_FIELD_NAME_BYTES) {
            this.fieldName += String.fromCharCode(c);
          } else {
            this.line = Line.Ignore;
          }
          i++;
          break;
        case Line.ValueStart:
          this.line = Line.Data;
          if (c === 0x20) i++; // one optional space after the colon
          break;
        case Line.Data: {
          let end = i;
          while (end < n && bytes[end] !== CR && bytes[end] !== LF) end++;
          this.data(bytes.subarray(i, end));
          i = end;
          break;
        }
        case Line.Ignore:
          while (i < n && bytes[i] !== CR && bytes[i] !== LF) i++;
          break;
      }
    }
  }

  /** Ends the stream; an event without its closing blank line still counts. */
  end(): void {
    if (this.line !== Line.FieldName || this.fieldName !== '') this.endLine();
    this.dispatch();
  }

  private beginData(): void {
    // Lines of one event join with a newline, which JSON reads as whitespace.
    if (this.eventHasData) this.scanner.write(NEWLINE);
    this.eventHasData = true;
  }

  private data(bytes: Uint8Array): void {
    if (this.dataPrefix.length < DONE_MARKER.length) {
      const take = Math.min(bytes.length, DONE_MARKER.length - this.dataPrefix.length);
      this.dataPrefix += Buffer.from(bytes.subarray(0, take)).toString('latin1');
    }
    this.scanner.write(bytes);
  }

  private endLine(): void {
    if (this.line === Line.FieldName) {
      if (this.fieldName === '') this.dispatch();
      else if (this.fieldName === 'data') this.beginData(); // `data` alone: an empty value
    }
    this.line = Line.FieldName;
    this.fieldName = '';
  }

  private dispatch(): void {
    if (!this.eventHasData) return;
    this.counts.events++;
    const outcome = this.scanner.end();
    if (outcome !== 'complete' && this.dataPrefix !== DONE_MARKER) this.counts.malformed++;
    this.scanner.reset();
    this.eventHasData = false;
    this.dataPrefix = '';
  }
}

const NEWLINE = new Uint8Array([LF]);
