// Errors the interceptor reports to whoever starts it, with a stable code to match on.
export type InterceptorErrorCode = 'BAD_LISTEN_ADDRESS' | 'LISTEN_FAILED';

export class InterceptorError extends Error {
  override readonly name = 'InterceptorError';

  constructor(
    readonly code: InterceptorErrorCode,
    message: string,
  ) {
    super(message);
  }
}
