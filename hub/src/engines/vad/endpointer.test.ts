import { describe, expect, it } from 'vitest';
import type { VadEvent } from '../types.js';
import { Endpointer } from './endpointer.js';

const WINDOW_MS = 32;

/** Feeds one probability per 32 ms window from t = 0 and collects the events, then finishes. */
function run(endpointer: Endpointer, probabilities: readonly number[], finish = true): VadEvent[] {
  const events: VadEvent[] = [];
  probabilities.forEach((p, i) => {
    const event = endpointer.push(p, i * WINDOW_MS, WINDOW_MS);
    if (event) events.push(event);
  });
  const last = finish ? endpointer.finish(probabilities.length * WINDOW_MS) : undefined;
  if (last) events.push(last);
  return events;
}

const repeat = (p: number, windows: number): number[] => Array.from({ length: windows }, () => p);

describe('Endpointer', () => {
  it('reports-speech-start-at-onset-once-speech-lasts-min-speech', () => {
    const endpointer = new Endpointer({ minSpeechMs: 150 });
    const seen: { event: VadEvent; window: number }[] = [];
    [...repeat(0.05, 10), ...repeat(0.9, 10)].forEach((p, window) => {
      const event = endpointer.push(p, window * WINDOW_MS, WINDOW_MS);
      if (event) seen.push({ event, window });
    });
    // Onset at window 10 (320 ms); 5 windows = 160 ms >= 150 ms, so confirmed at window 14.
    expect(seen).toEqual([{ event: { type: 'speech-start', timestampMs: 320 }, window: 14 }]);
    expect(endpointer.inSpeech).toBe(true);
  });

  it('ignores-a-blip-shorter-than-min-speech', () => {
    const events = run(new Endpointer({ minSpeechMs: 150 }), [
      ...repeat(0.1, 5),
      ...repeat(0.95, 3),
      ...repeat(0.1, 20),
    ]);
    expect(events).toEqual([]);
  });

  it('keeps-an-onset-through-probabilities-between-the-thresholds', () => {
    const events = run(
      new Endpointer({ threshold: 0.5, negativeThreshold: 0.35, minSpeechMs: 150 }),
      [...repeat(0.1, 2), 0.8, ...repeat(0.4, 6), ...repeat(0.1, 20)],
    );
    expect(events[0]).toEqual({ type: 'speech-start', timestampMs: 64 });
  });

  it('reports-speech-end-at-the-start-of-silence-after-the-hangover', () => {
    const endpointer = new Endpointer({ minSpeechMs: 100, silenceMs: 400 });
    const probabilities = [...repeat(0.9, 20), ...repeat(0.02, 12), ...repeat(0.02, 1)];
    const events = run(endpointer, probabilities, false);
    // Silence from window 20 (640 ms); 13 windows = 416 ms >= 400 ms.
    expect(events).toEqual([
      { type: 'speech-start', timestampMs: 0 },
      { type: 'speech-end', timestampMs: 640 },
    ]);
    // One window less is still inside the hangover.
    const short = run(
      new Endpointer({ minSpeechMs: 100, silenceMs: 400 }),
      probabilities.slice(0, -1),
      false,
    );
    expect(short).toEqual([{ type: 'speech-start', timestampMs: 0 }]);
  });

  it('does-not-end-speech-on-a-pause-shorter-than-the-hangover', () => {
    const events = run(new Endpointer({ silenceMs: 400 }), [
      ...repeat(0.9, 10),
      ...repeat(0.05, 8), // 256 ms pause
      ...repeat(0.9, 10),
      ...repeat(0.05, 20),
    ]);
    expect(events).toEqual([
      { type: 'speech-start', timestampMs: 0 },
      { type: 'speech-end', timestampMs: 28 * WINDOW_MS },
    ]);
  });

  it('does-not-end-speech-while-probability-stays-above-the-negative-threshold', () => {
    const events = run(
      new Endpointer({ threshold: 0.5, negativeThreshold: 0.35, silenceMs: 200 }),
      [...repeat(0.9, 10), ...repeat(0.4, 30)],
      false,
    );
    expect(events).toEqual([{ type: 'speech-start', timestampMs: 0 }]);
  });

  it('finds-two-utterances', () => {
    const events = run(new Endpointer({ minSpeechMs: 150, silenceMs: 400 }), [
      ...repeat(0.01, 5),
      ...repeat(0.9, 20),
      ...repeat(0.01, 40),
      ...repeat(0.9, 20),
      ...repeat(0.01, 40),
    ]);
    expect(events).toEqual([
      { type: 'speech-start', timestampMs: 5 * WINDOW_MS },
      { type: 'speech-end', timestampMs: 25 * WINDOW_MS },
      { type: 'speech-start', timestampMs: 65 * WINDOW_MS },
      { type: 'speech-end', timestampMs: 85 * WINDOW_MS },
    ]);
  });

  it('finish-closes-open-speech-and-drops-an-unconfirmed-onset', () => {
    expect(run(new Endpointer(), repeat(0.9, 10))).toEqual([
      { type: 'speech-start', timestampMs: 0 },
      { type: 'speech-end', timestampMs: 320 },
    ]);
    expect(run(new Endpointer(), [...repeat(0.9, 10), ...repeat(0.1, 3)])).toEqual([
      { type: 'speech-start', timestampMs: 0 },
      { type: 'speech-end', timestampMs: 320 },
    ]);
    expect(run(new Endpointer({ minSpeechMs: 150 }), repeat(0.9, 2))).toEqual([]);
  });

  it('defaults-negative-threshold-to-threshold-minus-0.15', () => {
    expect(new Endpointer({ threshold: 0.6 }).negativeThreshold).toBeCloseTo(0.45);
    expect(() => new Endpointer({ threshold: 0.3, negativeThreshold: 0.5 })).toThrow(RangeError);
  });
});
