// A failed call to a vendor's storage API, as the one error a source raises: it names the url and
// the vendor's error code (AccessDenied, NoSuchBucket, 403), never headers or credentials.
import { SourceError } from './source-error.js';

/** The failure as a SourceError; a SourceError raised inside the call passes through. */
export function remoteFailure(url: string, action: 'list' | 'read', err: unknown): SourceError {
  if (err instanceof SourceError) return err;
  const code = errorCode(err);
  const notFound = /NoSuch|NotFound|404/i.test(code);
  return new SourceError(
    notFound ? 'SOURCE_NOT_FOUND' : 'SOURCE_UNREADABLE',
    `cannot ${action} ${url} (${code})`,
    // No cause: some clients' errors carry the request, Authorization header included.
    { file: url },
  );
}

function errorCode(err: unknown): string {
  if (typeof err !== 'object' || err === null) return 'failed';
  const e = err as { name?: unknown; code?: unknown; statusCode?: unknown; $metadata?: unknown };
  const status = (e.$metadata as { httpStatusCode?: unknown } | undefined)?.httpStatusCode;
  for (const candidate of [e.code, e.name, e.statusCode, status]) {
    if (typeof candidate === 'string' && candidate !== '' && candidate !== 'Error') {
      return candidate;
    }
    if (typeof candidate === 'number') return String(candidate);
  }
  return 'failed';
}
