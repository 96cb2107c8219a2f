import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { AudioChunk, WavAudio } from '@jarvis/protocol';
import {
  mix,
  pinkNoise,
  REFERENCE_NOISE_RMS as NOISE_RMS,
} from '../../../../tests/support/noise.js';
import { concat, speak, TEST_VOICES } from '../../../../tests/support/voices.js';
import type { EngineContext, VadEngine, VadEvent } from '../types.js';
import { createSileroVad } from './silero.js';

const RATE = 16_000;
const SILENCE_MS = 400;

/** An event and how far into the stream the engine had read when it yielded it. */
interface Seen {
  readonly event: VadEvent;
  readonly heardMs: number;
}

function context(signal = new AbortController().signal): EngineContext {
  return { signal, log: pino({ level: 'silent' }), sessionId: 'test' };
}

async function detectAll(engine: VadEngine, pcm: Int16Array, ctx = context()): Promise<Seen[]> {
  const size = 320; // 20 ms, like a satellite's frames
  let heardMs = 0;
  async function* chunks(): AsyncIterable<AudioChunk> {
    for (let i = 0; i < pcm.length; i += size) {
      heardMs = (Math.min(i + size, pcm.length) * 1000) / RATE;
      await nextTurn(); // one chunk per event-loop turn, like a live stream
      yield { pcm: pcm.subarray(i, i + size), rate: RATE, timestampMs: (i * 1000) / RATE };
    }
  }
  const seen: Seen[] = [];
  for await (const event of engine.detect(chunks(), ctx)) seen.push({ event, heardMs });
  return seen;
}

/** First and last 10 ms frame loud enough to be speech: the real speech span, in ms. */
function speechSpan(pcm: Int16Array): { startMs: number; endMs: number } {
  const frame = RATE / 100;
  let startMs = -1;
  let endMs = -1;
  for (let i = 0; i + frame <= pcm.length; i += frame) {
    let sum = 0;
    for (let j = i; j < i + frame; j++) sum += pcm[j]! ** 2;
    if (Math.sqrt(sum / frame) < 300) continue;
    if (startMs < 0) startMs = (i * 1000) / RATE;
    endMs = ((i + frame) * 1000) / RATE;
  }
  return { startMs, endMs };
}

/** One start/end pair, each within `slackMs` of the real span; the end is reported once the
 * hangover has passed, give or take the model's lag. */
function expectOneUtterance(
  seen: readonly Seen[],
  span: { startMs: number; endMs: number },
  slackMs = 150,
): void {
  expect(seen.map((s) => s.event.type)).toEqual(['speech-start', 'speech-end']);
  const [start, end] = seen;
  expect(Math.abs(start!.event.timestampMs - span.startMs)).toBeLessThanOrEqual(slackMs);
  expect(Math.abs(end!.event.timestampMs - span.endMs)).toBeLessThanOrEqual(slackMs);
  expect(end!.heardMs).toBeGreaterThanOrEqual(span.endMs + SILENCE_MS - slackMs);
  expect(end!.heardMs).toBeLessThanOrEqual(span.endMs + SILENCE_MS + slackMs);
}

describe('Silero v5 VAD engine', () => {
  let engine: VadEngine;
  beforeAll(async () => {
    engine = await createSileroVad({ silenceMs: SILENCE_MS });
  });
  afterAll(async () => {
    await engine.close();
  });

  for (const voice of TEST_VOICES) {
    it(`finds-start-and-end-of-a-command-padded-with-silence-${voice}`, async () => {
      const audio = await speak('turn on the kitchen light', voice, {
        leadMs: 1000,
        trailMs: 1500,
      });
      expectOneUtterance(await detectAll(engine, audio.pcm), speechSpan(audio.pcm));
    });
  }

  it('reports-nothing-for-silence', async () => {
    expect(await detectAll(engine, new Int16Array(RATE * 3))).toEqual([]);
  });

  it('reports-nothing-for-pink-noise-alone', async () => {
    const noise = pinkNoise(RATE * 4, NOISE_RMS);
    expect(await detectAll(engine, mix(new Int16Array(RATE * 4), noise))).toEqual([]);
  });

  it('finds-two-utterances-1.5s-apart', async () => {
    const first = await speak('turn on the light', 'festival', { leadMs: 500, trailMs: 0 });
    const second = await speak('what time is it', 'festival', { leadMs: 0, trailMs: 1500 });
    const audio: WavAudio = concat([first, second], 1500);
    const seen = await detectAll(engine, audio.pcm);
    expect(seen.map((s) => s.event.type)).toEqual([
      'speech-start',
      'speech-end',
      'speech-start',
      'speech-end',
    ]);
    const firstSpan = speechSpan(first.pcm);
    expect(Math.abs(seen[1]!.event.timestampMs - firstSpan.endMs)).toBeLessThanOrEqual(150);
  });

  for (const voice of TEST_VOICES) {
    it(`finds-the-end-of-speech-in-pink-noise-${voice}`, async () => {
      const clean = await speak('turn on the kitchen light', voice, {
        leadMs: 1000,
        trailMs: 1500,
      });
      const span = speechSpan(clean.pcm);
      const noisy = mix(clean.pcm, pinkNoise(clean.pcm.length, NOISE_RMS));
      const seen = await detectAll(engine, noisy);
      // In noise Silero's probability decays over a few windows after the speech: more slack.
      expectOneUtterance(seen, span, 250);
    });
  }

  it('keeps-concurrent-streams-apart', async () => {
    const audio = await speak('turn on the kitchen light', 'espeak', {
      leadMs: 1000,
      trailMs: 1500,
    });
    const alone = await detectAll(engine, audio.pcm);
    const [speech, silence] = await Promise.all([
      detectAll(engine, audio.pcm),
      detectAll(engine, new Int16Array(audio.pcm.length)),
    ]);
    expect(speech.map((s) => s.event)).toEqual(alone.map((s) => s.event));
    expect(silence).toEqual([]);
  });

  it('closes-an-utterance-cut-off-by-the-end-of-audio', async () => {
    const audio = await speak('turn on the kitchen light', 'festival', { leadMs: 500, trailMs: 0 });
    const seen = await detectAll(engine, audio.pcm);
    expect(seen.map((s) => s.event.type)).toEqual(['speech-start', 'speech-end']);
    expect(seen[1]!.event.timestampMs).toBeLessThanOrEqual((audio.pcm.length * 1000) / RATE);
  });

  it('stops-when-the-signal-aborts', async () => {
    const audio = await speak('turn on the kitchen light', 'flite');
    const controller = new AbortController();
    controller.abort();
    expect(await detectAll(engine, audio.pcm, context(controller.signal))).toEqual([]);
  });
});
