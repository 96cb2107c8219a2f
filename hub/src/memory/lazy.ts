import type { EngineContext } from '../engines/types.js';
import type { MemoryService } from '../pipeline/free-form.js';
import type { Recollection, Remembered, SemanticMemory } from './memory.js';

/**
 * Semantic memory opened on first use: the embedding model loads in ~0.2 s but its pgvector
 * store (a PGlite of its own) takes seconds to open, which a hub should not pay at start-up
 * for a feature most requests never touch. The first "remember …" waits for it instead.
 */
export function lazyMemory(hubDataDir: string): MemoryService & { close(): Promise<void> } {
  let opened:
    | Promise<{
        memory: SemanticMemory;
        close(): Promise<void>;
      }>
    | undefined;
  const open = () =>
    (opened ??= (async () => {
      const [{ createUseEmbeddings }, { SemanticMemory }, { memoryDataDir, openPgvectorStore }] =
        await Promise.all([
          import('../engines/embeddings/index.js'),
          import('./memory.js'),
          import('./pgvector-store.js'),
        ]);
      const engine = await createUseEmbeddings();
      const store = await openPgvectorStore({
        dataDir: memoryDataDir(hubDataDir),
        dimensions: engine.dimensions,
      });
      return {
        memory: new SemanticMemory({ engine, store }),
        close: async () => {
          await store.close();
          await engine.close();
        },
      };
    })());
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
