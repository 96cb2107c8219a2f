import { createHash } from 'node:crypto';
import type { QdrantClient } from '@qdrant/js-client-rest';
import { AppError } from '../errors.js';
import {
  checkLimit,
  checkVector,
  type MemoryItem,
  type SearchHit,
  type SearchOptions,
  type VectorStore,
} from './vector-store.js';
import { describeFetchError } from '../engines/fetch-errors.js';

export interface QdrantStoreOptions {
  /** e.g. `http://qdrant:6333`; give the port: the client assumes 6333 when the URL has none. */
  readonly url: string;
  readonly apiKey?: string | undefined;
  /** Collection name (default `jarvis_memory`). */
  readonly collection?: string;
  /** Vector length, from the embedding engine. */
  readonly dimensions: number;
  /** Per-request limit in milliseconds (default 10 s). */
  readonly timeoutMs?: number;
}

/** Payload keys stored beside each vector. */
interface Payload {
  readonly memory_id: string;
  readonly text: string;
  readonly satellite_id: string | null;
  readonly created_at: string;
}

/** Opens a Qdrant collection of cosine-scored vectors, creating it when it is missing. */
export async function openQdrantStore(options: QdrantStoreOptions): Promise<VectorStore> {
  const { dimensions } = options;
  const collection = options.collection ?? 'jarvis_memory';
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!Number.isInteger(dimensions) || dimensions < 1) {
    throw new AppError('config-invalid', `Qdrant memory dimensions must be a positive integer`);
  }
  let where: string;
  try {
    const url = new URL(options.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    where = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    throw new AppError('config-invalid', `Qdrant url must be an http(s) URL: "${options.url}"`);
  }

  const { QdrantClient } = await import('@qdrant/js-client-rest');
  const client: QdrantClient = new QdrantClient({
    url: options.url,
    timeout: timeoutMs,
    // The compatibility check runs unawaited and reports through console.warn: skip it.
    checkCompatibility: false,
    // Sent as a plain header: the client's own apiKey option warns on console over plain http,
    // which is how Qdrant is reached inside the cluster.
    ...(options.apiKey ? { headers: { 'api-key': options.apiKey } } : {}),
  });
  const failed = (what: string, err: unknown) => toStorageError(err, what, where, timeoutMs);

  try {
    const { exists } = await client.collectionExists(collection);
    if (!exists) {
      try {
        await client.createCollection(collection, {
          vectors: { size: dimensions, distance: 'Cosine' },
        });
      } catch (err) {
        // Another hub replica may have created it first; the check below decides.
        if (statusOf(err) !== 409) throw err;
      }
    }
    const info = await client.getCollection(collection);
    const vectors = info.config.params.vectors as
      { size?: unknown; distance?: unknown } | undefined;
    if (vectors?.size !== dimensions || vectors.distance !== 'Cosine') {
      throw new AppError(
        'config-invalid',
        `Qdrant collection "${collection}" at ${where} holds ${String(vectors?.size)}-dimensional ` +
          `${String(vectors?.distance)} vectors; the embedding engine makes ${dimensions}-dimensional ` +
          'ones scored by Cosine: use another collection after changing engines',
      );
    }
  } catch (err) {
    throw failed('set-up', err);
  }

  return {
    kind: 'qdrant',
    dimensions,
    async add(item: MemoryItem) {
      checkVector(item.vector, dimensions, 'add');
      const payload: Payload = {
        memory_id: item.id,
        text: item.text,
        satellite_id: item.satelliteId ?? null,
        created_at: item.createdAt.toISOString(),
      };
      try {
        await client.upsert(collection, {
          wait: true,
          points: [
            {
              id: pointId(item.id),
              vector: Array.from(item.vector),
              payload: payload as unknown as Record<string, unknown>,
            },
          ],
        });
      } catch (err) {
        throw failed('add', err);
      }
    },
    async search(vector: Float32Array, options: SearchOptions): Promise<SearchHit[]> {
      checkVector(vector, dimensions, 'search');
      checkLimit(options.limit);
      try {
        const { points } = await client.query(collection, {
          query: Array.from(vector),
          limit: options.limit,
          with_payload: true,
          ...(options.minScore === undefined ? {} : { score_threshold: options.minScore }),
        });
        return points.map((p) => {
          const payload = (p.payload ?? {}) as Partial<Payload>;
          return {
            id: typeof payload.memory_id === 'string' ? payload.memory_id : String(p.id),
            text: typeof payload.text === 'string' ? payload.text : '',
            score: p.score,
          };
        });
      } catch (err) {
        throw failed('search', err);
      }
    },
    async remove(id: string) {
      try {
        await client.delete(collection, { wait: true, points: [pointId(id)] });
      } catch (err) {
        throw failed('remove', err);
      }
    },
    async close() {
      // The REST client holds no connection that needs closing.
    },
  };
}

/**
 * Qdrant accepts only unsigned integers and UUIDs as point ids, so any other id becomes a
 * name-based UUID (RFC 9562 version 5) and the original is kept in the payload.
 */
export function pointId(id: string): string {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
    return id.toLowerCase();
  }
  const hash = createHash('sha1').update(NAMESPACE).update(id, 'utf8').digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50; // version 5
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80; // RFC variant
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The namespace UUID of Jarvis memory ids (random, fixed forever: changing it orphans stored points). */
const NAMESPACE = Buffer.from('5f0c7a1e9d3b4c28a6e4b1d07f92c3a5', 'hex');

function statusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

function toStorageError(err: unknown, what: string, where: string, timeoutMs: number): AppError {
  if (err instanceof AppError) return err;
  const status = statusOf(err);
  if (status !== undefined) {
    // Qdrant's error body is {status: {error: "..."}}.
    const data = (err as { data?: { status?: { error?: unknown } } }).data;
    const said = typeof data?.status?.error === 'string' ? `: ${data.status.error}` : '';
    const retryable = status >= 500 || status === 429 || status === 408;
    return new AppError(
      'storage-failed',
      `Qdrant ${what} at ${where} answered ${status}${said}`,
      retryable,
      {
        cause: err,
      },
    );
  }
  const name = (err as Error | undefined)?.name;
  if (name === 'QdrantClientTimeoutError') {
    return new AppError(
      'storage-failed',
      `Qdrant at ${where} did not answer within ${timeoutMs} ms`,
      true,
      {
        cause: err,
      },
    );
  }
  return new AppError(
    'storage-failed',
    `cannot reach Qdrant at ${where}: ${describeFetchError(err)}`,
    true,
    {
      cause: err,
    },
  );
}
