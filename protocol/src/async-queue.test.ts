import { describe, expect, it } from 'vitest';
import { AsyncQueue, delay } from './async-queue.js';

describe('AsyncQueue', () => {
  it('delivers-items-pushed-before-and-while-the-consumer-waits-then-ends', async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    const seen: number[] = [];
    const done = (async () => {
      for await (const n of q) seen.push(n);
    })();
    await delay(5);
    q.push(2);
    q.push(3);
    q.end();
    q.push(4);
    await done;
    expect(seen).toEqual([1, 2, 3]);
    expect(q.isEnded).toBe(true);
  });

  it('delay-rejects-when-aborted', async () => {
    const ac = new AbortController();
    const p = delay(10_000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
  });
});
