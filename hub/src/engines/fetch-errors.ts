/** Helpers the HTTP engine clients (OpenAI-compatible, Ollama, Qdrant) share. */

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
