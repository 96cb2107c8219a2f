/**
 * How late each frame of one microphone stream arrives, kept per frame and cheap (no
 * allocation); missing, repeated and reordered frames are the reorder buffer's (reorder.ts).
 *
 * Lag is measured against the stream itself, since the satellite's clock is not trusted: a
 * frame's `arrival − audio time` less the smallest such value seen so far on the stream. A
 * satellite streams in real time, so that is the network and event-loop delay the frame met
 * beyond the least-delayed one; a burst (the pre-roll) only lowers the baseline.
 */
export class MicStreamStats {
  private baselineMs = Infinity;

  /** Ms by which a frame of stream time `audioMs` arriving at `arrivalMs` is late (≥ 0). */
  lagMs(audioMs: number, arrivalMs: number): number {
    const offset = arrivalMs - audioMs;
    if (offset < this.baselineMs) this.baselineMs = offset;
    return offset - this.baselineMs;
  }
}
