// Argmin's own usage events, one JSON object a line, gzip or not: what SDKs and proxies that are
// not Envoy can write to a file. Each line passes the same event gate as the ingestion API.
import { parseUsageEvent, type SourceRecord } from '../attribution/index.js';
import {
  quarantine,
  type FormatReader,
  type ReadContext,
  type SourceFile,
} from './format-reader.js';
import { readLines } from './open-source.js';

export class ArgminEventsReader implements FormatReader {
  readonly format = 'argmin-events';
  readonly role = 'usage' as const;

  /** `clock` is the receiver's time, against which a timestamp from the future is refused. */
  constructor(private readonly clock: () => Date = () => new Date()) {}

  async *read(file: SourceFile, ctx: ReadContext): AsyncIterable<SourceRecord> {
    for await (const { line, text } of readLines(file.path)) {
      if (text.trim() === '') continue;

      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        // The parser's message quotes the line; a line that is not an event may hold anything.
        yield quarantine(file, ctx, line, null, 'the line is not valid JSON');
        continue;
      }

      const checked = parseUsageEvent(value, { now: this.clock() });
      yield checked.ok
        ? { kind: 'usage', event: checked.event }
        : quarantine(file, ctx, line, checked.field, `${checked.field} ${checked.reason}`);
    }
  }
}
