import { describe, expect, it } from 'vitest';
import { MicStreamStats } from './stream-stats.js';

describe('MicStreamStats', () => {
  it('measures-lag-against-the-least-delayed-frame', () => {
    const s = new MicStreamStats();
    // Audio every 20 ms; arrivals at 1000 + audio time, but the third one 7 ms late.
    expect(s.lagMs(0, 1003)).toBe(0);
    expect(s.lagMs(20, 1020)).toBe(0); // better than the first: the new baseline
    expect(s.lagMs(40, 1047)).toBe(7);
    expect(s.lagMs(60, 1061)).toBe(1);
  });

  it('treats-a-catch-up-burst-as-on-time', () => {
    const s = new MicStreamStats();
    // A pre-roll of 5 frames sent at once, then real time.
    const lags = [0, 20, 40, 60, 80].map((a) => s.lagMs(a, 500));
    expect(lags).toEqual([0, 0, 0, 0, 0]);
    expect(s.lagMs(100, 520)).toBe(0);
    expect(s.lagMs(120, 545)).toBe(5);
  });
});
