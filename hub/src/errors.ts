/** The one error type of the hub: a coded error that maps to HTTP status and to the wire. */
export type ErrorCode =
  | 'config-invalid'
  | 'auth-missing'
  | 'auth-invalid'
  | 'auth-expired'
  | 'auth-replayed'
  | 'satellite-revoked'
  | 'protocol-error'
  | 'audio-before-start'
  | 'session-busy'
  | 'bad-request'
  | 'not-found'
  | 'no-listener'
  | 'not-online'
  | 'forbidden'
  | 'conflict'
  | 'rate-limited'
  | 'totp-required'
  | 'engine-unavailable'
  | 'engine-timeout'
  | 'engine-protocol'
  | 'stt-failed'
  | 'tts-failed'
  | 'wake-failed'
  | 'action-failed'
  | 'storage-failed'
  | 'internal';

const HTTP_STATUS: Record<ErrorCode, number> = {
  'config-invalid': 500,
  'auth-missing': 401,
  'auth-invalid': 401,
  'auth-expired': 401,
  'auth-replayed': 401,
  'satellite-revoked': 403,
  'protocol-error': 400,
  'audio-before-start': 400,
  'session-busy': 409,
  'bad-request': 400,
  'not-found': 404,
  'no-listener': 409,
  'not-online': 409,
  forbidden: 403,
  conflict: 409,
  'rate-limited': 429,
  'totp-required': 401,
  'engine-unavailable': 503,
  'engine-timeout': 504,
  'engine-protocol': 502,
  'stt-failed': 500,
  'tts-failed': 500,
  'wake-failed': 500,
  'action-failed': 502,
  'storage-failed': 503,
  internal: 500,
};

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }

  /** The only shape that leaves the process: no stack, no cause. */
  toWire(): { code: ErrorCode; message: string; retryable: boolean } {
    return { code: this.code, message: this.message, retryable: this.retryable };
  }
}

/** Normalises anything thrown into an AppError without exposing internals. */
export function toAppError(err: unknown, fallback: ErrorCode = 'internal'): AppError {
  if (err instanceof AppError) return err;
  return new AppError(
    fallback,
    fallback === 'internal' ? 'internal error' : String((err as Error)?.message ?? err),
    false,
    { cause: err },
  );
}
