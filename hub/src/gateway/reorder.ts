/**
 * Puts a microphone stream's frames back in sequence order (protocol audio-frame: `sequence`
 * is +1 per frame of a stream, u32, wrapping). Over a broker at QoS 0 frames may arrive out of
 * order, twice, or never; over a WebSocket they arrive in order and pass straight through.
 *
 * - The next expected frame passes at once, with any held frames that follow it.
 * - A later frame is held, up to `window` frames; past that the gap is given up on: the
 *   missing frames are counted and the held ones released.
 * - A frame already passed (or already held) is a duplicate and dropped; so is one that
 *   arrives after its gap was given up on (counted as late).
 *
 * Pure and allocation-light: no timers (the caller flushes at `audio-stop`).
 */
export interface ReorderCounts {
  /** Frames never received, skipped when their gap was given up on or at flush. */
  missing: number;
  /** Copies of frames already passed or held. */
  duplicates: number;
  /** Frames that arrived after a later one and were put back in place. */
  reordered: number;
  /** Frames that arrived after their gap was given up on (dropped). */
  late: number;
}

/** Frames held at most, by default: 4 frames of 20-80 ms is 80-320 ms of added delay at worst. */
export const DEFAULT_REORDER_WINDOW = 4;

export class ReorderBuffer<T> {
  private next: number | undefined;
  /** The furthest sequence received so far. */
  private highest: number | undefined;
  private readonly held = new Map<number, T>();
  /** Recent sequences given up on, to tell a late frame from a duplicate. */
  private readonly skipped = new Set<number>();
  readonly counts: ReorderCounts = { missing: 0, duplicates: 0, reordered: 0, late: 0 };

  constructor(private readonly window = DEFAULT_REORDER_WINDOW) {}

  /** Takes one frame; returns the frames now ready, in order (often just this one). */
  push(sequence: number, item: T): T[] {
    if (this.next === undefined) this.next = sequence;
    const ahead = (sequence - this.next) >>> 0;
    // u32 distance: half the range or more reads as a frame from the past.
    if (ahead >= 0x80000000) {
      // Behind the next expected one: passed already, or its gap was given up on.
      if (this.skipped.delete(sequence)) this.counts.late++;
      else this.counts.duplicates++;
      return [];
    }
    if (this.held.has(sequence)) {
      this.counts.duplicates++;
      return [];
    }
    if (this.highest !== undefined && (sequence - this.highest) >>> 0 >= 0x80000000)
      this.counts.reordered++;
    else this.highest = sequence;
    if (ahead === 0) {
      const out = [item];
      this.advance();
      this.drain(out);
      return out;
    }
    this.held.set(sequence, item);
    const out: T[] = [];
    // Too far ahead or too many held: give up on the oldest gap until within the window.
    while (this.held.size > 0 && (this.held.size > this.window || this.distance() > this.window)) {
      this.skipGap();
      this.drain(out);
    }
    return out;
  }

  /** Releases every held frame in order (the stream ended); the gaps between count as missing. */
  flush(): T[] {
    const out: T[] = [];
    while (this.held.size > 0) {
      this.skipGap();
      this.drain(out);
    }
    return out;
  }

  private advance(): void {
    this.next = ((this.next ?? 0) + 1) >>> 0;
  }

  /** How far ahead of the next expected frame the furthest held one is. */
  private distance(): number {
    let max = 0;
    for (const seq of this.held.keys()) max = Math.max(max, (seq - (this.next ?? 0)) >>> 0);
    return max;
  }

  /** Moves `next` to the earliest held frame, counting the frames skipped as missing. */
  private skipGap(): void {
    let nearest = Infinity;
    for (const seq of this.held.keys()) nearest = Math.min(nearest, (seq - (this.next ?? 0)) >>> 0);
    if (nearest === Infinity) return;
    this.counts.missing += nearest;
    for (let i = Math.max(0, nearest - 256); i < nearest; i++) {
      this.skipped.add(((this.next ?? 0) + i) >>> 0);
      // Bounded: a long outage must not grow it (Sets iterate oldest first).
      if (this.skipped.size > 256) this.skipped.delete(this.skipped.values().next().value!);
    }
    this.next = ((this.next ?? 0) + nearest) >>> 0;
  }

  private drain(out: T[]): void {
    for (;;) {
      const seq = this.next ?? 0;
      const item = this.held.get(seq);
      if (item === undefined) return;
      this.held.delete(seq);
      out.push(item);
      this.advance();
    }
  }
}
