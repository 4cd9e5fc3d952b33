export { startApi, type ApiOptions, type RunningApi, type TlsFiles } from './server.js';
export { storeSink } from './store-sink.js';
export { openCopySink, type CopySink } from './copy-sink.js';
export { copyPlan, USAGE_EVENTS_COLUMNS_SQL, type CopyPlan } from './copy-rows.js';
export type { EventSink } from './batch-writer.js';
export {
  BearerTokens,
  TokenFileError,
  TOKEN_MIN_LENGTH,
  type Authenticator,
} from './bearer-tokens.js';
export { ApiError, type ApiErrorCode } from './errors.js';
export { DEFAULT_LIMITS, LimitError, resolveLimits, type ApiLimits } from './limits.js';
export { NDJSON_MEDIA_TYPE } from './event-batch.js';
