/**
 * Requests outside the templates in French: memory through the real sentence encoder and
 * pgvector, the language model through the Ollama test double, and the honest answer without one.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaServer, type OllamaServer } from '../../../tests/support/ollama-server.js';
import { DeviceRegistry } from '../devices/registry.js';
import { createUseEmbeddings, type UseEmbeddingEngine } from '../engines/embeddings/use.js';
import { createOllamaLlm } from '../engines/llm/ollama.js';
import type { EngineContext } from '../engines/types.js';
import { SemanticMemory } from '../memory/memory.js';
import { openPgvectorStore } from '../memory/pgvector-store.js';
import type { VectorStore } from '../memory/vector-store.js';
import { Conversations, type ConversationActions } from './conversation.js';
import { freeFormReply, type MemoryService } from './free-form.js';

const ctx: EngineContext = {
  signal: new AbortController().signal,
  log: pino({ level: 'silent' }),
  sessionId: 'free-form-test',
};
const satellite = { id: 'cuisine', room: 'cuisine' };
const actions: ConversationActions = { intent: () => Promise.resolve('done') };

/** Every sentence of a reply, whether it came whole or streamed. */
async function text(reply: string | AsyncIterable<string>): Promise<string> {
  if (typeof reply === 'string') return reply;
  const out: string[] = [];
  for await (const s of reply) out.push(s);
  return out.join(' ');
}

let engine: UseEmbeddingEngine;
let store: VectorStore;
let memory: MemoryService;
let ollama: OllamaServer;
beforeAll(async () => {
  engine = await createUseEmbeddings();
  store = await openPgvectorStore({ dataDir: 'memory://', dimensions: engine.dimensions });
  const semantic = new SemanticMemory({ engine, store });
  memory = {
    remember: (t, c) => semantic.remember(t, c),
    recall: (q, c) => semantic.recall(q, c),
  };
  ollama = await startOllamaServer({ models: ['llama3.2'] });
});
afterAll(async () => {
  await store?.close();
  await engine?.close();
  await ollama?.close();
});

describe('free-form requests in French', () => {
  it('remembers-and-recalls-a-fact', async () => {
    const told = await freeFormReply(
      "Jarvis, souviens-toi que mes clés sont dans l'entrée",
      { memory, language: 'fr' },
      satellite,
      actions,
      ctx,
    );
    expect(told.via).toBe('memory');
    expect(await text(told.reply)).toBe("D'accord, je retiens que tes clés sont dans l'entrée.");
    const asked = await freeFormReply(
      'où sont mes clés',
      { memory, language: 'fr' },
      satellite,
      actions,
      ctx,
    );
    expect(await text(asked.reply)).toBe("Tu m'as dit que tes clés sont dans l'entrée.");
  });

  it('says-so-honestly-without-a-language-model', async () => {
    const none = await freeFormReply(
      'raconte-moi une blague',
      { language: 'fr' },
      satellite,
      actions,
      ctx,
    );
    expect(none).toEqual({
      via: 'none',
      reply:
        "Désolé, je n'ai pas compris, et aucun modèle de langue n'est configuré pour m'aider avec ce genre de demande.",
    });
  });

  it('asks-the-model-for-french-and-apologises-in-french-when-it-fails', async () => {
    const conversations = new Conversations({
      llm: createOllamaLlm({ baseUrl: ollama.url, model: 'llama3.2', timeoutMs: 5000 }),
      devices: new DeviceRegistry([]),
      log: ctx.log,
      budgetMs: 5000,
      contextMs: 60_000,
      language: 'fr',
    });
    ollama.reply({ parts: ['Paris est la capitale de la France.'] });
    const answer = await freeFormReply(
      'quelle est la capitale de la France',
      { conversations, language: 'fr' },
      satellite,
      actions,
      ctx,
    );
    expect(await text(answer.reply)).toBe('Paris est la capitale de la France.');
    const system = (ollama.requests.at(-1)?.body['messages'] as { content: string }[])[0]!;
    expect(system.content).toContain('Always answer in French.');

    ollama.reply({ status: 500, error: 'model crashed' }, { status: 500, error: 'model crashed' });
    const failed = await freeFormReply(
      'et celle du Japon',
      { conversations, language: 'fr' },
      satellite,
      actions,
      ctx,
    );
    expect(await text(failed.reply)).toBe(
      "Désolé, je n'arrive pas à joindre mon modèle de langue.",
    );
  });
});
