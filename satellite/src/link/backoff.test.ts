import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('reconnect backoff', () => {
  it('doubles-up-to-the-cap-with-jitter-in-the-upper-half', () => {
    const low = new Backoff(100, 1000, () => 0);
    expect([1, 2, 3, 4, 5, 6].map(() => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
    const high = new Backoff(100, 1000, () => 1);
    expect([1, 2, 3, 4, 5].map(() => high.next())).toEqual([100, 200, 400, 800, 1000]);
  });

  it('starts-again-after-reset', () => {
    const b = new Backoff(100, 1000, () => 1);
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(100);
  });

  it('a-hundred-satellites-resume-within-seconds-of-a-hub-restart-without-a-stampede', () => {
    // The hub is down for 20 s; each satellite retries on its own jittered schedule.
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const downMs = 20_000;
    const back: number[] = [];
    for (let i = 0; i < 100; i++) {
      const b = new Backoff(500, 10_000, random);
      // Each noticed the drop at a slightly different moment.
      let t = random() * 1000;
      while (t < downMs) t += b.next();
      back.push(t - downMs);
    }
    expect(Math.max(...back)).toBeLessThanOrEqual(10_000);
    // Spread out: no second of the recovery takes more than a fifth of them.
    const perSecond = new Map<number, number>();
    for (const t of back)
      perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(20);
  });
});
