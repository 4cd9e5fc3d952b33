// Every answer the ingestion API gives that is not a success, with a stable code a client can
// branch on and the position of the event at fault. Messages name fields, never their values: a
// value could be the very content Argmin refuses to hold.

export type ApiErrorCode =
  | 'UNAUTHENTICATED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'BODY_TOO_LARGE'
  | 'INVALID_JSON'
  | 'NOT_AN_ARRAY'
  | 'TOO_MANY_EVENTS'
  | 'EVENT_REFUSED'
  | 'OVERLOADED'
  | 'STORE_UNAVAILABLE'
  | 'STORE_REFUSED'
  | 'NOT_FOUND'
  | 'BAD_REQUEST'
  | 'INTERNAL';

const STATUS: Record<ApiErrorCode, number> = {
  UNAUTHENTICATED: 401,
  UNSUPPORTED_MEDIA_TYPE: 415,
  BODY_TOO_LARGE: 413,
  INVALID_JSON: 400,
  NOT_AN_ARRAY: 400,
  TOO_MANY_EVENTS: 413,
  EVENT_REFUSED: 400,
  OVERLOADED: 503,
  STORE_UNAVAILABLE: 503,
  STORE_REFUSED: 422,
  NOT_FOUND: 404,
  BAD_REQUEST: 400,
  INTERNAL: 500,
};

/** Where in the body the fault lies: the event's 0-based index and, for NDJSON, its 1-based line. */
export interface EventPosition {
  event?: number;
  line?: number;
}

export interface ApiErrorDetails extends EventPosition {
  field?: string;
  reason?: string;
  /** Seconds a client should wait before retrying, for answers that invite a retry. */
  retryAfterSeconds?: number;
}

/** Field names come from the client; a long one is cut so it cannot flood a response or a log. */
const FIELD_NAME_SHOWN_CHARS = 100;

export class ApiError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details: ApiErrorDetails = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = STATUS[code];
  }

  /** The JSON body of the answer. */
  toBody(): { error: { code: ApiErrorCode; message: string } & ApiErrorDetails } {
    return { error: { code: this.code, message: this.message, ...this.details } };
  }
}

/** The error for one event that the schema refused, naming the field and where the event sits. */
export function eventRefused(position: EventPosition, field: string, reason: string): ApiError {
  const shown =
    field.length > FIELD_NAME_SHOWN_CHARS ? `${field.slice(0, FIELD_NAME_SHOWN_CHARS)}…` : field;
  return new ApiError(
    'EVENT_REFUSED',
    `${describePosition(position)}: field "${shown}" ${reason}; no event of this request was stored`,
    { ...position, field: shown, reason },
  );
}

export function describePosition({ event, line }: EventPosition): string {
  if (line !== undefined) return `event ${event} (line ${line})`;
  return `event ${event}`;
}
