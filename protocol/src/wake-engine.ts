/** The wake word engine interface, shared by the satellite (local detection) and the hub (hub-side detection). */
import type { AudioChunk } from './audio-chunk.js';

export interface WakeDetection {
  /** Wake word model name, e.g. "hey_jarvis". */
  readonly name: string;
  /** Model score in [0, 1] that crossed the threshold. */
  readonly score: number;
  /** Milliseconds since the start of the audio stream at the detecting frame's end. */
  readonly timestampMs: number;
}

export interface WakeEngine {
  readonly id: string;
  /** Scores audio as it goes by and yields a detection each time the threshold is crossed. */
  detect(audio: AsyncIterable<AudioChunk>, signal: AbortSignal): AsyncIterable<WakeDetection>;
  /** Forget audio context, e.g. after a session so the same phrase is not detected twice. */
  reset(): void;
  close(): Promise<void>;
}
