import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { rms, type AudioChunk } from '@jarvis/protocol';
import type { EngineContext } from '../types.js';
import { createEspeakTts } from './espeak.js';

function context(signal = new AbortController().signal): EngineContext {
  return { signal, log: pino({ level: 'silent' }), sessionId: 'test' };
}

async function* pieces(...texts: string[]): AsyncIterable<string> {
  for (const t of texts) {
    await Promise.resolve(); // one piece per turn, like a stream
    yield t;
  }
}

async function collect(chunks: AsyncIterable<AudioChunk>): Promise<AudioChunk[]> {
  const out: AudioChunk[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

function joined(chunks: AudioChunk[]): Int16Array {
  const pcm = new Int16Array(chunks.reduce((n, c) => n + c.pcm.length, 0));
  let at = 0;
  for (const c of chunks) {
    pcm.set(c.pcm, at);
    at += c.pcm.length;
  }
  return pcm;
}

describe('createEspeakTts', () => {
  it('speaks-two-sentences-as-audible-100ms-chunks-with-running-timestamps', async () => {
    const tts = await createEspeakTts();
    expect(tts.sampleRate).toBe(22050);
    const chunks = await collect(
      tts.synthesize(pieces('It is 3:05 PM. The kitchen light is on.'), context()),
    );
    const pcm = joined(chunks);
    const seconds = pcm.length / tts.sampleRate;
    expect(seconds).toBeGreaterThan(1.8);
    expect(seconds).toBeLessThan(5);
    expect(rms(pcm)).toBeGreaterThan(1000);
    let expectedMs = 0;
    for (const c of chunks) {
      expect(c.rate).toBe(22050);
      expect(c.pcm.length).toBeGreaterThan(0);
      expect(c.pcm.length).toBeLessThanOrEqual(2205);
      expect(c.timestampMs).toBeCloseTo(expectedMs, 6);
      expectedMs += (c.pcm.length * 1000) / c.rate;
    }
    await tts.close();
  });

  it('yields-the-first-sentence-before-reading-the-next-piece-of-text', async () => {
    const tts = await createEspeakTts();
    let piecesRead = 0;
    async function* stream(): AsyncIterable<string> {
      for (const t of ['It is 3:05 PM.', ' The kitchen light is on.']) {
        await Promise.resolve();
        piecesRead++;
        yield t;
      }
    }
    const readAtChunk: number[] = [];
    for await (const chunk of tts.synthesize(stream(), context()))
      if (chunk.pcm.length > 0) readAtChunk.push(piecesRead);
    expect(readAtChunk[0]).toBe(1);
    // The first sentence alone fills many chunks before the second piece is asked for.
    expect(readAtChunk.filter((n) => n === 1).length).toBeGreaterThan(5);
    expect(readAtChunk.at(-1)).toBe(2);
  });

  it('stops-when-the-signal-aborts-mid-reply', async () => {
    const tts = await createEspeakTts();
    const whole = await collect(
      tts.synthesize(pieces('It is 3:05 PM. The kitchen light is on.'), context()),
    );
    const controller = new AbortController();
    const got: AudioChunk[] = [];
    for await (const c of tts.synthesize(
      pieces('It is 3:05 PM. The kitchen light is on.'),
      context(controller.signal),
    )) {
      got.push(c);
      if (got.length === 3) controller.abort();
    }
    expect(got).toHaveLength(3);
    expect(whole.length).toBeGreaterThan(10);

    const before = new AbortController();
    before.abort();
    expect(await collect(tts.synthesize(pieces('Hello there.'), context(before.signal)))).toEqual(
      [],
    );
  });

  it('yields-nothing-for-empty-or-blank-text', async () => {
    const tts = await createEspeakTts();
    expect(await collect(tts.synthesize(pieces(), context()))).toEqual([]);
    expect(await collect(tts.synthesize(pieces('', '  ', '\n'), context()))).toEqual([]);
  });

  it('honours-rate-and-speaks-french', async () => {
    const slow = await createEspeakTts({ rateWpm: 120 });
    const fast = await createEspeakTts({ rateWpm: 300 });
    const french = await createEspeakTts({ voice: 'fr' });
    const text = 'The kitchen light is on.';
    const slowPcm = joined(await collect(slow.synthesize(pieces(text), context())));
    const fastPcm = joined(await collect(fast.synthesize(pieces(text), context())));
    expect(slowPcm.length).toBeGreaterThan(fastPcm.length * 1.6);
    const frPcm = joined(
      await collect(french.synthesize(pieces('La lumière de la cuisine est allumée.'), context())),
    );
    expect(rms(frPcm)).toBeGreaterThan(1000);
    expect(french.id).toBe('espeak-ng-wasm:fr');
  });

  it('rejects-an-unknown-voice-and-bad-ranges', async () => {
    await expect(createEspeakTts({ voice: 'xx-nonexistent' })).rejects.toMatchObject({
      code: 'config-invalid',
    });
    await expect(createEspeakTts({ rateWpm: 5 })).rejects.toMatchObject({ code: 'config-invalid' });
    // A failed voice must not leave the shared instance unusable for others.
    const tts = await createEspeakTts();
    expect(
      rms(joined(await collect(tts.synthesize(pieces('Still fine.'), context())))),
    ).toBeGreaterThan(1000);
  });
});
