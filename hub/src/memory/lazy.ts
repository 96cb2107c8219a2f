import type { HubConfig } from '../config/config.js';
import type { EmbeddingEngine } from '../engines/embeddings/types.js';
import type { EngineContext } from '../engines/types.js';
import type { MemoryService } from '../pipeline/free-form.js';
import type { Recollection, Remembered, SemanticMemory } from './memory.js';
import type { VectorStore } from './vector-store.js';

/** What to open: the hub's memory config, its data folder and where secrets come from. */
export interface MemorySetup {
  readonly config: Readonly<HubConfig['memory']>;
  readonly hubDataDir: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Semantic memory opened on first use: the embedding model loads in ~0.2 s but its pgvector
 * store (a PGlite of its own) takes seconds to open, which a hub should not pay at start-up
 * for a feature most requests never touch. The first "remember …" waits for it instead.
 */
export function lazyMemory(setup: MemorySetup): MemoryService & { close(): Promise<void> } {
  let opened:
    | Promise<{
        memory: SemanticMemory;
        close(): Promise<void>;
      }>
    | undefined;
  const open = () =>
    (opened ??= (async () => {
      const { SemanticMemory } = await import('./memory.js');
      const engine = await openEmbeddings(setup.config.embeddings);
      try {
        const store = await openStore(setup, engine.dimensions);
        return {
          memory: new SemanticMemory({ engine, store }),
          close: async () => {
            await store.close();
            await engine.close();
          },
        };
      } catch (err) {
        await engine.close();
        throw err;
      }
    })().catch((err: unknown) => {
      // A store that was down is tried again on the next request.
      opened = undefined;
      throw err;
    }));
  return {
    async remember(
      text: string,
      ctx: EngineContext & { satelliteId: string },
    ): Promise<Remembered> {
      return (await open()).memory.remember(text, ctx);
    },
    async recall(question: string, ctx: EngineContext): Promise<Recollection | undefined> {
      return (await open()).memory.recall(question, ctx);
    },
    async close(): Promise<void> {
      if (opened) await (await opened.catch(() => undefined))?.close();
    },
  };
}

async function openEmbeddings(
  config: Readonly<HubConfig['memory']['embeddings']>,
): Promise<EmbeddingEngine> {
  const { createOllamaEmbeddings, createUseEmbeddings } =
    await import('../engines/embeddings/index.js');
  if (config.engine === 'use') return createUseEmbeddings();
  // loadConfig made sure these are set.
  return createOllamaEmbeddings({
    baseUrl: config.url ?? '',
    model: config.model ?? '',
    dimensions: config.dimensions ?? 0,
  });
}

async function openStore(setup: MemorySetup, dimensions: number): Promise<VectorStore> {
  const store = setup.config.store;
  if (store.engine === 'qdrant') {
    const { openQdrantStore } = await import('./qdrant-store.js');
    return openQdrantStore({
      url: store.url ?? '',
      apiKey: (setup.env ?? process.env)['JARVIS_QDRANT_API_KEY'],
      collection: store.collection,
      dimensions,
    });
  }
  const { memoryDataDir, openPgvectorStore } = await import('./pgvector-store.js');
  return openPgvectorStore({ dataDir: memoryDataDir(setup.hubDataDir), dimensions });
}
