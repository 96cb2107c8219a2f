import { AppError } from '../errors.js';

/** One remembered sentence and its embedding. */
export interface MemoryItem {
  readonly id: string;
  readonly text: string;
  readonly vector: Float32Array;
  /** The satellite it was said to, where known. */
  readonly satelliteId?: string | undefined;
  readonly createdAt: Date;
}

export interface SearchOptions {
  /** Most hits returned, best first. */
  readonly limit: number;
  /** Cosine similarity below which a hit is left out (1 identical … 0 unrelated … −1 opposite). */
  readonly minScore?: number | undefined;
}

export interface SearchHit {
  readonly id: string;
  readonly text: string;
  /** Cosine similarity to the query vector. */
  readonly score: number;
}

/** Stores embeddings and finds the nearest by cosine similarity: pgvector in PGlite, or Qdrant. */
export interface VectorStore {
  readonly kind: 'pgvector' | 'qdrant';
  /** Length of the vectors it holds. */
  readonly dimensions: number;
  /** Adds an item, replacing any with the same id. */
  add(item: MemoryItem): Promise<void>;
  search(vector: Float32Array, options: SearchOptions): Promise<SearchHit[]>;
  /** Removes an item; removing an unknown id is not an error. */
  remove(id: string): Promise<void>;
  close(): Promise<void>;
}

/** Shared argument checks, so both stores fail the same way on the same mistake. */
export function checkVector(vector: Float32Array, dimensions: number, what: string): void {
  if (vector.length !== dimensions) {
    throw new AppError(
      'bad-request',
      `${what}: vector has ${vector.length} dimensions, the store holds ${dimensions}`,
    );
  }
  for (const x of vector) {
    if (!Number.isFinite(x))
      throw new AppError('bad-request', `${what}: vector holds a non-finite number`);
  }
}

export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new AppError('bad-request', `search limit must be a positive integer, got ${limit}`);
  }
}
