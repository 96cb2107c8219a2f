/** Audio as it moves between stages inside one process: mono PCM s16 at `rate` Hz. */
export interface AudioChunk {
  /** Mono 16-bit samples. */
  readonly pcm: Int16Array;
  /** Sample rate in Hz. */
  readonly rate: number;
  /** Milliseconds since the start of the stream at the first sample of this chunk. */
  readonly timestampMs: number;
}

/** Duration of `samples` mono samples at `rate` Hz, in milliseconds. */
export function samplesToMs(samples: number, rate: number): number {
  return (samples * 1000) / rate;
}

/** Joins PCM pieces into one array. */
export function concatPcm(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
