import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioChunk, WavAudio } from '@jarvis/protocol';
import { concat, speak, TEST_VOICES } from '../../../tests/support/voices.js';
import { createOpenWakeWord, DEFAULT_WAKE_THRESHOLD } from './openwakeword.js';
import type { WakeDetection, WakeEngine } from '@jarvis/protocol';

const RATE = 16_000;

/** Splits PCM into chunks of `size` samples with stream timestamps starting at `startMs`. */
async function* chunks(pcm: Int16Array, size: number, startMs = 0): AsyncIterable<AudioChunk> {
  for (let i = 0; i < pcm.length; i += size) {
    await nextTurn(); // one chunk per event-loop turn, like a live stream
    yield { pcm: pcm.subarray(i, i + size), rate: RATE, timestampMs: startMs + (i * 1000) / RATE };
  }
}

async function detectAll(
  engine: WakeEngine,
  pcm: Int16Array,
  size = 1280,
  startMs = 0,
): Promise<WakeDetection[]> {
  const out: WakeDetection[] = [];
  for await (const d of engine.detect(chunks(pcm, size, startMs), new AbortController().signal))
    out.push(d);
  return out;
}

/** Start of the first 10 ms frame loud enough to be speech, in ms. */
function onsetMs(audio: WavAudio): number {
  const frame = RATE / 100;
  for (let i = 0; i + frame <= audio.pcm.length; i += frame) {
    let sum = 0;
    for (let j = i; j < i + frame; j++) sum += audio.pcm[j]! ** 2;
    if (Math.sqrt(sum / frame) > 300) return (i * 1000) / RATE;
  }
  throw new Error('no speech in clip');
}

describe('openWakeWord engine (hey_jarvis)', () => {
  let engine: WakeEngine;
  beforeAll(async () => {
    engine = await createOpenWakeWord();
  });
  afterAll(async () => {
    await engine.close();
  });

  for (const voice of TEST_VOICES) {
    it(`detects-hey-jarvis-once-shortly-after-the-phrase-${voice}`, async () => {
      const audio = await speak('hey jarvis', voice);
      engine.reset();
      // Odd chunk size: the engine must re-frame into 80 ms steps itself.
      const found = await detectAll(engine, audio.pcm, 317);
      expect(found).toHaveLength(1);
      const [hit] = found;
      expect(hit!.name).toBe('hey_jarvis');
      expect(hit!.score).toBeGreaterThanOrEqual(DEFAULT_WAKE_THRESHOLD);
      const onset = onsetMs(audio);
      expect(hit!.timestampMs).toBeGreaterThan(onset + 300);
      expect(hit!.timestampMs).toBeLessThan(onset + 1800);
    });

    it(`detects-hey-jarvis-followed-by-a-command-once-${voice}`, async () => {
      const audio = await speak('hey jarvis, turn on the kitchen light', voice);
      engine.reset();
      const found = await detectAll(engine, audio.pcm);
      expect(found).toHaveLength(1);
      expect(found[0]!.score).toBeGreaterThanOrEqual(DEFAULT_WAKE_THRESHOLD);
    });

    it(`ignores-ordinary-speech-${voice}`, async () => {
      const sentences = [
        'what is the weather like tomorrow',
        'please turn off the living room lamp',
        'the quick brown fox jumps over the lazy dog',
        'set a timer for ten minutes',
      ];
      const clips = await Promise.all(
        sentences.map((s) => speak(s, voice, { leadMs: 200, trailMs: 300 })),
      );
      engine.reset();
      expect(await detectAll(engine, concat(clips, 500).pcm, 800)).toEqual([]);
    });
  }

  it('gives-two-detections-for-two-phrases-3s-apart', async () => {
    const clip = await speak('hey jarvis', 'festival');
    const audio = concat([clip, clip], 3000);
    engine.reset();
    const found = await detectAll(engine, audio.pcm, 1600);
    expect(found).toHaveLength(2);
    const gapMs = found[1]!.timestampMs - found[0]!.timestampMs;
    const clipMs = (clip.pcm.length * 1000) / RATE;
    expect(Math.abs(gapMs - (clipMs + 3000))).toBeLessThan(200);
  });

  it('reset-forgets-the-audio-heard-so-far', async () => {
    const audio = await speak('hey jarvis', 'espeak');
    engine.reset();
    const [hit] = await detectAll(engine, audio.pcm);
    expect(hit).toBeDefined();
    // Cut one 80 ms step before the detecting step: the first part alone does not trigger.
    const cut = Math.round((hit!.timestampMs * RATE) / 1000) - 1280;
    const head = audio.pcm.subarray(0, cut);
    const tail = audio.pcm.subarray(cut);
    const tailStartMs = (cut * 1000) / RATE;

    engine.reset();
    expect(await detectAll(engine, head)).toEqual([]);
    // Without reset the context carries over into the next stream and the phrase completes...
    expect(await detectAll(engine, tail, 1280, tailStartMs)).toHaveLength(1);

    engine.reset();
    expect(await detectAll(engine, head)).toEqual([]);
    engine.reset();
    // ...with reset only the end of "jarvis" is left, which is not the wake word.
    expect(await detectAll(engine, tail, 1280, tailStartMs)).toEqual([]);
  });

  it('stops-when-the-signal-aborts', async () => {
    const audio = await speak('hey jarvis', 'flite');
    engine.reset();
    const controller = new AbortController();
    controller.abort();
    const found: WakeDetection[] = [];
    for await (const d of engine.detect(chunks(audio.pcm, 1280), controller.signal)) found.push(d);
    expect(found).toEqual([]);
  });
});
