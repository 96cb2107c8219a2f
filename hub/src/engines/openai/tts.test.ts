import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav, rms, type AudioChunk } from '@jarvis/protocol';
import { freePort } from '../../../../tests/support/servers.js';
import {
  embeddedEngines,
  startFakeServer,
  startSilentServer,
  startSpeechApi,
  type SpeechApi,
} from '../../../../tests/support/speech-api.js';
import { AppError } from '../../errors.js';
import type { EngineContext, SttEngine, TtsEngine } from '../types.js';
import { createOpenAiTts } from './tts.js';

const KEY = 'tts-test-key-ABCDEF';

function context(signal = new AbortController().signal): EngineContext {
  return { signal, log: pino({ level: 'silent' }), sessionId: 'test' };
}

async function* pieces(...texts: string[]): AsyncIterable<string> {
  for (const t of texts) {
    await Promise.resolve();
    yield t;
  }
}

async function collect(chunks: AsyncIterable<AudioChunk>): Promise<AudioChunk[]> {
  const out: AudioChunk[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

function joined(chunks: readonly AudioChunk[]): Int16Array {
  const pcm = new Int16Array(chunks.reduce((n, c) => n + c.pcm.length, 0));
  let at = 0;
  for (const c of chunks) {
    pcm.set(c.pcm, at);
    at += c.pcm.length;
  }
  return pcm;
}

async function failure(engine: TtsEngine, text = 'Hello there.'): Promise<AppError> {
  const err: unknown = await collect(engine.synthesize(pieces(text), context())).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).message).not.toContain(KEY);
  return err as AppError;
}

/** A fake server answering every speech request with this WAV. */
function wavServer(wav: Uint8Array): ReturnType<typeof startFakeServer> {
  return startFakeServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'audio/wav' });
    res.end(wav);
  });
}

describe('createOpenAiTts', () => {
  let stt: SttEngine;
  let tts: TtsEngine;
  let api: SpeechApi;

  beforeAll(async () => {
    ({ stt, tts } = await embeddedEngines());
    api = await startSpeechApi({ stt, tts, apiKeys: [KEY] });
  });
  afterAll(async () => {
    await api.close();
    await stt.close();
    await tts.close();
  });

  it('speaks-two-sentences-through-the-hubs-own-speech-api-as-100ms-chunks', async () => {
    const engine = createOpenAiTts({
      baseUrl: api.url,
      apiKey: KEY,
      model: 'espeak',
      voice: 'en-us',
      timeoutMs: 10_000,
      sampleRate: tts.sampleRate,
    });
    expect(engine.sampleRate).toBe(22_050);
    const chunks = await collect(
      engine.synthesize(pieces('It is 3:05 PM. ', 'The kitchen light is on.'), context()),
    );
    const pcm = joined(chunks);
    expect(pcm.length / engine.sampleRate).toBeGreaterThan(1.5);
    expect(rms(pcm)).toBeGreaterThan(1000);
    let expectedMs = 0;
    for (const c of chunks) {
      expect(c.rate).toBe(22_050);
      expect(c.pcm.length).toBeGreaterThan(0);
      expect(c.pcm.length).toBeLessThanOrEqual(2205);
      expect(c.timestampMs).toBeCloseTo(expectedMs, 6);
      expectedMs += (c.pcm.length * 1000) / c.rate;
    }
    await engine.close();
  });

  it('resamples-to-its-declared-rate-when-the-server-answers-at-another', async () => {
    const engine = createOpenAiTts({
      baseUrl: `${api.url}/v1`,
      apiKey: KEY,
      model: 'espeak',
      voice: 'en-us',
      timeoutMs: 10_000,
    });
    expect(engine.sampleRate).toBe(24_000);
    const chunks = await collect(engine.synthesize(pieces('Done.'), context()));
    expect(chunks.every((c) => c.rate === 24_000 && c.pcm.length <= 2400)).toBe(true);
    expect(rms(joined(chunks))).toBeGreaterThan(500);
  });

  it('downmixes-a-stereo-answer-and-rejects-one-that-is-not-16-bit-pcm', async () => {
    const stereo = new Int16Array(2 * 16_000);
    for (let i = 0; i < 16_000; i++) {
      stereo[2 * i] = 1000;
      stereo[2 * i + 1] = 3000;
    }
    const twoChannels = await wavServer(encodeWav({ rate: 16_000, channels: 2, pcm: stereo }));
    try {
      const engine = createOpenAiTts({
        baseUrl: twoChannels.url,
        model: 'm',
        voice: 'v',
        timeoutMs: 5_000,
        sampleRate: 16_000,
      });
      const pcm = joined(await collect(engine.synthesize(pieces('One.'), context())));
      expect(pcm.length).toBe(16_000);
      expect(pcm.every((s) => s === 2000)).toBe(true);
    } finally {
      await twoChannels.close();
    }

    const float = encodeWav({ rate: 16_000, channels: 1, pcm: new Int16Array(3200) });
    new DataView(float.buffer).setUint16(20, 3, true); // WAVE_FORMAT_IEEE_FLOAT
    new DataView(float.buffer).setUint16(34, 32, true);
    const floats = await wavServer(float);
    try {
      const err = await failure(
        createOpenAiTts({ baseUrl: floats.url, model: 'm', voice: 'v', timeoutMs: 5_000 }),
      );
      expect(err.code).toBe('engine-protocol');
      expect(err.message).toMatch(
        /16-bit PCM WAV \(unsupported WAV encoding \(codec 3, 32 bits\)\)/,
      );
    } finally {
      await floats.close();
    }
  });

  it('fails-with-tts-failed-and-the-servers-message-on-a-4xx', async () => {
    const err = await failure(
      createOpenAiTts({
        baseUrl: api.url,
        apiKey: 'wrong-key',
        model: 'm',
        voice: 'v',
        timeoutMs: 5_000,
      }),
    );
    expect(err.code).toBe('tts-failed');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('invalid API key');
  });

  it('maps-5xx-to-engine-unavailable-and-an-unreachable-server-to-one-naming-the-url', async () => {
    const fake = await startFakeServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'warming up', type: 'server_error' } }));
    });
    try {
      const err = await failure(
        createOpenAiTts({
          baseUrl: fake.url,
          apiKey: KEY,
          model: 'm',
          voice: 'v',
          timeoutMs: 5_000,
        }),
      );
      expect(err).toMatchObject({ code: 'engine-unavailable', retryable: true });
      expect(err.message).toContain('warming up');
    } finally {
      await fake.close();
    }
    const port = await freePort();
    const err = await failure(
      createOpenAiTts({
        baseUrl: `http://127.0.0.1:${port}`,
        apiKey: KEY,
        model: 'm',
        voice: 'v',
        timeoutMs: 5_000,
      }),
    );
    expect(err).toMatchObject({ code: 'engine-unavailable', retryable: true });
    expect(err.message).toContain(`http://127.0.0.1:${port}/v1/audio/speech`);
  });

  it('times-out-and-stops-promptly-when-aborted-against-a-server-that-never-answers', async () => {
    const silent = await startSilentServer();
    try {
      const timeout = await failure(
        createOpenAiTts({ baseUrl: silent.url, model: 'm', voice: 'v', timeoutMs: 300 }),
      );
      expect(timeout).toMatchObject({ code: 'engine-timeout', retryable: true });

      const engine = createOpenAiTts({
        baseUrl: silent.url,
        model: 'm',
        voice: 'v',
        timeoutMs: 30_000,
      });
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 100);
      const started = performance.now();
      expect(await collect(engine.synthesize(pieces('Hello.'), context(abort.signal)))).toEqual([]);
      expect(performance.now() - started).toBeLessThan(1_000);
    } finally {
      await silent.close();
    }
  });
});
