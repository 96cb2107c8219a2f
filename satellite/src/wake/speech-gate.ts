import { rms, type AudioChunk } from '@jarvis/protocol';

export interface SpeechGateOptions {
  /** Level that counts as sound, in dBFS (default -42: quiet speech at arm's length). */
  readonly thresholdDb?: number;
  /** Sound must last this long to open the gate (default 60 ms): clicks do not. */
  readonly openMs?: number;
  /** Quiet must last this long to close it (default 800 ms): pauses between words do not. */
  readonly hangoverMs?: number;
}

/**
 * A cheap level gate for satellites that leave the wake word to the hub: it decides when audio
 * is worth sending, costing a few multiplications per sample where a neural VAD would need
 * onnxruntime. Over-eager is fine (the hub's wake word engine decides); deaf is not.
 */
export class SpeechGate {
  private readonly threshold: number;
  private readonly openMs: number;
  private readonly hangoverMs: number;
  private open = false;
  private loudSinceMs: number | undefined;
  private quietSinceMs: number | undefined;

  constructor(options: SpeechGateOptions = {}) {
    this.threshold = 32768 * 10 ** ((options.thresholdDb ?? -42) / 20);
    this.openMs = options.openMs ?? 60;
    this.hangoverMs = options.hangoverMs ?? 800;
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Takes the next chunk; says when the gate opens or closes. */
  push(chunk: AudioChunk): 'open' | 'close' | undefined {
    const endMs = chunk.timestampMs + (chunk.pcm.length * 1000) / chunk.rate;
    const loud = rms(chunk.pcm) >= this.threshold;
    if (loud) {
      this.quietSinceMs = undefined;
      this.loudSinceMs ??= chunk.timestampMs;
      if (!this.open && endMs - this.loudSinceMs >= this.openMs) {
        this.open = true;
        return 'open';
      }
      return undefined;
    }
    this.loudSinceMs = undefined;
    if (!this.open) return undefined;
    this.quietSinceMs ??= chunk.timestampMs;
    if (endMs - this.quietSinceMs >= this.hangoverMs) {
      this.open = false;
      this.quietSinceMs = undefined;
      return 'close';
    }
    return undefined;
  }
}
