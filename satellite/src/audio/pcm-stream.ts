/** Byte-stream helpers for raw PCM: s16le decoding across odd splits, fixed-size chunking. */
import type { AudioChunk } from '@jarvis/protocol';

/**
 * Turns raw s16le bytes, split anywhere (a pipe may cut a sample in half), into samples.
 * A trailing odd byte is kept for the next `push`.
 */
export class S16leDecoder {
  private pending: number | undefined;

  push(bytes: Uint8Array): Int16Array {
    const carried = this.pending === undefined ? 0 : 1;
    const total = carried + bytes.length;
    const out = new Int16Array(Math.floor(total / 2));
    const byteAt = (k: number): number =>
      carried === 1 ? (k === 0 ? this.pending! : bytes[k - 1]!) : bytes[k]!;
    for (let s = 0; s < out.length; s++) {
      const lo = byteAt(2 * s);
      const hi = byteAt(2 * s + 1);
      out[s] = (((hi << 8) | lo) << 16) >> 16; // sign-extend
    }
    this.pending = total % 2 === 1 ? bytes[bytes.length - 1] : undefined;
    return out;
  }

  /** Whether half a sample is still waiting (the stream ended mid-sample if so). */
  get hasPartialSample(): boolean {
    return this.pending !== undefined;
  }
}

/** Encodes samples as s16le bytes (a copy, so odd-aligned or shared buffers are fine). */
export function encodeS16le(pcm: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) out.writeInt16LE(pcm[i]!, i * 2);
  return out;
}

/** Regroups a sample stream into chunks of exactly `size` samples with running timestamps. */
export class Rechunker {
  private readonly buffer: Int16Array;
  private filled = 0;
  private emitted = 0;

  constructor(
    readonly rate: number,
    readonly size: number,
  ) {
    if (!(Number.isInteger(size) && size > 0)) throw new RangeError(`invalid chunk size ${size}`);
    this.buffer = new Int16Array(size);
  }

  /** Adds samples; returns the chunks they completed. */
  push(pcm: Int16Array): AudioChunk[] {
    const out: AudioChunk[] = [];
    for (let at = 0; at < pcm.length;) {
      const take = Math.min(this.size - this.filled, pcm.length - at);
      this.buffer.set(pcm.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      if (this.filled === this.size) out.push(this.take());
    }
    return out;
  }

  /** Returns the last, shorter chunk if samples are left over. */
  flush(): AudioChunk[] {
    return this.filled > 0 ? [this.take()] : [];
  }

  private take(): AudioChunk {
    const chunk = {
      pcm: this.buffer.slice(0, this.filled),
      rate: this.rate,
      timestampMs: (this.emitted * 1000) / this.rate,
    };
    this.emitted += this.filled;
    this.filled = 0;
    return chunk;
  }
}
