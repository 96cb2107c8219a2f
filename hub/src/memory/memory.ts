import { randomUUID } from 'node:crypto';
import type { EmbeddingEngine } from '../engines/embeddings/types.js';
import type { EngineContext } from '../engines/types.js';
import { AppError } from '../errors.js';
import type { VectorStore } from './vector-store.js';

export {
  parseMemoryUtterance,
  recallReply,
  rememberReply,
  type MemoryUtterance,
} from './utterance.js';

/**
 * Cosine similarity a stored sentence needs to answer a question. Measured with USE lite
 * (use-lite): questions about stored facts scored 0.62–0.90 against them; unrelated questions
 * at most 0.55 ("where is the router" against the wifi-password fact). Other engines need their
 * own figure.
 */
export const DEFAULT_MIN_SCORE = 0.58;

export interface SemanticMemoryOptions {
  readonly engine: EmbeddingEngine;
  readonly store: VectorStore;
  readonly minScore?: number;
  /** For tests: the clock and the id source. */
  readonly now?: () => Date;
  readonly newId?: () => string;
}

export interface RememberContext extends EngineContext {
  /** The satellite the sentence was said to, kept with it. */
  readonly satelliteId?: string | undefined;
}

export interface Remembered {
  readonly id: string;
  readonly text: string;
  readonly createdAt: Date;
}

export interface Recollection {
  readonly id: string;
  /** The sentence as it was remembered, e.g. "the wifi password is in the blue drawer". */
  readonly text: string;
  /** Cosine similarity between the question and the sentence. */
  readonly score: number;
}

/**
 * Remembers sentences and finds the one that answers a question, by meaning rather than by
 * words. Owns neither the engine nor the store: whoever made them closes them.
 */
export class SemanticMemory {
  private readonly engine: EmbeddingEngine;
  private readonly store: VectorStore;
  private readonly minScore: number;
  private readonly now: () => Date;
  private readonly newId: () => string;

  constructor(options: SemanticMemoryOptions) {
    if (options.engine.dimensions !== options.store.dimensions) {
      throw new AppError(
        'config-invalid',
        `embedding engine ${options.engine.id} makes ${options.engine.dimensions}-dimensional ` +
          `vectors but the memory store holds ${options.store.dimensions}`,
      );
    }
    this.engine = options.engine;
    this.store = options.store;
    this.minScore = options.minScore ?? DEFAULT_MIN_SCORE;
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? randomUUID;
  }

  /** Stores a sentence, e.g. "the wifi password is in the blue drawer". */
  async remember(text: string, ctx: RememberContext): Promise<Remembered> {
    const sentence = tidy(text);
    if (sentence === '') throw new AppError('bad-request', 'nothing to remember');
    const [vector] = await this.engine.embed([sentence], ctx);
    if (!vector) throw new AppError('engine-protocol', `${this.engine.id} returned no vector`);
    const item = { id: this.newId(), text: sentence, createdAt: this.now() };
    await this.store.add({ ...item, vector, satelliteId: ctx.satelliteId });
    // Never the sentence itself in the log: people ask Jarvis to remember passwords.
    ctx.log.debug({ memoryId: item.id, satelliteId: ctx.satelliteId }, 'memory stored');
    return item;
  }

  /**
   * The stored sentence that best answers `question` ("where is the wifi password", or just
   * "the wifi password"), or undefined when nothing stored is close enough.
   */
  async recall(question: string, ctx: EngineContext): Promise<Recollection | undefined> {
    const asked = tidy(question);
    if (asked === '') return undefined;
    const [vector] = await this.engine.embed([asked], ctx);
    if (!vector) throw new AppError('engine-protocol', `${this.engine.id} returned no vector`);
    const [best] = await this.store.search(vector, { limit: 1, minScore: this.minScore });
    ctx.log.debug({ memoryId: best?.id, score: best?.score }, 'memory recall');
    return best;
  }

  /** Removes a remembered sentence by id; an unknown id is not an error. */
  async forget(id: string): Promise<void> {
    await this.store.remove(id);
  }
}

/** One line, no trailing full stop: how sentences are stored and embedded. */
function tidy(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.!?]+$/, '')
    .trim();
}
