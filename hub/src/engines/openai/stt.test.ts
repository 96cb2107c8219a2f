import { setImmediate as nextTurn } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav, type AudioChunk, type WavAudio } from '@jarvis/protocol';
import { freePort } from '../../../../tests/support/servers.js';
import {
  embeddedEngines,
  startFakeServer,
  startSilentServer,
  startSpeechApi,
  type SpeechApi,
} from '../../../../tests/support/speech-api.js';
import { speak } from '../../../../tests/support/voices.js';
import { AppError } from '../../errors.js';
import type { EngineContext, SttEngine, SttEvent, TtsEngine } from '../types.js';
import { createOpenAiStt } from './stt.js';

const KEY = 'stt-test-key-ABCDEF';

function context(signal = new AbortController().signal): EngineContext {
  return { signal, log: pino({ level: 'silent' }), sessionId: 'test' };
}

/** 20 ms chunks, one per event-loop turn, like a satellite's stream. */
async function* stream(audio: WavAudio): AsyncIterable<AudioChunk> {
  const size = audio.rate / 50;
  for (let at = 0; at < audio.pcm.length; at += size) {
    await nextTurn();
    yield {
      pcm: audio.pcm.subarray(at, at + size),
      rate: audio.rate,
      timestampMs: (at * 1000) / audio.rate,
    };
  }
}

const SHORT: WavAudio = { rate: 16_000, channels: 1, pcm: new Int16Array(1600).fill(100) };

async function collect(events: AsyncIterable<SttEvent>): Promise<SttEvent[]> {
  const out: SttEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** The AppError a transcription fails with. */
async function failure(engine: SttEngine, audio = SHORT): Promise<AppError> {
  const err: unknown = await collect(engine.transcribe(stream(audio), context())).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).message).not.toContain(KEY);
  return err as AppError;
}

describe('createOpenAiStt', () => {
  let stt: SttEngine;
  let tts: TtsEngine;
  let api: SpeechApi;
  let command: WavAudio;

  beforeAll(async () => {
    ({ stt, tts } = await embeddedEngines());
    api = await startSpeechApi({ stt, tts, apiKeys: [KEY] });
    command = await speak('hey jarvis, turn on the kitchen light', 'flite');
  });
  afterAll(async () => {
    await api.close();
    await stt.close();
    await tts.close();
  });

  it('transcribes-a-spoken-command-through-the-hubs-own-speech-api', async () => {
    const engine = createOpenAiStt({
      baseUrl: `${api.url}/v1`, // the OpenAI SDK's spelling; the bare root works too
      apiKey: KEY,
      model: 'pocketsphinx',
      language: 'en',
      timeoutMs: 20_000,
    });
    const events = await collect(engine.transcribe(stream(command), context()));
    expect(events).toHaveLength(1);
    const [final] = events;
    expect(final).toMatchObject({ type: 'final', source: 'remote' });
    expect(final?.text).toContain('turn on the kitchen light');
    expect(final?.type === 'final' && final.finalizeMs).toBeGreaterThan(0);
    engine.setGrammar('#JSGF V1.0; grammar x; public <x> = ignored;'); // a no-op, not a throw
    await engine.close();
  });

  it('uploads-a-16khz-mono-wav-with-model-language-and-key-as-openai-expects', async () => {
    let seen: { auth?: string | undefined; form?: FormData; path?: string | undefined } = {};
    const fake = await startFakeServer((req, res, body) => {
      void new Response(body, { headers: { 'content-type': req.headers['content-type'] ?? '' } })
        .formData()
        .then((form) => {
          seen = { auth: req.headers.authorization, form, path: req.url };
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ text: ' Turn on the light.' }));
        });
    });
    try {
      const engine = createOpenAiStt({
        baseUrl: `${fake.url}/`,
        apiKey: KEY,
        model: 'Systran/faster-whisper-small.en',
        language: 'en',
        timeoutMs: 5_000,
      });
      const pcm48 = new Int16Array(48_000).map((_, i) => Math.round(8000 * Math.sin(i / 10)));
      const events = await collect(
        engine.transcribe(stream({ rate: 48_000, channels: 1, pcm: pcm48 }), context()),
      );
      expect(events).toMatchObject([{ type: 'final', text: 'Turn on the light.' }]);
      expect(seen.path).toBe('/v1/audio/transcriptions');
      expect(seen.auth).toBe(`Bearer ${KEY}`);
      expect(seen.form?.get('model')).toBe('Systran/faster-whisper-small.en');
      expect(seen.form?.get('language')).toBe('en');
      expect(seen.form?.get('response_format')).toBe('json');
      const file = seen.form?.get('file');
      expect(file).toBeInstanceOf(Blob);
      const wav = decodeWav(new Uint8Array(await (file as Blob).arrayBuffer()));
      expect(wav).toMatchObject({ rate: 16_000, channels: 1 });
      expect(wav.pcm.length).toBe(16_000);
    } finally {
      await fake.close();
    }
  });

  it('fails-with-stt-failed-and-the-servers-message-when-the-key-is-wrong', async () => {
    const engine = createOpenAiStt({
      baseUrl: api.url,
      apiKey: 'wrong-key',
      model: 'm',
      timeoutMs: 5_000,
    });
    const err = await failure(engine);
    expect(err.code).toBe('stt-failed');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('(401)');
    expect(err.message).toContain('invalid API key');
  });

  it('maps-5xx-to-retryable-engine-unavailable-with-the-servers-detail', async () => {
    const fake = await startFakeServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ detail: 'model not loaded' }));
    });
    try {
      const err = await failure(
        createOpenAiStt({ baseUrl: fake.url, apiKey: KEY, model: 'm', timeoutMs: 5_000 }),
      );
      expect(err.code).toBe('engine-unavailable');
      expect(err.retryable).toBe(true);
      expect(err.message).toContain('500');
      expect(err.message).toContain('model not loaded');
    } finally {
      await fake.close();
    }
  });

  it('maps-a-body-that-is-not-json-or-has-no-text-to-engine-protocol', async () => {
    let answer = '<html>hello</html>';
    const fake = await startFakeServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(answer);
    });
    try {
      const engine = createOpenAiStt({ baseUrl: fake.url, model: 'm', timeoutMs: 5_000 });
      const notJson = await failure(engine);
      expect(notJson.code).toBe('engine-protocol');
      expect(notJson.message).toMatch(/not JSON/);
      answer = '{"transcript":"hi"}';
      const noText = await failure(engine);
      expect(noText.code).toBe('engine-protocol');
      expect(noText.message).toMatch(/"text"/);
    } finally {
      await fake.close();
    }
  });

  it('names-the-url-when-the-server-is-unreachable', async () => {
    const port = await freePort();
    const err = await failure(
      createOpenAiStt({
        baseUrl: `http://127.0.0.1:${port}`,
        apiKey: KEY,
        model: 'm',
        timeoutMs: 5_000,
      }),
    );
    expect(err.code).toBe('engine-unavailable');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(`http://127.0.0.1:${port}/v1/audio/transcriptions`);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('times-out-with-engine-timeout-when-the-server-never-answers', async () => {
    const silent = await startSilentServer();
    try {
      const started = performance.now();
      const err = await failure(
        createOpenAiStt({ baseUrl: silent.url, model: 'm', timeoutMs: 300 }),
      );
      expect(err.code).toBe('engine-timeout');
      expect(err.retryable).toBe(true);
      expect(err.message).toContain('300 ms');
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      await silent.close();
    }
  });

  it('stops-promptly-without-a-final-when-aborted-mid-request-or-mid-audio', async () => {
    const silent = await startSilentServer();
    try {
      const engine = createOpenAiStt({ baseUrl: silent.url, model: 'm', timeoutMs: 30_000 });
      const inRequest = new AbortController();
      setTimeout(() => inRequest.abort(), 100);
      let started = performance.now();
      expect(await collect(engine.transcribe(stream(SHORT), context(inRequest.signal)))).toEqual(
        [],
      );
      expect(performance.now() - started).toBeLessThan(1_000);
      const sent = silent.received();
      expect(sent).toBeGreaterThan(3_000); // the upload went out before the abort

      // A source that stalls forever must not hold the engine either.
      async function* stalled(): AsyncIterable<AudioChunk> {
        yield* stream(SHORT);
        await new Promise(() => undefined);
      }
      const inAudio = new AbortController();
      setTimeout(() => inAudio.abort(), 100);
      started = performance.now();
      expect(await collect(engine.transcribe(stalled(), context(inAudio.signal)))).toEqual([]);
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(silent.received()).toBe(sent); // nothing more was sent
    } finally {
      await silent.close();
    }
  });

  it('answers-an-empty-final-for-no-audio-without-asking-the-server', async () => {
    const port = await freePort();
    const engine = createOpenAiStt({
      baseUrl: `http://127.0.0.1:${port}`,
      model: 'm',
      timeoutMs: 1_000,
    });
    async function* none(): AsyncIterable<AudioChunk> {}
    expect(await collect(engine.transcribe(none(), context()))).toEqual([
      { type: 'final', text: '', source: 'remote', finalizeMs: 0 },
    ]);
  });

  it('refuses-a-bad-base-url-or-timeout-at-creation', () => {
    expect(() => createOpenAiStt({ baseUrl: 'gpu:8000', model: 'm', timeoutMs: 1 })).toThrow(
      /http\(s\)/,
    );
    expect(() => createOpenAiStt({ baseUrl: 'not a url', model: 'm', timeoutMs: 1 })).toThrow(
      /not a URL/,
    );
    expect(() => createOpenAiStt({ baseUrl: 'http://gpu:8000', model: 'm', timeoutMs: 0 })).toThrow(
      /timeoutMs/,
    );
  });
});
