import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { AppError } from '../errors.js';
import {
  checkLimit,
  checkVector,
  type MemoryItem,
  type SearchHit,
  type SearchOptions,
  type VectorStore,
} from './vector-store.js';

export interface PgvectorStoreOptions {
  /** PGlite folder of the memory store (see `memoryDataDir`), or `memory://` to keep it in memory. */
  readonly dataDir: string;
  /** Vector length, from the embedding engine. */
  readonly dimensions: number;
  /** Table name (default `memory_items`). */
  readonly table?: string;
}

/**
 * Where the memory store lives for a hub data folder: its `memory` sub-folder. It is a PGlite
 * instance of its own, because the pgvector extension has to be loaded when PGlite starts and
 * the hub's main database is opened without it.
 */
export function memoryDataDir(hubDataDir: string): string {
  return hubDataDir === 'memory://' ? 'memory://' : join(hubDataDir, 'memory');
}

/** Opens (creating where needed) a pgvector table in its own PGlite instance. */
export async function openPgvectorStore(options: PgvectorStoreOptions): Promise<VectorStore> {
  const { dimensions } = options;
  const table = options.table ?? 'memory_items';
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 16_000) {
    // pgvector's own limit for the vector type is 16,000 dimensions.
    throw new AppError(
      'config-invalid',
      `memory store dimensions must be 1–16000, got ${dimensions}`,
    );
  }
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(table)) {
    throw new AppError(
      'config-invalid',
      `memory store table name is not a plain identifier: "${table}"`,
    );
  }
  const where = options.dataDir === 'memory://' ? 'in memory' : `at ${options.dataDir}`;

  let pg: PGlite;
  try {
    const [{ PGlite }, { vector }] = await Promise.all([
      import('@electric-sql/pglite'),
      import('@electric-sql/pglite-pgvector'),
    ]);
    pg = await PGlite.create({
      ...(options.dataDir === 'memory://' ? {} : { dataDir: options.dataDir }),
      extensions: { vector },
    });
  } catch (err) {
    throw new AppError('storage-failed', `cannot open the memory store ${where}`, false, {
      cause: err,
    });
  }

  const failed = (what: string, err: unknown): AppError =>
    err instanceof AppError
      ? err
      : new AppError(
          'storage-failed',
          `memory store ${what} failed: ${(err as Error).message}`,
          false,
          {
            cause: err,
          },
        );

  try {
    await pg.exec(`
      CREATE EXTENSION IF NOT EXISTS vector;
      CREATE TABLE IF NOT EXISTS ${table} (
        id TEXT PRIMARY KEY,
        text TEXT NOT NULL,
        embedding vector(${dimensions}) NOT NULL,
        satellite_id TEXT,
        created_at TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX IF NOT EXISTS ${table}_embedding_idx ON ${table} USING hnsw (embedding vector_cosine_ops);
    `);
    // CREATE TABLE IF NOT EXISTS keeps an older table as it was: vectors from another engine
    // would compare meaninglessly (or fail on length), so refuse to start instead.
    const [column] = (
      await pg.query<{ dims: number }>(
        `SELECT atttypmod AS dims FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'embedding'`,
        [table],
      )
    ).rows;
    if (column?.dims !== dimensions) {
      throw new AppError(
        'config-invalid',
        `the memory store ${where} holds ${column?.dims ?? '?'}-dimensional vectors but the ` +
          `embedding engine makes ${dimensions}: point it at a fresh folder after changing engines`,
      );
    }
  } catch (err) {
    await pg.close().catch(() => undefined);
    throw failed('set-up', err);
  }

  let closed = false;
  return {
    kind: 'pgvector',
    dimensions,
    async add(item: MemoryItem) {
      checkVector(item.vector, dimensions, 'add');
      try {
        await pg.query(
          `INSERT INTO ${table} (id, text, embedding, satellite_id, created_at)
           VALUES ($1, $2, $3::vector, $4, $5)
           ON CONFLICT (id) DO UPDATE SET text = EXCLUDED.text, embedding = EXCLUDED.embedding,
             satellite_id = EXCLUDED.satellite_id, created_at = EXCLUDED.created_at`,
          [item.id, item.text, toLiteral(item.vector), item.satelliteId ?? null, item.createdAt],
        );
      } catch (err) {
        throw failed('add', err);
      }
    },
    async search(vector: Float32Array, options: SearchOptions): Promise<SearchHit[]> {
      checkVector(vector, dimensions, 'search');
      checkLimit(options.limit);
      let rows: SearchHit[];
      try {
        // `<=>` is cosine distance (0 same … 2 opposite), so 1 − distance is cosine similarity.
        const result = await pg.query<SearchHit>(
          `SELECT id, text, 1 - (embedding <=> $1::vector) AS score
           FROM ${table} ORDER BY embedding <=> $1::vector LIMIT $2`,
          [toLiteral(vector), options.limit],
        );
        rows = result.rows;
      } catch (err) {
        throw failed('search', err);
      }
      // Filtered here rather than in SQL so the HNSW index still serves the ORDER BY.
      const minScore = options.minScore;
      return minScore === undefined ? rows : rows.filter((r) => r.score >= minScore);
    },
    async remove(id: string) {
      try {
        await pg.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
      } catch (err) {
        throw failed('remove', err);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pg.close();
    },
  };
}

/** pgvector's text form, `[0.1,0.2,…]`. */
function toLiteral(vector: Float32Array): string {
  return `[${vector.join(',')}]`;
}
