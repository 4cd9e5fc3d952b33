// The ingestion API's bounds, each with a default that suits one replica on a small store. The
// per-event bounds (string lengths, attribute count) belong to the event schema, not here.

export interface ApiLimits {
  /** Largest request body, in bytes. */
  maxBodyBytes: number;
  /** Most events one request may carry. */
  maxEventsPerRequest: number;
  /** Accepted events that may wait for the store; past this, requests get 503. */
  maxQueuedEvents: number;
  /** Most events written in one statement, across the requests that arrived together. */
  maxBatchEvents: number;
  /** Statements in flight at once; the store's connection pool holds four. */
  writeConcurrency: number;
  /** How long a request waits for its commit before it is answered 503. */
  writeTimeoutMs: number;
  /** The Retry-After a 503 carries. */
  retryAfterSeconds: number;
}

export const DEFAULT_LIMITS: ApiLimits = {
  maxBodyBytes: 4 * 1024 * 1024,
  maxEventsPerRequest: 1_000,
  maxQueuedEvents: 20_000,
  maxBatchEvents: 2_000,
  writeConcurrency: 4,
  writeTimeoutMs: 10_000,
  retryAfterSeconds: 2,
};

export class LimitError extends Error {
  readonly code = 'LIMIT_INVALID';

  constructor(
    readonly limit: keyof ApiLimits,
    reason: string,
  ) {
    super(`${limit} ${reason}`);
    this.name = 'LimitError';
  }
}

/** The defaults overridden by `given`, checked to be positive whole numbers that fit together. */
export function resolveLimits(given: Partial<ApiLimits> = {}): ApiLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(given) as [keyof ApiLimits, number | undefined][]) {
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new LimitError(key, 'must be a positive whole number');
    }
    limits[key] = value;
  }
  if (limits.maxQueuedEvents < limits.maxEventsPerRequest) {
    throw new LimitError('maxQueuedEvents', 'must hold at least one full request');
  }
  return limits;
}
