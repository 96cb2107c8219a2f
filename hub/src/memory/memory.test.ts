import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startQdrantTestServer,
  type QdrantTestServer,
} from '../../../tests/support/qdrant-server.js';
import { createUseEmbeddings, type UseEmbeddingEngine } from '../engines/embeddings/use.js';
import type { EngineContext } from '../engines/types.js';
import { SemanticMemory } from './memory.js';
import { openPgvectorStore } from './pgvector-store.js';
import { openQdrantStore } from './qdrant-store.js';
import { parseMemoryUtterance, recallReply } from './utterance.js';
import type { VectorStore } from './vector-store.js';

const ctx: EngineContext = {
  signal: new AbortController().signal,
  log: pino({ level: 'silent' }),
  sessionId: 'test',
};

const FACTS = [
  'remember that the wifi password is in the blue drawer',
  "don't forget that the spare car key is under the doormat",
  'remember my passport is on the top shelf of the wardrobe',
];

let engine: UseEmbeddingEngine;
let qdrant: QdrantTestServer;
beforeAll(async () => {
  engine = await createUseEmbeddings();
  qdrant = await startQdrantTestServer();
});
afterAll(async () => {
  await engine.close();
  await qdrant.close();
});

const stores: [string, () => Promise<VectorStore>][] = [
  ['pgvector', () => openPgvectorStore({ dataDir: 'memory://', dimensions: engine.dimensions })],
  [
    'qdrant',
    () =>
      openQdrantStore({
        url: qdrant.url,
        collection: 'memory_test',
        dimensions: engine.dimensions,
      }),
  ],
];

describe.each(stores)('SemanticMemory with USE lite and %s', (_name, open) => {
  let store: VectorStore;
  let memory: SemanticMemory;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    store = await open();
    memory = new SemanticMemory({ engine, store });
    for (const said of FACTS) {
      const parsed = parseMemoryUtterance(said);
      expect(parsed?.kind).toBe('remember');
      const stored = await memory.remember(parsed!.content, { ...ctx, satelliteId: 'kitchen' });
      ids.set(stored.text, stored.id);
    }
  });
  afterAll(async () => {
    await store.close();
  });

  it('recalls-the-blue-drawer-fact-for-where-is-the-wifi-password', async () => {
    const hit = await memory.recall('where is the wifi password', ctx);
    expect(hit?.text).toBe('the wifi password is in the blue drawer');
    expect(hit?.id).toBe(ids.get('the wifi password is in the blue drawer'));
    expect(recallReply(hit!.text)).toBe('You told me the wifi password is in the blue drawer.');
  });

  it('recalls-each-fact-by-its-own-question', async () => {
    const cases: [string, string][] = [
      ['where is the spare key', 'the spare car key is under the doormat'],
      ['where did I put my passport', 'my passport is on the top shelf of the wardrobe'],
      ['what is the wifi password', 'the wifi password is in the blue drawer'],
    ];
    for (const [question, fact] of cases) {
      // Both the whole question and the parsed subject find it.
      expect((await memory.recall(question, ctx))?.text, question).toBe(fact);
      const subject = parseMemoryUtterance(question);
      expect(subject?.kind).toBe('recall');
      expect((await memory.recall(subject!.content, ctx))?.text, subject!.content).toBe(fact);
    }
  });

  it('returns-undefined-for-something-never-stored', async () => {
    for (const question of [
      'where are my glasses',
      'where is the remote control',
      'what is the capital of France',
      "what is my sister's phone number",
    ]) {
      expect(await memory.recall(question, ctx), question).toBeUndefined();
    }
  });

  it('forgets-a-fact-by-id', async () => {
    const extra = await memory.remember('the bins go out on Thursday night', ctx);
    expect((await memory.recall('when do the bins go out', ctx))?.id).toBe(extra.id);
    await memory.forget(extra.id);
    expect(await memory.recall('when do the bins go out', ctx)).toBeUndefined();
  });
});

describe('SemanticMemory set-up', () => {
  it('refuses-an-engine-and-store-of-different-sizes', async () => {
    const store = await openQdrantStore({ url: qdrant.url, collection: 'small', dimensions: 3 });
    expect(() => new SemanticMemory({ engine, store })).toThrow(
      expect.objectContaining({ code: 'config-invalid' }) as Error,
    );
  });

  it('refuses-to-remember-nothing', async () => {
    const store = await openQdrantStore({
      url: qdrant.url,
      collection: 'empty',
      dimensions: engine.dimensions,
    });
    const memory = new SemanticMemory({ engine, store });
    await expect(memory.remember('  . ', ctx)).rejects.toMatchObject({ code: 'bad-request' });
    expect(await memory.recall('', ctx)).toBeUndefined();
  });
});
