/** Helpers the HTTP engine clients (OpenAI-compatible, Ollama, Qdrant) share. */
import { AppError } from '../errors.js';

/** fetch reports network failures as "fetch failed" with the socket error as its cause. */
export function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  if (cause instanceof Error) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The error for a fetch that failed before an answer: a timeout when the request's own timer
 * fired, the error itself when it is already coded, else the server is unreachable.
 */
export function fetchFailure(
  err: unknown,
  where: string,
  timeout: { readonly aborted: boolean; readonly ms: number },
): AppError {
  if (timeout.aborted)
    return new AppError('engine-timeout', `${where} did not answer within ${timeout.ms} ms`, true, {
      cause: err,
    });
  if (err instanceof AppError) return err;
  return new AppError(
    'engine-unavailable',
    `cannot reach ${where}: ${describeFetchError(err)}`,
    true,
    {
      cause: err,
    },
  );
}
