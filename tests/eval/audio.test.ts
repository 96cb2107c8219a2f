import { describe, expect, it } from 'vitest';
import { join16k, mapLimit, table } from './audio.js';

describe('eval audio helpers', () => {
  it('joins-clips-with-gaps-and-reports-where-each-starts', () => {
    const { pcm, starts } = join16k([Int16Array.of(1, 2), Int16Array.of(3)], 0.125); // 2 samples
    expect(starts).toEqual([0, 4]);
    expect([...pcm]).toEqual([1, 2, 0, 0, 3, 0, 0]);
  });

  it('maps-with-bounded-concurrency-in-order', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimit([3, 1, 2, 5], 2, async (x) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, x));
      inFlight--;
      return x * 10;
    });
    expect(out).toEqual([30, 10, 20, 50]);
    expect(most).toBe(2);
  });

  it('aligns-text-left-and-numbers-right', () => {
    expect(
      table(
        ['name', 'n'],
        [
          ['a', 1],
          ['bbb', 100],
        ],
      ).split('\n'),
    ).toEqual(['name    n', '----  ---', 'a       1', 'bbb   100']);
  });
});
