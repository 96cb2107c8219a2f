import type { EngineContext } from '../types.js';

/** Turns sentences into vectors whose cosine similarity tracks closeness of meaning. */
export interface EmbeddingEngine {
  readonly id: string;
  /** Length of every vector it returns; a vector store's column or collection is sized by it. */
  readonly dimensions: number;
  /**
   * One vector per text, in order. Rejects with `ctx.signal.reason` once the signal aborts
   * (a promise cannot end quietly the way a stream does), and with an AppError otherwise.
   */
  embed(texts: readonly string[], ctx: EngineContext): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/** Cosine similarity of two vectors of the same length: 1 same direction, 0 unrelated. */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) {
    throw new RangeError(`vector lengths differ: ${a.length} vs ${b.length}`);
  }
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
