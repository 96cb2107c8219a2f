import { single } from '@jarvis/protocol';
import { AppError, toAppError } from '../../errors.js';
import type { AudioChunk, EngineContext, TtsEngine } from '../types.js';
import { Attempt, backoff, type ResilienceOptions } from './attempt.js';

/**
 * Text-to-speech over a chain of engines, piece by piece of the input text: a piece that fails
 * before any of its audio went out is retried (retryable errors) or handed to the next engine,
 * which then speaks the rest of the session too. Once a piece's audio has started, a failure
 * ends the reply: speaking it again from the start would repeat words.
 * Chunks keep their engine's rate; `sampleRate` is the first engine's.
 */
export function resilientTts(
  engines: readonly [TtsEngine, ...TtsEngine[]],
  options: ResilienceOptions,
): TtsEngine {
  return {
    id: engines.map((e) => e.id).join('>'),
    sampleRate: engines[0].sampleRate,
    synthesize: (text, ctx) => synthesizeWithFallback(engines, options, text, ctx),
    async close(): Promise<void> {
      await Promise.all(engines.map((e) => e.close()));
    },
  };
}

async function* synthesizeWithFallback(
  engines: readonly TtsEngine[],
  options: ResilienceOptions,
  text: AsyncIterable<string>,
  ctx: EngineContext,
): AsyncGenerator<AudioChunk> {
  let current = 0;
  for await (const piece of text) {
    if (ctx.signal.aborted) return;
    if (piece.trim() === '') continue;
    for (;;) {
      const engine = engines[current];
      if (!engine) throw new AppError('tts-failed', 'no speech synthesis engine', false);
      const failure = yield* speakPiece(engine, piece, options, ctx);
      if (!failure || ctx.signal.aborted) break;
      const next = engines[current + 1];
      if (!next) throw failure;
      ctx.log.warn({ from: engine.id, to: next.id, code: failure.code }, 'tts falls back');
      options.metrics?.engineFallback('tts', engine.id, next.id);
      ctx.onFallback?.({
        kind: 'tts',
        from: engine.id,
        to: next.id,
        code: failure.code,
        message: failure.message,
      });
      current++;
    }
  }
}

/** Speaks one piece on one engine with retries; returns the error that should move us on. */
async function* speakPiece(
  engine: TtsEngine,
  piece: string,
  options: ResilienceOptions,
  ctx: EngineContext,
): AsyncGenerator<AudioChunk, AppError | undefined> {
  let failure: AppError | undefined;
  for (let attempt = 0; attempt <= options.retries; attempt++) {
    if (attempt > 0 && !(await backoff(options, attempt - 1, ctx.signal))) return undefined;
    const tryOne = new Attempt(ctx, engine.id, options.timeoutMs);
    const audio = engine.synthesize(single(piece), tryOne.engineCtx);
    const it = audio[Symbol.asyncIterator]();
    let spoke = false;
    try {
      for (;;) {
        tryOne.arm('audio');
        const next = await tryOne.next(it);
        if (next.done) break;
        spoke = true;
        yield next.value;
      }
      options.metrics?.engineCall('tts', engine.id, 'ok', tryOne.elapsedMs());
      return undefined;
    } catch (err) {
      if (ctx.signal.aborted) return undefined;
      failure = toAppError(err, 'tts-failed');
      options.metrics?.engineCall('tts', engine.id, 'error', tryOne.elapsedMs());
      options.metrics?.engineFailure('tts', engine.id, failure.code);
      ctx.log.warn({ engine: engine.id, code: failure.code, err: failure.message }, 'tts failed');
      if (spoke) throw failure;
      if (!failure.retryable) return failure;
    } finally {
      tryOne.finish(it);
    }
  }
  return failure;
}
