import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { memoryDataDir, openPgvectorStore } from './pgvector-store.js';
import type { VectorStore } from './vector-store.js';

const v = (...xs: number[]) => Float32Array.from(xs);
const at = new Date('2025-01-02T03:04:05Z');

describe('openPgvectorStore', () => {
  let store: VectorStore;
  beforeAll(async () => {
    store = await openPgvectorStore({ dataDir: 'memory://', dimensions: 3 });
  });
  afterAll(async () => {
    await store.close();
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
    expect(hits[1]!.score).toBeCloseTo(1.2 / Math.sqrt(2 * 1.04), 5);
    expect(hits[2]!.score).toBeCloseTo(0, 5);

    expect(await store.search(v(1, 0.2, 0), { limit: 1 })).toHaveLength(1);
    expect(
      (await store.search(v(1, 0.2, 0), { limit: 10, minScore: 0.5 })).map((h) => h.id),
    ).toEqual(['east', 'north-east']);

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
    const hits = await store.search(v(0, 1, 0), { limit: 10 });
    expect(hits).toEqual([{ id: 'fact', text: 'new', score: expect.closeTo(1, 5) as number }]);
    await store.remove('fact');
  });

  it('refuses-vectors-of-another-length-and-bad-limits', async () => {
    for (const attempt of [
      store.add({ id: 'x', text: 'x', vector: v(1, 0), createdAt: at }),
      store.search(v(1, 0, 0, 0), { limit: 1 }),
      store.search(v(1, Number.NaN, 0), { limit: 1 }),
      store.search(v(1, 0, 0), { limit: 0 }),
    ]) {
      await expect(attempt).rejects.toMatchObject({ code: 'bad-request' });
    }
  });
});

describe('openPgvectorStore on disk', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jarvis-memory-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps-items-across-a-restart-and-refuses-another-vector-length', async () => {
    const dataDir = memoryDataDir(dir);
    expect(dataDir).toBe(join(dir, 'memory'));
    expect(memoryDataDir('memory://')).toBe('memory://');

    const first = await openPgvectorStore({ dataDir, dimensions: 4 });
    await first.add({ id: 'a', text: 'kept', vector: v(0, 0, 0, 1), createdAt: at });
    await first.close();

    const second = await openPgvectorStore({ dataDir, dimensions: 4 });
    expect(await second.search(v(0, 0, 0, 1), { limit: 5 })).toEqual([
      { id: 'a', text: 'kept', score: expect.closeTo(1, 5) as number },
    ]);
    await second.close();

    const err: unknown = await openPgvectorStore({ dataDir, dimensions: 3 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('config-invalid');
    expect((err as AppError).message).toContain('4-dimensional');
  });
});

describe('openPgvectorStore at USE size', () => {
  it('finds-the-nearest-of-300-512-dimensional-vectors', async () => {
    const store = await openPgvectorStore({ dataDir: 'memory://', dimensions: 512 });
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31 - 0.5;
    };
    const vectors = Array.from({ length: 300 }, () => Float32Array.from({ length: 512 }, random));
    for (const [i, vector] of vectors.entries()) {
      await store.add({ id: `n${i}`, text: `item ${i}`, vector, createdAt: at });
    }
    // A slightly perturbed copy of item 234 must find item 234 first.
    const query = vectors[234]!.map((x) => x + random() * 0.05);
    const startedAt = performance.now();
    const hits = await store.search(query, { limit: 3 });
    const searchMs = performance.now() - startedAt;
    console.log(`pgvector HNSW search over 300 × 512-d: ${searchMs.toFixed(1)} ms`);
    expect(hits[0]?.id).toBe('n234');
    expect(hits[0]!.score).toBeGreaterThan(0.95);
    expect(hits[1]!.score).toBeLessThan(0.3);
    await store.close();
  });
});
