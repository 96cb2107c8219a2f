import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { rms, type AudioChunk } from '@jarvis/protocol';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { speak } from '../../../../tests/support/voices.js';
import { AppError } from '../../errors.js';
import { HubMetrics } from '../../metrics/metrics.js';
import { createPocketsphinxStt, type PocketsphinxStt } from '../stt/pocketsphinx.js';
import { TEST_GRAMMAR } from '../stt/test-grammar.js';
import { createEspeakTts } from '../tts/espeak.js';
import type { EngineContext, EngineFallback, SttEngine, SttEvent, TtsEngine } from '../types.js';
import { AudioTape } from './audio-tape.js';
import { resilientStt } from './resilient-stt.js';
import { resilientTts } from './resilient-tts.js';

function context(fallbacks: EngineFallback[] = [], signal = new AbortController().signal) {
  const ctx: EngineContext = {
    signal,
    log: pino({ level: 'silent' }),
    sessionId: 'test',
    onFallback: (f) => fallbacks.push(f),
  };
  return ctx;
}

async function* stream(pcm: Int16Array): AsyncIterable<AudioChunk> {
  for (let i = 0; i < pcm.length; i += 320) {
    await nextTurn();
    yield { pcm: pcm.subarray(i, i + 320), rate: 16_000, timestampMs: i / 16 };
  }
}

async function* words(...pieces: string[]): AsyncIterable<string> {
  for (const p of pieces) yield p;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/**
 * Stands in for a remote engine's failure modes (down, flaky, hung), which the remote clients'
 * own tests produce for real; here the point is what the wrapper does with them.
 */
function scriptedStt(
  id: string,
  /** 'unavailable', 'bad-request' or 'hang'; any other text is the transcript. */
  behaviour: (call: number, samples: number) => string,
): SttEngine & { calls: number; heard: number[] } {
  const engine = {
    id,
    calls: 0,
    heard: [] as number[],
    setGrammar: () => undefined,
    async *transcribe(
      audio: AsyncIterable<AudioChunk>,
      ctx: EngineContext,
    ): AsyncGenerator<SttEvent> {
      const call = engine.calls++;
      let samples = 0;
      for await (const c of audio) samples += c.pcm.length;
      engine.heard.push(samples);
      const what = behaviour(call, samples);
      if (what === 'unavailable')
        throw new AppError('engine-unavailable', `${id} unreachable`, true);
      if (what === 'bad-request') throw new AppError('stt-failed', `${id} refused`, false);
      if (what === 'hang') {
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
        return;
      }
      yield { type: 'final', text: what, source: 'remote', finalizeMs: 0 };
    },
    close: async () => undefined,
  };
  return engine;
}

function scriptedTts(id: string, failAfterChunks: number | 'never', hang = false): TtsEngine {
  return {
    id,
    sampleRate: 22_050,
    async *synthesize(text, ctx) {
      for await (const piece of text) {
        if (failAfterChunks === 0 && !hang)
          throw new AppError('engine-unavailable', `${id} down`, true);
        if (hang && failAfterChunks === 0) {
          await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
          return;
        }
        for (let i = 0; failAfterChunks === 'never' || i < failAfterChunks; i++) {
          yield { pcm: new Int16Array(2205).fill(1000), rate: 22_050, timestampMs: i * 100 };
          if (failAfterChunks === 'never' && i >= piece.length / 10) return;
        }
        throw new AppError('engine-unavailable', `${id} dropped`, true);
      }
    },
    close: async () => undefined,
  };
}

describe('audio tape', () => {
  it('gives-each-reader-the-whole-stream-from-the-start', async () => {
    const tape = AudioTape.record(stream(new Int16Array(3200)), new AbortController().signal);
    const first = await collect(tape.read(new AbortController().signal));
    const second = await collect(tape.read(new AbortController().signal));
    expect(first.map((c) => c.timestampMs)).toEqual([0, 20, 40, 60, 80, 100, 120, 140, 160, 180]);
    expect(second).toEqual(first);
  });

  it('passes-a-source-error-to-readers', async () => {
    async function* broken(): AsyncIterable<AudioChunk> {
      yield { pcm: new Int16Array(320), rate: 16_000, timestampMs: 0 };
      throw new Error('microphone gone');
    }
    const tape = AudioTape.record(broken(), new AbortController().signal);
    await expect(collect(tape.read(new AbortController().signal))).rejects.toThrow(
      'microphone gone',
    );
  });
});

describe('resilient stt', () => {
  let pocketsphinx: PocketsphinxStt;
  let command: Int16Array;
  beforeAll(async () => {
    pocketsphinx = createPocketsphinxStt({ grammar: TEST_GRAMMAR });
    command = (await speak('turn on the kitchen light', 'flite')).pcm;
  });
  afterAll(async () => {
    await pocketsphinx?.close();
  });

  it('falls-back-to-the-embedded-engine-when-the-remote-one-is-down', async () => {
    const metrics = new HubMetrics();
    const remote = scriptedStt('wyoming:tcp://gpu:10300', () => 'unavailable');
    const stt = resilientStt([remote, pocketsphinx], { retries: 1, timeoutMs: 2000, metrics });
    const fallbacks: EngineFallback[] = [];
    const events = await collect(stt.transcribe(stream(command), context(fallbacks)));
    const final = events.at(-1);
    expect(final).toMatchObject({ type: 'final', engine: 'pocketsphinx' });
    expect(final?.type === 'final' && final.text).toBe('turn on the kitchen light');
    expect(remote.calls).toBe(2); // the retryable failure was retried once
    expect(fallbacks).toEqual([
      {
        kind: 'stt',
        from: 'wyoming:tcp://gpu:10300',
        to: 'pocketsphinx',
        code: 'engine-unavailable',
        message: 'wyoming:tcp://gpu:10300 unreachable',
      },
    ]);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(
      /jarvis_engine_fallbacks_total\{kind="stt",from="wyoming:tcp:\/\/gpu:10300",to="pocketsphinx"\} 1/,
    );
    expect(text).toMatch(
      /jarvis_engine_failures_total\{kind="stt",engine="wyoming:tcp:\/\/gpu:10300",code="engine-unavailable"\} 2/,
    );
  });

  it('retries-a-flaky-engine-with-the-whole-utterance', async () => {
    const flaky = scriptedStt('flaky', (call) => (call === 0 ? 'unavailable' : 'hello'));
    const fallbacks: EngineFallback[] = [];
    const stt = resilientStt([flaky, pocketsphinx], { retries: 2, timeoutMs: 2000 });
    const events = await collect(stt.transcribe(stream(command), context(fallbacks)));
    expect(events.at(-1)).toMatchObject({ type: 'final', text: 'hello', engine: 'flaky' });
    expect(flaky.heard).toEqual([command.length, command.length]);
    expect(fallbacks).toEqual([]);
  });

  it('falls-back-at-once-on-a-non-retryable-failure', async () => {
    const refusing = scriptedStt('refusing', () => 'bad-request');
    const second = scriptedStt('second', () => 'ok then');
    const fallbacks: EngineFallback[] = [];
    const stt = resilientStt([refusing, second], { retries: 3, timeoutMs: 2000 });
    const events = await collect(stt.transcribe(stream(command), context(fallbacks)));
    expect(events.at(-1)).toMatchObject({ text: 'ok then', engine: 'second' });
    expect(refusing.calls).toBe(1);
    expect(fallbacks[0]?.code).toBe('stt-failed');
  });

  it('times-out-a-hung-engine-after-the-audio-ends-and-falls-back', async () => {
    const hung = scriptedStt('hung', () => 'hang');
    const fallbacks: EngineFallback[] = [];
    const stt = resilientStt([hung, pocketsphinx], { retries: 0, timeoutMs: 300 });
    const started = performance.now();
    const events = await collect(stt.transcribe(stream(command), context(fallbacks)));
    const audioMs = command.length / 16;
    expect(events.at(-1)).toMatchObject({ text: 'turn on the kitchen light' });
    expect(fallbacks[0]).toMatchObject({ from: 'hung', code: 'engine-timeout' });
    // Streaming takes about as long as event-loop turns allow; the timeout adds ~300 ms.
    expect(performance.now() - started).toBeLessThan(audioMs + 3000);
  });

  it('throws-the-last-failure-when-every-engine-fails', async () => {
    const a = scriptedStt('a', () => 'unavailable');
    const b = scriptedStt('b', () => 'bad-request');
    const stt = resilientStt([a, b], { retries: 0, timeoutMs: 2000 });
    await expect(collect(stt.transcribe(stream(command), context()))).rejects.toMatchObject({
      code: 'stt-failed',
      message: 'b refused',
    });
  });

  it('stops-without-falling-back-when-the-session-is-cancelled', async () => {
    const hung = scriptedStt('hung', () => 'hang');
    const session = new AbortController();
    const fallbacks: EngineFallback[] = [];
    const stt = resilientStt([hung, pocketsphinx], { retries: 2, timeoutMs: 10_000 });
    setTimeout(() => session.abort(new Error('cancelled')), 200);
    const started = performance.now();
    await collect(stt.transcribe(stream(command), context(fallbacks, session.signal)));
    expect(performance.now() - started).toBeLessThan(command.length / 16 + 1000);
    expect(fallbacks).toEqual([]);
  });
});

describe('resilient tts', () => {
  let espeak: TtsEngine;
  beforeAll(async () => {
    espeak = await createEspeakTts();
  });
  afterAll(async () => {
    await espeak?.close();
  });

  it('speaks-with-the-fallback-when-the-remote-engine-is-down-and-stays-on-it', async () => {
    const down = scriptedTts('piper', 0);
    const fallbacks: EngineFallback[] = [];
    const tts = resilientTts([down, espeak], { retries: 0, timeoutMs: 2000 });
    const chunks = await collect(
      tts.synthesize(words('The kitchen light is on.', 'Anything else?'), context(fallbacks)),
    );
    expect(chunks.every((c) => c.rate === espeak.sampleRate)).toBe(true);
    const pcm = Int16Array.from(chunks.flatMap((c) => [...c.pcm]));
    expect(pcm.length / espeak.sampleRate).toBeGreaterThan(1.5);
    expect(rms(pcm)).toBeGreaterThan(500);
    expect(fallbacks).toEqual([
      {
        kind: 'tts',
        from: 'piper',
        to: espeak.id,
        code: 'engine-unavailable',
        message: 'piper down',
      },
    ]);
  });

  it('ends-the-reply-when-an-engine-fails-mid-sentence-rather-than-repeat-words', async () => {
    const dropping = scriptedTts('piper', 2);
    const fallbacks: EngineFallback[] = [];
    const tts = resilientTts([dropping, espeak], { retries: 1, timeoutMs: 2000 });
    const seen: AudioChunk[] = [];
    await expect(async () => {
      for await (const c of tts.synthesize(words('Hello there.'), context(fallbacks))) seen.push(c);
    }).rejects.toMatchObject({ code: 'engine-unavailable' });
    expect(seen).toHaveLength(2);
    expect(fallbacks).toEqual([]);
  });

  it('times-out-an-engine-that-stops-sending-audio', async () => {
    const hung = scriptedTts('piper', 0, true);
    const fallbacks: EngineFallback[] = [];
    const tts = resilientTts([hung, espeak], { retries: 0, timeoutMs: 200 });
    const started = performance.now();
    const chunks = await collect(tts.synthesize(words('Hello.'), context(fallbacks)));
    expect(chunks.length).toBeGreaterThan(0);
    expect(fallbacks[0]).toMatchObject({ from: 'piper', code: 'engine-timeout' });
    expect(performance.now() - started).toBeLessThan(1500);
    await sleep(0);
  });
});
