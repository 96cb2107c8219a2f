import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../../tests/support/servers.js';
import { startOllamaServer, type OllamaServer } from '../../../../tests/support/ollama-server.js';
import { AppError } from '../../errors.js';
import type { EngineContext } from '../types.js';
import { createOllamaLlm, hasModel, type OllamaLlmOptions } from './ollama.js';
import { bySentence } from './sentences.js';
import type { LlmChunk, LlmEngine, LlmRequest, LlmTool } from './types.js';

function context(signal = new AbortController().signal): EngineContext {
  return { signal, log: pino({ level: 'silent' }), sessionId: 'test' };
}

async function collect(chunks: AsyncIterable<LlmChunk>): Promise<LlmChunk[]> {
  const out: LlmChunk[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

async function failure(engine: LlmEngine, request: LlmRequest = ASK): Promise<AppError> {
  const err: unknown = await collect(engine.chat(request, context())).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

const SYSTEM = 'You are Jarvis, a helpful home assistant. Answer in one or two short sentences.';
const ASK: LlmRequest = {
  messages: [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: 'Why is the sky blue?' },
  ],
};
const LIGHT_TOOL: LlmTool = {
  name: 'set_light',
  description: 'Switch a light on or off',
  parameters: {
    type: 'object',
    properties: {
      room: { type: 'string', description: 'The room, e.g. kitchen' },
      on: { type: 'boolean' },
    },
    required: ['room', 'on'],
  },
};

describe('createOllamaLlm', () => {
  let server: OllamaServer;
  let engine: ReturnType<typeof createOllamaLlm>;
  const make = (extra: Partial<OllamaLlmOptions> = {}) =>
    createOllamaLlm({ baseUrl: server.url, model: 'llama3.2', timeoutMs: 2_000, ...extra });

  beforeAll(async () => {
    server = await startOllamaServer({ models: ['llama3.2', 'qwen3:8b'] });
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    engine = make();
  });

  it('streams-text-deltas-in-order-then-done-with-token-counts', async () => {
    server.reply({
      parts: ['Rayleigh', ' scattering', ' makes the sky', ' blue.'],
      delayMs: 5,
      promptEvalCount: 26,
      evalCount: 4,
      evalMs: 120,
    });
    const chunks = await collect(
      engine.chat({ ...ASK, options: { temperature: 0.2, maxTokens: 64 } }, context()),
    );
    expect(chunks).toEqual([
      { type: 'text', text: 'Rayleigh' },
      { type: 'text', text: ' scattering' },
      { type: 'text', text: ' makes the sky' },
      { type: 'text', text: ' blue.' },
      { type: 'done', evalMs: 120, promptTokens: 26, completionTokens: 4, doneReason: 'stop' },
    ]);
    const sent = server.requests.at(-1)!.body;
    expect(sent).toMatchObject({
      model: 'llama3.2',
      stream: true,
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: 'Why is the sky blue?' },
      ],
      options: { temperature: 0.2, num_predict: 64 },
    });
    expect(sent).not.toHaveProperty('tools');
    expect(await server.requests.at(-1)!.ended).toBe('finished');
  });

  it('sends-keep-alive-and-lists-the-pulled-models', async () => {
    server.reply({ parts: ['Hi.'] });
    await collect(make({ keepAlive: '30m' }).chat(ASK, context()));
    expect(server.requests.at(-1)!.body['keep_alive']).toBe('30m');
    const models = await engine.listModels();
    expect(models.map((m) => m.name)).toEqual(['llama3.2:latest', 'qwen3:8b']);
    expect(models[0]!.sizeBytes).toBeGreaterThan(0);
    expect(hasModel(models, 'llama3.2')).toBe(true);
    expect(hasModel(models, 'qwen3:8b')).toBe(true);
    expect(hasModel(models, 'mistral')).toBe(false);
  });

  it('surfaces-a-tool-call-and-sends-the-tool-result-back-in-the-follow-up', async () => {
    server.reply(
      { parts: [{ toolCalls: [{ name: 'set_light', arguments: { room: 'kitchen', on: true } }] }] },
      { parts: ['The kitchen', ' light is on.'] },
    );
    const question = { role: 'user', content: 'Turn on the kitchen light' } as const;
    const first = await collect(
      engine.chat(
        { messages: [{ role: 'system', content: SYSTEM }, question], tools: [LIGHT_TOOL] },
        context(),
      ),
    );
    expect(first.slice(0, -1)).toEqual([
      { type: 'tool-call', name: 'set_light', arguments: { room: 'kitchen', on: true } },
    ]);
    expect(first.at(-1)?.type).toBe('done');
    expect(server.requests.at(-1)!.body['tools']).toEqual([
      {
        type: 'function',
        function: {
          name: 'set_light',
          description: 'Switch a light on or off',
          parameters: LIGHT_TOOL.parameters,
        },
      },
    ]);

    const call = first[0] as Extract<LlmChunk, { type: 'tool-call' }>;
    const second = await collect(
      engine.chat(
        {
          messages: [
            { role: 'system', content: SYSTEM },
            question,
            { role: 'assistant', content: '', toolCalls: [call] },
            { role: 'tool', content: '{"ok":true}', toolName: 'set_light' },
          ],
          tools: [LIGHT_TOOL],
        },
        context(),
      ),
    );
    expect(second.filter((c) => c.type === 'text').map((c) => c.text)).toEqual([
      'The kitchen',
      ' light is on.',
    ]);
    expect(server.requests.at(-1)!.body['messages']).toEqual([
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'Turn on the kitchen light' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ function: { name: 'set_light', arguments: { room: 'kitchen', on: true } } }],
      },
      { role: 'tool', content: '{"ok":true}', tool_name: 'set_light' },
    ]);
  });

  it('yields-the-first-sentence-well-before-the-stream-ends', async () => {
    server.reply({
      parts: [
        'The sky',
        ' is blue',
        ' because of',
        ' Rayleigh scattering.',
        ' Short',
        ' waves',
        ' scatter',
        ' more',
        '.',
      ],
      delayMs: 100,
    });
    const started = Date.now();
    const seen: { text: string; ms: number }[] = [];
    let doneMs = 0;
    for await (const chunk of bySentence(engine.chat(ASK, context()))) {
      if (chunk.type === 'text') seen.push({ text: chunk.text, ms: Date.now() - started });
      if (chunk.type === 'done') doneMs = Date.now() - started;
    }
    expect(seen.map((s) => s.text)).toEqual([
      'The sky is blue because of Rayleigh scattering.',
      'Short waves scatter more.',
    ]);
    // Five more lines at 100 ms each follow the first sentence: it must not wait for them.
    expect(doneMs - seen[0]!.ms).toBeGreaterThanOrEqual(300);
  });

  it('maps-a-model-that-is-not-pulled-to-bad-request-with-ollamas-message', async () => {
    const err = await failure(make({ model: 'mistral' }));
    expect(err.code).toBe('bad-request');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('model "mistral" not found, try pulling it first');
    expect(err.message).toContain('404');
  });

  it('maps-a-500-to-engine-unavailable-and-retryable', async () => {
    server.reply({ status: 500, error: 'llama runner process has terminated: signal: killed' });
    const err = await failure(engine);
    expect(err.code).toBe('engine-unavailable');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('llama runner process has terminated');
  });

  it('maps-an-error-line-mid-stream-to-engine-unavailable', async () => {
    server.reply({ parts: ['Yes', { error: 'an error was encountered while running the model' }] });
    const chunks: LlmChunk[] = [];
    const err: unknown = await (async () => {
      for await (const c of engine.chat(ASK, context())) chunks.push(c);
    })().catch((e: unknown) => e);
    expect(chunks).toEqual([{ type: 'text', text: 'Yes' }]);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('engine-unavailable');
    expect((err as AppError).message).toContain('an error was encountered while running the model');
  });

  it('maps-a-closed-port-to-engine-unavailable-naming-the-url', async () => {
    const port = await freePort();
    const err = await failure(
      createOllamaLlm({ baseUrl: `http://127.0.0.1:${port}`, model: 'llama3.2', timeoutMs: 2_000 }),
    );
    expect(err.code).toBe('engine-unavailable');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(`http://127.0.0.1:${port}/api/chat`);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it.each([
    ['headers-with-the-first-line', false],
    ['headers-at-once', true],
  ])('times-out-when-no-first-token-arrives-in-time (%s)', async (_name, headersAtOnce) => {
    server.reply({ parts: ['Too late.'], firstDelayMs: 2_000, headersAtOnce });
    const started = Date.now();
    const err = await failure(make({ firstTokenTimeoutMs: 200, timeoutMs: 5_000 }));
    expect(err.code).toBe('engine-timeout');
    expect(err.message).toContain('200 ms');
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(await server.requests.at(-1)!.ended).toBe('closed-early');
  });

  it('times-out-when-the-stream-stalls-mid-answer', async () => {
    server.reply({ parts: ['The sky', ' is'], end: 'stall' });
    const chunks: LlmChunk[] = [];
    const started = Date.now();
    const err: unknown = await (async () => {
      for await (const c of make({ timeoutMs: 250 }).chat(ASK, context())) chunks.push(c);
    })().catch((e: unknown) => e);
    expect(chunks).toEqual([
      { type: 'text', text: 'The sky' },
      { type: 'text', text: ' is' },
    ]);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('engine-timeout');
    expect((err as AppError).message).toContain('stalled');
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(await server.requests.at(-1)!.ended).toBe('closed-early');
  });

  it('does-not-count-a-slow-consumer-as-a-stall', async () => {
    server.reply({ parts: ['One.', ' Two.', ' Three.'] });
    const texts: string[] = [];
    for await (const c of make({ timeoutMs: 150 }).chat(ASK, context())) {
      if (c.type === 'text') {
        texts.push(c.text);
        await new Promise((r) => setTimeout(r, 250)); // e.g. TTS busy with the sentence
      }
    }
    expect(texts).toEqual(['One.', ' Two.', ' Three.']);
  });

  it('maps-a-malformed-line-to-engine-protocol', async () => {
    server.reply({ parts: ['Hello', { raw: '{"model":"llama3.2","message":{"content":' }] });
    const err = await failure(engine);
    expect(err.code).toBe('engine-protocol');
    expect(err.message).toContain('not JSON');
  });

  it('maps-a-dropped-connection-to-engine-unavailable', async () => {
    server.reply({ parts: ['Hello'], end: 'drop' });
    const err = await failure(engine);
    expect(err.code).toBe('engine-unavailable');
    expect(err.retryable).toBe(true);
  });

  it('stops-promptly-and-closes-the-request-when-aborted', async () => {
    server.reply({ parts: Array.from({ length: 20 }, (_, i) => `word${i} `), delayMs: 500 });
    const abort = new AbortController();
    const chunks: LlmChunk[] = [];
    let abortedAt = 0;
    for await (const c of engine.chat(ASK, context(abort.signal))) {
      chunks.push(c);
      if (chunks.length === 2) {
        // Abort while the engine waits for the next line, not between chunks.
        setTimeout(() => {
          abortedAt = Date.now();
          abort.abort();
        }, 30);
      }
    }
    const stoppedMs = Date.now() - abortedAt;
    expect(chunks).toEqual([
      { type: 'text', text: 'word0 ' },
      { type: 'text', text: 'word1 ' },
    ]);
    // The next line was due 470 ms after the abort; the engine did not wait for it.
    expect(stoppedMs).toBeLessThan(250);
    const ended = await Promise.race([
      server.requests.at(-1)!.ended,
      new Promise((r) => setTimeout(() => r('still open'), 1_000)),
    ]);
    expect(ended).toBe('closed-early');
  });

  it('closes-the-request-when-the-consumer-stops-reading', async () => {
    server.reply({ parts: ['First.', ' Second.', ' Third.'], delayMs: 50 });
    for await (const c of engine.chat(ASK, context())) {
      expect(c).toEqual({ type: 'text', text: 'First.' });
      break;
    }
    expect(await server.requests.at(-1)!.ended).toBe('closed-early');
  });

  it('ends-requests-in-flight-on-close-and-refuses-new-ones', async () => {
    server.reply({ parts: ['Hello', ' there'], delayMs: 100, end: 'stall' });
    const e = make();
    const pending = collect(e.chat(ASK, context())).catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 150));
    await e.close();
    const err = await pending;
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('engine-unavailable');
    expect((await failure(e)).code).toBe('engine-unavailable');
  });

  it('close-ends-an-answer-whose-body-has-already-arrived', async () => {
    server.reply({ parts: ['One.', ' Two.', ' Three.'] });
    const e = make();
    const texts: string[] = [];
    const err: unknown = await (async () => {
      for await (const c of e.chat(ASK, context())) {
        if (c.type !== 'text') continue;
        texts.push(c.text);
        // The whole answer is in by now; close while this chunk is still being handled.
        await new Promise((r) => setTimeout(r, 100));
        if (texts.length === 1) await e.close();
      }
    })().catch((x: unknown) => x);
    expect(texts).toEqual(['One.']);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('engine-unavailable');
  });

  it('rejects-a-base-url-that-is-not-http', () => {
    expect(() => createOllamaLlm({ baseUrl: 'ftp://gpu', model: 'x', timeoutMs: 1_000 })).toThrow(
      /http/,
    );
  });
});
