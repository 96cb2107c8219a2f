import { AppError, toAppError } from '../../errors.js';
import type { AudioChunk, EngineContext, SttEngine, SttEvent } from '../types.js';
import { Attempt, backoff, type ResilienceOptions } from './attempt.js';
import { AudioTape } from './audio-tape.js';

type Final = Extract<SttEvent, { type: 'final' }>;

/**
 * Speech-to-text over a chain of engines: each try gets the whole utterance from a tape, a
 * retryable failure is retried on the same engine, any other failure (or the last retry) hands
 * the utterance to the next engine, e.g. a remote Whisper that is down → embedded pocketsphinx.
 * The final names the engine that produced it; `ctx.onFallback` hears of each hand-over.
 */
export function resilientStt(
  engines: readonly [SttEngine, ...SttEngine[]],
  options: ResilienceOptions,
): SttEngine {
  return {
    id: engines.map((e) => e.id).join('>'),
    setGrammar(jsgf: string): void {
      for (const e of engines) e.setGrammar(jsgf);
    },
    transcribe: (audio, ctx) => transcribeWithFallback(engines, options, audio, ctx),
    async close(): Promise<void> {
      await Promise.all(engines.map((e) => e.close()));
    },
  };
}

async function* transcribeWithFallback(
  engines: readonly SttEngine[],
  options: ResilienceOptions,
  audio: AsyncIterable<AudioChunk>,
  ctx: EngineContext,
): AsyncGenerator<SttEvent> {
  const tape = AudioTape.record(audio, ctx.signal);
  let failure: AppError | undefined;
  for (const [i, engine] of engines.entries()) {
    for (let attempt = 0; attempt <= options.retries; attempt++) {
      if (attempt > 0 && !(await backoff(options, attempt - 1, ctx.signal))) return;
      const result = yield* tryOnce(engine, tape, options, ctx);
      if (result.ok) {
        yield result.final;
        return;
      }
      if (ctx.signal.aborted) return;
      failure = result.error;
      if (!failure.retryable) break;
    }
    const next = engines[i + 1];
    if (next && failure) {
      ctx.log.warn({ from: engine.id, to: next.id, code: failure.code }, 'stt falls back');
      options.metrics?.engineFallback('stt', engine.id, next.id);
      ctx.onFallback?.({
        kind: 'stt',
        from: engine.id,
        to: next.id,
        code: failure.code,
        message: failure.message,
      });
    }
  }
  throw failure ?? new AppError('stt-failed', 'no speech engine', false);
}

/** One engine, one try: partials pass through; the final or the error is returned. */
async function* tryOnce(
  engine: SttEngine,
  tape: AudioTape,
  options: ResilienceOptions,
  ctx: EngineContext,
): AsyncGenerator<SttEvent, { ok: true; final: Final } | { ok: false; error: AppError }> {
  const attempt = new Attempt(ctx, engine.id, options.timeoutMs);
  tape.onEnd(() => attempt.arm('transcript after the end of the audio'));
  const events = engine.transcribe(tape.read(attempt.signal), attempt.engineCtx);
  const it = events[Symbol.asyncIterator]();
  try {
    let final: Final | undefined;
    for (;;) {
      const next = await attempt.next(it);
      if (next.done) break;
      if (next.value.type === 'partial') yield next.value;
      else final = { ...next.value, engine: engine.id };
    }
    if (!final) throw new AppError('stt-failed', `${engine.id} gave no transcript`, true);
    options.metrics?.engineCall('stt', engine.id, 'ok', attempt.elapsedMs());
    return { ok: true, final };
  } catch (err) {
    const error = toAppError(err, 'stt-failed');
    if (!ctx.signal.aborted) {
      options.metrics?.engineCall('stt', engine.id, 'error', attempt.elapsedMs());
      options.metrics?.engineFailure('stt', engine.id, error.code);
      ctx.log.warn({ engine: engine.id, code: error.code, err: error.message }, 'stt try failed');
    }
    return { ok: false, error };
  } finally {
    attempt.finish(it);
  }
}
