// The interceptor never logs headers or bodies; should a header map ever reach a log line by
// mistake, these paths keep its credentials out of it.
const SECRET_HEADERS = ['authorization', 'x-api-key', 'cookie', 'proxy-authorization', 'api-key'];

export const LOG_REDACT_PATHS: string[] = SECRET_HEADERS.flatMap((name) => [
  `["${name}"]`,
  `*["${name}"]`,
  `*.*["${name}"]`,
]);
