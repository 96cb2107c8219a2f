import type { EngineContext } from '../engines/types.js';
import { normalise } from '../intents/intents.js';
import type { Language } from '../intents/numbers.js';
import { REPLIES } from '../intents/replies.js';
import type { Recollection, Remembered } from '../memory/memory.js';
import { parseMemoryUtterance, recallReply, rememberReply } from '../memory/utterance.js';
import type { ConversationActions, Conversations } from './conversation.js';

/** Semantic memory as the pipeline uses it (opened lazily: its store takes seconds to open). */
export interface MemoryService {
  remember(text: string, ctx: EngineContext & { satelliteId: string }): Promise<Remembered>;
  recall(question: string, ctx: EngineContext): Promise<Recollection | undefined>;
}

export const NO_LLM = REPLIES.en.noLlm;

/** What to say to a request no template understood: text, or sentences as they come. */
export interface FreeFormReply {
  readonly reply: string | AsyncIterable<string>;
  readonly via: 'memory' | 'llm' | 'none';
}

/**
 * Requests outside the templates: "remember that …" / "where is …" go to semantic memory; the
 * rest (and questions memory cannot answer) to the language model when there is one.
 */
export async function freeFormReply(
  transcript: string,
  deps: {
    memory?: MemoryService | undefined;
    conversations?: Conversations | undefined;
    language: Language;
  },
  satellite: { id: string; room: string },
  actions: ConversationActions,
  ctx: EngineContext,
): Promise<FreeFormReply> {
  const { language } = deps;
  const memo = deps.memory
    ? parseMemoryUtterance(normalise(transcript, language), language)
    : undefined;
  if (deps.memory && memo?.kind === 'remember') {
    const kept = await deps.memory.remember(memo.content, { ...ctx, satelliteId: satellite.id });
    return { reply: rememberReply(kept.text, language), via: 'memory' };
  }
  if (deps.memory && memo?.kind === 'recall') {
    const found = await deps.memory.recall(memo.content, ctx);
    if (found) return { reply: recallReply(found.text, language), via: 'memory' };
  }
  // A recall that finds nothing was probably a general question ("what is the capital of …").
  if (deps.conversations)
    return { reply: deps.conversations.answer(transcript, satellite, actions, ctx), via: 'llm' };
  return { reply: REPLIES[language].noLlm, via: 'none' };
}
