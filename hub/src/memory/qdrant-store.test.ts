import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startQdrantTestServer,
  type QdrantTestServer,
} from '../../../tests/support/qdrant-server.js';
import { freePort } from '../../../tests/support/servers.js';
import { AppError } from '../errors.js';
import { openQdrantStore, pointId } from './qdrant-store.js';
import type { VectorStore } from './vector-store.js';

const v = (...xs: number[]) => Float32Array.from(xs);
const at = new Date('2025-01-02T03:04:05Z');
const KEY = 'qdrant-test-key';

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('openQdrantStore against the Qdrant test double', () => {
  let qdrant: QdrantTestServer;
  let store: VectorStore;
  beforeAll(async () => {
    qdrant = await startQdrantTestServer({ apiKey: KEY });
    store = await openQdrantStore({ url: qdrant.url, apiKey: KEY, dimensions: 3 });
  });
  afterAll(async () => {
    await store.close();
    await qdrant.close();
  });

  it('creates-a-cosine-collection-sized-by-the-engine', () => {
    expect(qdrant.requests.slice(0, 3)).toEqual([
      'GET /collections/jarvis_memory/exists',
      'PUT /collections/jarvis_memory',
      'GET /collections/jarvis_memory',
    ]);
    const collection = qdrant.collections.get('jarvis_memory');
    expect(collection).toMatchObject({ size: 3, distance: 'Cosine' });
  });

  it('round-trips-add-search-remove-ordered-by-similarity', async () => {
    await store.add({ id: 'east', text: 'points east', vector: v(1, 0, 0), createdAt: at });
    await store.add({
      id: 'north-east',
      text: 'points north-east',
      vector: v(1, 1, 0),
      satelliteId: 'kitchen',
      createdAt: at,
    });
    await store.add({ id: 'up', text: 'points up', vector: v(0, 0, 1), createdAt: at });

    const hits = await store.search(v(1, 0.2, 0), { limit: 10 });
    expect(hits.map((h) => h.id)).toEqual(['east', 'north-east', 'up']);
    expect(hits[0]).toMatchObject({ text: 'points east' });
    expect(hits[0]!.score).toBeCloseTo(1 / Math.sqrt(1.04), 5);
    expect(hits[2]!.score).toBeCloseTo(0, 5);
    expect(
      (await store.search(v(1, 0.2, 0), { limit: 10, minScore: 0.5 })).map((h) => h.id),
    ).toEqual(['east', 'north-east']);
    expect(qdrant.requests).toContain('POST /collections/jarvis_memory/points/query');

    // Ids that are not UUIDs are stored under a name-based UUID, payload keeps the original.
    const stored = qdrant.collections.get('jarvis_memory')!.points.get(pointId('north-east'));
    expect(stored?.payload).toEqual({
      memory_id: 'north-east',
      text: 'points north-east',
      satellite_id: 'kitchen',
      created_at: '2025-01-02T03:04:05.000Z',
    });

    await store.remove('east');
    await store.remove('never-there');
    expect((await store.search(v(1, 0.2, 0), { limit: 10 })).map((h) => h.id)).toEqual([
      'north-east',
      'up',
    ]);
    await store.remove('north-east');
    await store.remove('up');
    expect(await store.search(v(1, 0, 0), { limit: 10 })).toEqual([]);
  });

  it('adding-an-existing-id-replaces-the-item', async () => {
    await store.add({ id: 'fact', text: 'old', vector: v(1, 0, 0), createdAt: at });
    await store.add({ id: 'fact', text: 'new', vector: v(0, 1, 0), createdAt: at });
    expect(await store.search(v(0, 1, 0), { limit: 10 })).toEqual([
      { id: 'fact', text: 'new', score: expect.closeTo(1, 5) as number },
    ]);
    await store.remove('fact');
  });

  it('reopens-an-existing-collection-without-recreating-it', async () => {
    const before = qdrant.requests.length;
    const again = await openQdrantStore({ url: qdrant.url, apiKey: KEY, dimensions: 3 });
    expect(qdrant.requests.slice(before)).toEqual([
      'GET /collections/jarvis_memory/exists',
      'GET /collections/jarvis_memory',
    ]);
    await again.close();
  });

  it('refuses-a-collection-made-for-another-vector-length', async () => {
    const err = await failure(openQdrantStore({ url: qdrant.url, apiKey: KEY, dimensions: 512 }));
    expect(err.code).toBe('config-invalid');
    expect(err.message).toContain('3-dimensional');
  });

  it('maps-qdrant-errors-to-storage-failed-with-its-words', async () => {
    qdrant.failNext(503, 'Service unavailable: shard is being transferred');
    const busy = await failure(store.search(v(1, 0, 0), { limit: 1 }));
    expect(busy.code).toBe('storage-failed');
    expect(busy.retryable).toBe(true);
    expect(busy.message).toContain('503: Service unavailable: shard is being transferred');

    const wrongKey = await openQdrantStore({
      url: qdrant.url,
      apiKey: 'wrong',
      dimensions: 3,
    }).catch((e: unknown) => e);
    expect(wrongKey).toMatchObject({ code: 'storage-failed', retryable: false });
    expect((wrongKey as AppError).message).toContain('401: Invalid api-key');

    await expect(store.search(v(1, 0), { limit: 1 })).rejects.toMatchObject({
      code: 'bad-request',
    });
  });

  it('name-based-point-ids-are-stable-uuids', () => {
    const id = pointId('wifi-password');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(pointId('wifi-password')).toBe(id);
    expect(pointId('wifi-passwords')).not.toBe(id);
    const uuid = '7D444840-9DC0-11D1-B245-5FFDCE74FAD2';
    expect(pointId(uuid)).toBe(uuid.toLowerCase());
  });
});

describe('openQdrantStore without a server', () => {
  it('closed-port-is-storage-failed-naming-the-url', async () => {
    const port = await freePort();
    const err = await failure(openQdrantStore({ url: `http://127.0.0.1:${port}`, dimensions: 3 }));
    expect(err.code).toBe('storage-failed');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(`http://127.0.0.1:${port}`);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('refuses-a-url-that-is-not-http', async () => {
    const err = await failure(openQdrantStore({ url: 'qdrant:6333', dimensions: 3 }));
    expect(err.code).toBe('config-invalid');
  });
});
