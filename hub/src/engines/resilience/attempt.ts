import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../../errors.js';
import type { EngineContext } from '../types.js';

/** How a wrapped engine is retried, timed out and measured. */
export interface ResilienceOptions {
  /** Retries of a retryable failure on the same engine before falling back (0 = none). */
  readonly retries: number;
  /** STT: from the end of the audio to the final; TTS: the longest wait for the next chunk. */
  readonly timeoutMs: number;
  /** First retry waits this long, doubling each time (default 100 ms). */
  readonly retryDelayMs?: number;
  readonly metrics?: EngineMetrics;
}

/** Per-engine measurements; HubMetrics implements it. */
export interface EngineMetrics {
  engineCall(kind: 'stt' | 'tts', engine: string, outcome: 'ok' | 'error', ms: number): void;
  engineFailure(kind: 'stt' | 'tts', engine: string, code: string): void;
  engineFallback(kind: 'stt' | 'tts', from: string, to: string): void;
}

/**
 * One try of one engine: its own abort signal (aborted when the session is, on timeout, or when
 * the try ends) and a deadline that can be armed, re-armed and disarmed.
 */
export class Attempt {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private finished = false;
  private rejectTimeout!: (err: AppError) => void;
  private readonly timedOut: Promise<never>;
  private readonly unlink: () => void;
  readonly startedAt = performance.now();

  constructor(
    private readonly ctx: EngineContext,
    private readonly engineId: string,
    private readonly timeoutMs: number,
  ) {
    this.timedOut = new Promise<never>((_, reject) => (this.rejectTimeout = reject));
    this.timedOut.catch(() => undefined);
    const onAbort = (): void => this.controller.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    this.unlink = () => ctx.signal.removeEventListener('abort', onAbort);
    if (ctx.signal.aborted) onAbort();
  }

  /** The context handed to the engine for this try. */
  get engineCtx(): EngineContext {
    return { ...this.ctx, signal: this.controller.signal };
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** (Re)starts the deadline: the engine must make progress within timeoutMs. */
  arm(what: string): void {
    if (this.finished) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const err = new AppError(
        'engine-timeout',
        `${this.engineId} gave no ${what} within ${this.timeoutMs} ms`,
        true,
      );
      this.controller.abort(err);
      this.rejectTimeout(err);
    }, this.timeoutMs);
  }

  disarm(): void {
    clearTimeout(this.timer);
  }

  /** The iterator's next item, unless the deadline passes first. */
  next<T>(it: AsyncIterator<T>): Promise<IteratorResult<T>> {
    return Promise.race([it.next(), this.timedOut]);
  }

  /** Ends the try: stops the engine's work and the timer. */
  finish(it?: AsyncIterator<unknown>): void {
    this.finished = true;
    this.disarm();
    this.unlink();
    if (!this.controller.signal.aborted) this.controller.abort(new AppError('internal', 'done'));
    // Not awaited: an engine stuck in a call must not hold the session.
    it?.return?.().catch(() => undefined);
  }

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }
}

/** Waits before a retry; resolves early (false) when the session is aborted. */
export async function backoff(
  options: ResilienceOptions,
  attempt: number,
  signal: AbortSignal,
): Promise<boolean> {
  try {
    await sleep((options.retryDelayMs ?? 100) * 2 ** attempt, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
