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
