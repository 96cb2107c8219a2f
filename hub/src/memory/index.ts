export {
  DEFAULT_MIN_SCORE,
  SemanticMemory,
  type Recollection,
  type RememberContext,
  type Remembered,
  type SemanticMemoryOptions,
} from './memory.js';
export {
  parseMemoryUtterance,
  recallReply,
  rememberReply,
  toSecondPerson,
  type MemoryUtterance,
} from './utterance.js';
export type { MemoryItem, SearchHit, SearchOptions, VectorStore } from './vector-store.js';
export { memoryDataDir, openPgvectorStore, type PgvectorStoreOptions } from './pgvector-store.js';
export { openQdrantStore, type QdrantStoreOptions } from './qdrant-store.js';
