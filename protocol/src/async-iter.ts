/** Next item of `it`, or undefined as soon as `signal` aborts: a stalled stream must not hold us. */
export async function nextOrAbort<T>(
  it: AsyncIterator<T>,
  signal: AbortSignal,
): Promise<IteratorResult<T> | undefined> {
  if (signal.aborted) return undefined;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([it.next(), aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** An async iterable of one value: a whole text handed to an engine that streams its input. */
export async function* single<T>(value: T): AsyncIterable<T> {
  yield value;
}
