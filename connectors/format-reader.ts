// What every format reader is, so the engine can read any source without knowing its format.
import type { SourceRecord, SourceRef, Quarantined } from '../attribution/index.js';

export interface SourceFile {
  path: string;
  /** Path relative to the folder the url named, for messages. */
  name: string;
}

export interface ReadContext {
  /** CloudConnector `namespace/name`, or another stable name of the source. */
  connector: string;
  provider: 'aws' | 'gcp' | 'azure';
}

/** Which kind of records a format yields: billed lines, request-level usage, or people and groups. */
export type SourceRole = 'billing' | 'usage' | 'identity';

export interface FormatReader {
  /** The name a CloudConnector source uses in `format`, e.g. `aws-cur-2.0`. */
  readonly format: string;
  readonly role: SourceRole;
  /**
   * Streams the file's records. A bad row yields a quarantine record and reading goes on; only a
   * fault that makes the whole file unusable (unreadable, wrong header) throws a SourceError.
   */
  read(file: SourceFile, ctx: ReadContext): AsyncIterable<SourceRecord>;
  /**
   * Billing formats whose exports are re-delivered (month-to-date files re-sent daily, a manifest
   * per refresh): which delivery a file belongs to. Files of one delivery share a key, and keys
   * sort in the order the deliveries were made; for each billing period, only the rows of the
   * latest delivery that covers it count. Without it, all files of a source are one delivery.
   */
  deliveryOf?(file: SourceFile): string;
}

export function sourceRef(file: SourceFile, ctx: ReadContext, line: number): SourceRef {
  return { connector: ctx.connector, file: file.name, line };
}

export function quarantine(
  file: SourceFile,
  ctx: ReadContext,
  line: number,
  field: string | null,
  reason: string,
): SourceRecord {
  const item: Quarantined = { source: sourceRef(file, ctx, line), field, reason };
  return { kind: 'quarantine', item };
}
