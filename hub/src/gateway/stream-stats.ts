/**
 * Transport health of one microphone stream, kept per frame and cheap (no allocation):
 * frames missing before each one (sequence jumps) and how late each arrives.
 *
 * Lag is measured against the stream itself, since the satellite's clock is not trusted: a
 * frame's `arrival − audio time` less the smallest such value seen so far on the stream. A
 * satellite streams in real time, so that is the network and event-loop delay the frame met
 * beyond the least-delayed one; a burst (the pre-roll) only lowers the baseline.
 */
export class MicStreamStats {
  private nextSequence: number | undefined;
  private baselineMs = Infinity;

  /** Frames missing before `sequence` (0 for the next one, a repeat or a late reordered one). */
  missingBefore(sequence: number): number {
    const expected = this.nextSequence;
    // u32 arithmetic (protocol audio-frame: the sequence wraps at 2^32); a jump of 2^31 or more
    // reads as a frame from the past.
    const missing = expected === undefined ? 0 : (sequence - expected) >>> 0;
    if (missing >= 0x80000000) return 0;
    this.nextSequence = (sequence + 1) >>> 0;
    return missing;
  }

  /** Ms by which a frame of stream time `audioMs` arriving at `arrivalMs` is late (≥ 0). */
  lagMs(audioMs: number, arrivalMs: number): number {
    const offset = arrivalMs - audioMs;
    if (offset < this.baselineMs) this.baselineMs = offset;
    return offset - this.baselineMs;
  }
}
