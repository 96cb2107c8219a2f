export { cosineSimilarity, type EmbeddingEngine } from './types.js';
export { createUseEmbeddings, USE_DIMENSIONS, type UseEmbeddingEngine } from './use.js';
export { createOllamaEmbeddings, type OllamaEmbeddingsOptions } from './ollama.js';
