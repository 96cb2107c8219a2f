import { describe, expect, it } from 'vitest';
import { ReorderBuffer } from './reorder.js';

/** Pushes each sequence (the item is the sequence itself) and returns everything released. */
function run(buffer: ReorderBuffer<number>, sequences: number[]): number[] {
  return sequences.flatMap((s) => buffer.push(s, s));
}

describe('ReorderBuffer', () => {
  it('passes-in-order-frames-at-once', () => {
    const b = new ReorderBuffer<number>(4);
    for (const s of [7, 8, 9]) expect(b.push(s, s)).toEqual([s]);
    expect(b.counts).toEqual({ missing: 0, duplicates: 0, reordered: 0, late: 0 });
  });

  it('puts-swapped-frames-back-in-order', () => {
    const b = new ReorderBuffer<number>(4);
    expect(run(b, [0, 2, 1, 4, 3, 5])).toEqual([0, 1, 2, 3, 4, 5]);
    expect(b.counts).toMatchObject({ missing: 0, reordered: 2 });
  });

  it('drops-duplicates-passed-or-held', () => {
    const b = new ReorderBuffer<number>(4);
    expect(run(b, [0, 1, 1, 0, 3, 3, 2])).toEqual([0, 1, 2, 3]);
    expect(b.counts).toMatchObject({ duplicates: 3, missing: 0 });
  });

  it('gives-up-on-a-gap-past-the-window-and-counts-it', () => {
    const b = new ReorderBuffer<number>(3);
    // 2 never comes: 3, 4, 5 are held; 6 makes four, so the gap is given up on.
    expect(run(b, [0, 1, 3, 4, 5])).toEqual([0, 1]);
    expect(b.push(6, 6)).toEqual([3, 4, 5, 6]);
    expect(b.counts.missing).toBe(1);
    // The lost frame turning up afterwards is late, not played out of order.
    expect(b.push(2, 2)).toEqual([]);
    expect(b.counts).toMatchObject({ late: 1, duplicates: 0 });
  });

  it('skips-a-jump-far-ahead-at-once', () => {
    const b = new ReorderBuffer<number>(4);
    expect(run(b, [0, 1, 100, 101])).toEqual([0, 1, 100, 101]);
    expect(b.counts.missing).toBe(98);
  });

  it('flush-releases-held-frames-and-counts-the-gaps', () => {
    const b = new ReorderBuffer<number>(4);
    expect(run(b, [0, 2, 4])).toEqual([0]);
    expect(b.flush()).toEqual([2, 4]);
    expect(b.counts.missing).toBe(2);
    expect(b.flush()).toEqual([]);
  });

  it('wraps-the-u32-sequence', () => {
    const b = new ReorderBuffer<number>(4);
    expect(run(b, [0xfffffffe, 0, 0xffffffff, 1])).toEqual([0xfffffffe, 0xffffffff, 0, 1]);
    expect(b.counts).toMatchObject({ missing: 0, duplicates: 0, reordered: 1 });
  });
});
