// The one error a source raises when it cannot be read at all. Row-level faults are quarantined
// instead; this is for faults that make a whole file or url unusable.

export type SourceErrorCode =
  | 'SOURCE_NOT_FOUND'
  | 'SOURCE_SCHEME_UNSUPPORTED'
  | 'SOURCE_URL_INVALID'
  | 'SOURCE_UNREADABLE'
  | 'SOURCE_MISSING_COLUMN'
  | 'SOURCE_FORMAT_INVALID'
  | 'SOURCE_CREDENTIALS_INVALID';

export interface SourceErrorContext {
  /** The file or url at fault, as the user can find it. */
  file?: string;
  line?: number;
  /** The column, key or url part at fault. */
  field?: string;
  cause?: unknown;
}

export class SourceError extends Error {
  override readonly name = 'SourceError';
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly field: string | undefined;
  /** What went wrong, without the file and line the message starts with. */
  readonly detail: string;

  constructor(
    readonly code: SourceErrorCode,
    message: string,
    context: SourceErrorContext = {},
  ) {
    super(withPlace(message, context), context.cause === undefined ? {} : { cause: context.cause });
    this.detail = message;
    this.file = context.file;
    this.line = context.line;
    this.field = context.field;
  }
}

function withPlace(message: string, context: SourceErrorContext): string {
  if (context.file === undefined) return message;
  const place = context.line === undefined ? context.file : `${context.file}:${context.line}`;
  return `${place}: ${message}`;
}
