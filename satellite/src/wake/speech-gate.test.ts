import { describe, expect, it } from 'vitest';
import { SpeechGate } from './speech-gate.js';

/** 20 ms chunks at a steady level (amplitude of a square wave, so RMS equals it). */
function chunks(level: number, ms: number, startMs: number) {
  return Array.from({ length: ms / 20 }, (_, i) => ({
    pcm: Int16Array.from({ length: 320 }, (_, j) => (j % 2 ? level : -level)),
    rate: 16000,
    timestampMs: startMs + i * 20,
  }));
}

function run(gate: SpeechGate, parts: [level: number, ms: number][]) {
  const steps: [number, string][] = [];
  let at = 0;
  for (const [level, ms] of parts) {
    for (const c of chunks(level, ms, at)) {
      const step = gate.push(c);
      if (step) steps.push([c.timestampMs, step]);
    }
    at += ms;
  }
  return steps;
}

describe('speech gate', () => {
  it('opens-on-sustained-sound-and-closes-after-the-hangover', () => {
    const steps = run(new SpeechGate({ openMs: 60, hangoverMs: 400 }), [
      [0, 200],
      [3000, 600],
      [0, 1000],
    ]);
    expect(steps).toEqual([
      [240, 'open'],
      [1180, 'close'],
    ]);
  });

  it('stays-open-through-pauses-between-words', () => {
    const steps = run(new SpeechGate({ hangoverMs: 800 }), [
      [3000, 300],
      [0, 500],
      [3000, 300],
    ]);
    expect(steps.map((s) => s[1])).toEqual(['open']);
  });

  it('ignores-clicks-and-quiet-room-noise', () => {
    const steps = run(new SpeechGate({ thresholdDb: -42 }), [
      [3000, 20],
      [0, 200],
      [100, 2000], // about -50 dBFS
    ]);
    expect(steps).toEqual([]);
  });
});
