import { rms } from '@jarvis/protocol';
import { createOpenWakeWord, type WakeEngine } from '@jarvis/satellite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import {
  createUseEmbeddings,
  type UseEmbeddingEngine,
} from '../../hub/src/engines/embeddings/index.js';
import { startOllamaServer } from '../support/ollama-server.js';
import { startQdrantTestServer, type QdrantTestServer } from '../support/qdrant-server.js';
import { runExchange, startStack, type Stack } from '../support/stack.js';
import { speak } from '../support/voices.js';

let wake: WakeEngine;
beforeAll(async () => {
  wake = await createOpenWakeWord({});
});
afterAll(async () => {
  await wake?.close();
});

const say = (text: string) => speak(`hey jarvis, ${text}`, 'flite', { leadMs: 500 });

/** Ollama cannot run here: its API is played by tests/support/ollama-server.ts (a test double). */
describe('the language model path', () => {
  let ollama: Awaited<ReturnType<typeof startOllamaServer>>;
  let stack: Stack;
  beforeAll(async () => {
    ollama = await startOllamaServer({ models: ['llama3.2'] });
    stack = await startStack({
      config: { llm: { engine: 'ollama', url: ollama.url, model: 'llama3.2' } },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await ollama?.close();
  });

  it('answers-out-of-template-speech-and-a-follow-up-with-context-and-a-tool-call', async () => {
    const sat = await stack.enroll('kitchen', 'kitchen');
    ollama.reply({
      parts: ['Why did the scarecrow win an award? ', 'Because he was outstanding in his field.'],
      delayMs: 20,
    });
    const first = await runExchange(stack, sat, await say('tell me a joke'), { wake });
    expect(first.record).toMatchObject({ outcome: 'ok', intent: 'llm' });
    expect(first.record?.reply).toBe(
      'Why did the scarecrow win an award? Because he was outstanding in his field.',
    );
    expect(rms(first.reply!.pcm)).toBeGreaterThan(300);
    const firstRequest = ollama.requests[0]!.body as {
      messages: { role: string; content: string }[];
    };
    expect(firstRequest.messages[0]!.content).toContain('The speaker is in the kitchen');

    ollama.reply(
      {
        parts: [
          {
            toolCalls: [
              {
                name: 'control_device',
                arguments: { device: 'light', room: 'bedroom', state: 'on' },
              },
            ],
          },
        ],
      },
      { parts: ['The bedroom light is on now.'] },
    );
    const published = new Promise<string>(
      (resolve) =>
        void stack.hub.bus.subscribe('home/bedroom/light/set', (_t, payload) =>
          resolve(payload.toString()),
        ),
    );
    const second = await runExchange(stack, sat, await say('do the same for my brother'), { wake });
    expect(second.record).toMatchObject({
      outcome: 'ok',
      intent: 'llm',
      reply: 'The bedroom light is on now.',
      action: { topic: 'home/bedroom/light/set', payload: 'ON' },
    });
    expect(await published).toBe('ON');
    // The follow-up carried the first exchange, and the tool result went back to the model.
    const followUp = ollama.requests[1]!.body as { messages: { role: string; content: string }[] };
    expect(followUp.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(followUp.messages[2]!.content).toContain('scarecrow');
    const afterTool = ollama.requests[2]!.body as { messages: { role: string; content: string }[] };
    expect(afterTool.messages.at(-1)).toMatchObject({
      role: 'tool',
      content: 'Turning on the bedroom light.',
    });
  });

  it('follows-up-a-fast-path-command-with-its-context', async () => {
    const sat = await stack.enroll('pantry', 'kitchen');
    const first = await runExchange(stack, sat, await say('turn on the kitchen light'), { wake });
    expect(first.record).toMatchObject({
      intent: 'turn_on',
      reply: 'Turning on the kitchen light.',
    });
    ollama.reply(
      {
        parts: [
          {
            toolCalls: [
              {
                name: 'control_device',
                arguments: { device: 'light', room: 'bedroom', state: 'on' },
              },
            ],
          },
        ],
      },
      { parts: ['The bedroom light is on too.'] },
    );
    const before = ollama.requests.length;
    const second = await runExchange(stack, sat, await say('and the bedroom'), { wake });
    expect(second.record).toMatchObject({ intent: 'llm', reply: 'The bedroom light is on too.' });
    // The model saw the fast-path exchange (from the session store) before the follow-up.
    const asked = ollama.requests[before]!.body as {
      messages: { role: string; content: string }[];
    };
    expect(asked.messages.slice(1, 3).map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(asked.messages[1]!.content).toMatch(/turn on the kitchen light$/);
    expect(asked.messages[2]!.content).toBe('Turning on the kitchen light.');
    expect(second.record?.action).toEqual({ topic: 'home/bedroom/light/set', payload: 'ON' });
  });

  it('sets-a-named-timer-and-keeps-a-fact-through-its-tools', async () => {
    const sat = await stack.enroll('larder', 'kitchen');
    ollama.reply(
      {
        parts: [
          {
            toolCalls: [
              { name: 'set_timer', arguments: { seconds: 600, name: 'pasta' } },
              { name: 'remember', arguments: { fact: 'the colander is in the top cupboard' } },
            ],
          },
        ],
      },
      { parts: ['Your pasta timer is running, and I noted where the colander is.'] },
    );
    const ex = await runExchange(stack, sat, await say('tell me a joke'), { wake });
    expect(ex.record).toMatchObject({ outcome: 'ok', intent: 'llm' });
    const pending = await stack.hub.timers.pending('larder', 'pasta');
    expect(pending.map((t) => t.durationMs)).toEqual([600_000]);
    // The tool results the model read are the fast path's own replies.
    const afterTools = ollama.requests.at(-1)!.body as {
      messages: { role: string; content: string }[];
    };
    expect(afterTools.messages.slice(-2)).toEqual([
      expect.objectContaining({ role: 'tool', content: 'Pasta timer set for 10 minutes.' }),
      expect.objectContaining({
        role: 'tool',
        content: "OK, I'll remember that the colander is in the top cupboard.",
      }),
    ]);
  });

  it('apologises-when-the-model-is-down', async () => {
    const sat = await stack.enroll('hall', 'kitchen');
    ollama.reply({ status: 500, error: 'model runner crashed' });
    const ex = await runExchange(stack, sat, await say('tell me a joke'), { wake });
    expect(ex.record?.reply).toBe("Sorry, I can't reach my language model right now.");
    // Counted for the engine-failing alert, as STT and TTS failures are.
    const metrics = await (await fetch(`${stack.hub.url()}/metrics`)).text();
    expect(metrics).toMatch(
      /^jarvis_engine_failures_total\{kind="llm",engine="[^"]+",code="[^"]+"\} 1$/m,
    );
  });
});

/** "Remember that the wifi password is in the blue drawer", then "where is the wifi password". */
async function rememberAndRecallByVoice(stack: Stack): Promise<void> {
  const sat = await stack.enroll('study', 'office');
  const told = await runExchange(
    stack,
    sat,
    await say('remember that the wifi password is in the blue drawer'),
    { wake },
  );
  expect(told.record).toMatchObject({ outcome: 'ok', intent: 'memory' });
  expect(told.record?.reply).toMatch(/^OK, I'll remember that the wi.?fi password is in the blue/);
  const asked = await runExchange(stack, sat, await say('where is the wifi password'), { wake });
  expect(asked.record).toMatchObject({ outcome: 'ok', intent: 'memory' });
  expect(asked.record?.reply).toMatch(/^You told me the wi.?fi password is in the blue/);
}

describe('semantic memory', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('remembers-a-fact-and-recalls-it-by-voice', async () => {
    await rememberAndRecallByVoice(stack);
  });
});

/**
 * The cluster's set-up: vectors from an Ollama server's /api/embed, kept in Qdrant. Neither runs
 * here: the Ollama double answers /api/embed with the real Universal Sentence Encoder's vectors,
 * and Qdrant is the REST-compatible double in tests/support/qdrant-server.ts.
 */
describe('semantic memory on Ollama embeddings and Qdrant', () => {
  const QDRANT_KEY = 'qdrant-test-key-0123456789';
  let stack: Stack;
  let ollama: Awaited<ReturnType<typeof startOllamaServer>>;
  let qdrant: QdrantTestServer;
  let use: UseEmbeddingEngine;
  const embedded: string[] = [];
  beforeAll(async () => {
    use = await createUseEmbeddings();
    const ctx = { signal: new AbortController().signal, log: pino({ level: 'silent' }) };
    ollama = await startOllamaServer({
      models: ['nomic-embed-text'],
      embed: async (texts) => {
        embedded.push(...texts);
        return (await use.embed(texts, { ...ctx, sessionId: 'ollama-double' })).map((v) => [...v]);
      },
    });
    qdrant = await startQdrantTestServer({ apiKey: QDRANT_KEY });
    stack = await startStack({
      env: { JARVIS_QDRANT_API_KEY: QDRANT_KEY },
      config: {
        memory: {
          embeddings: {
            engine: 'ollama',
            url: ollama.url,
            model: 'nomic-embed-text',
            dimensions: use.dimensions,
          },
          store: { engine: 'qdrant', url: qdrant.url, collection: 'household' },
        },
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await ollama?.close();
    await qdrant?.close();
    await use?.close();
  });

  it('remembers-and-recalls-by-voice-through-both-servers', async () => {
    await rememberAndRecallByVoice(stack);
    // Both went through the servers: the sentence was embedded by "Ollama" and stored in Qdrant.
    expect(embedded.some((t) => /password is in the blue/.test(t))).toBe(true);
    const points = [...(qdrant.collections.get('household')?.points.values() ?? [])];
    expect(points).toHaveLength(1);
    expect(qdrant.collections.get('household')?.size).toBe(use.dimensions);
  });
});
