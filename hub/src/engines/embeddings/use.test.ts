import { Socket } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../errors.js';
import type { EngineContext } from '../types.js';
import { cosineSimilarity } from './types.js';
import { createUseEmbeddings, USE_DIMENSIONS, type UseEmbeddingEngine } from './use.js';

function context(signal = new AbortController().signal): EngineContext {
  return { signal, log: pino({ level: 'silent' }), sessionId: 'test' };
}

describe('createUseEmbeddings', () => {
  let engine: UseEmbeddingEngine;
  const connects = vi.spyOn(Socket.prototype, 'connect');
  const fetches = vi.spyOn(globalThis, 'fetch');

  beforeAll(async () => {
    engine = await createUseEmbeddings();
  });
  afterAll(async () => {
    await engine.close();
  });

  it('loads-the-bundled-model-without-any-network-connection', () => {
    expect(connects).not.toHaveBeenCalled();
    expect(fetches).not.toHaveBeenCalled();
    expect(engine.id).toBe('use-lite');
    expect(engine.dimensions).toBe(USE_DIMENSIONS);
    console.log(`use-lite model load: ${engine.loadMs.toFixed(0)} ms`);
  });

  it('similar-sentences-score-higher-than-unrelated-ones', async () => {
    const [question, fact, keys, weather] = await engine.embed(
      [
        'where is the wifi password',
        'the wifi password is in the blue drawer',
        'the car keys hang on the hook by the door',
        'it will rain in Paris tomorrow',
      ],
      context(),
    );
    if (!question || !fact || !keys || !weather) throw new Error('missing vectors');
    expect(question).toHaveLength(USE_DIMENSIONS);
    const toFact = cosineSimilarity(question, fact);
    expect(toFact).toBeGreaterThan(cosineSimilarity(question, keys) + 0.15);
    expect(toFact).toBeGreaterThan(cosineSimilarity(question, weather) + 0.15);
  });

  it('embeds-a-batch-in-order-like-one-at-a-time', async () => {
    const texts = ['turn on the kitchen light', 'my bike is in the garage', 'hello'];
    const batch = await engine.embed(texts, context());
    expect(batch).toHaveLength(3);
    for (const [i, text] of texts.entries()) {
      const [single] = await engine.embed([text], context());
      expect(cosineSimilarity(single!, batch[i]!)).toBeGreaterThan(0.999);
    }
    expect(await engine.embed([], context())).toEqual([]);
  });

  it('measures-one-embedding', async () => {
    await engine.embed(['warm up'], context());
    const runs = 10;
    const startedAt = performance.now();
    for (let i = 0; i < runs; i++) {
      await engine.embed([`the spare key is under flower pot number ${i}`], context());
    }
    const oneMs = (performance.now() - startedAt) / runs;
    const sentences = Array.from({ length: 32 }, (_, i) => `reminder number ${i} about the bins`);
    const batchStartedAt = performance.now();
    await engine.embed(sentences, context());
    const perSentenceMs = (performance.now() - batchStartedAt) / sentences.length;
    console.log(
      `use-lite: one sentence ${oneMs.toFixed(1)} ms, in a batch of 32 ${perSentenceMs.toFixed(1)} ms each`,
    );
    expect(oneMs).toBeLessThan(500);
  });

  it('refuses-an-empty-text-instead-of-misaligning-the-batch', async () => {
    const err: unknown = await engine.embed(['hello', '  '], context()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('bad-request');
  });

  it('rejects-with-the-abort-reason-once-the-context-is-aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('user said stop');
    controller.abort(reason);
    await expect(engine.embed(['hello'], context(controller.signal))).rejects.toBe(reason);
  });

  it('made-no-network-connection-while-embedding-either', () => {
    expect(connects).not.toHaveBeenCalled();
    expect(fetches).not.toHaveBeenCalled();
  });

  it('shares-one-loaded-model-between-engines', async () => {
    const second = await createUseEmbeddings();
    expect(second.loadMs).toBe(0);
    await second.close();
    // The first engine still works: the model is disposed only when its last user closes.
    expect(await engine.embed(['still here'], context())).toHaveLength(1);
    await expect(second.embed(['closed'], context())).rejects.toMatchObject({
      code: 'engine-unavailable',
    });
  });
});
