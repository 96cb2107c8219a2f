import { describe, expect, it } from 'vitest';
import { rmsDb, SILENCE_DB } from './audio-level.js';

describe('rmsDb', () => {
  it('full-scale square wave is 0 dBFS, half amplitude about -6 dB', () => {
    const full = Int16Array.from({ length: 320 }, (_, i) => (i % 2 ? 32767 : -32768));
    const half = full.map((s) => s / 2);
    expect(rmsDb([full])).toBeCloseTo(0, 1);
    expect(rmsDb([half])).toBeCloseTo(-6.02, 1);
  });

  it('averages over every chunk, not per chunk', () => {
    const loud = new Int16Array(160).fill(16384);
    const quiet = new Int16Array(160);
    expect(rmsDb([loud, quiet])).toBeCloseTo(rmsDb([loud]) - 3.01, 1);
  });

  it('silence and no audio read as the floor, never -Infinity', () => {
    expect(rmsDb([])).toBe(SILENCE_DB);
    expect(rmsDb([new Int16Array(320)])).toBe(SILENCE_DB);
  });
});
