import type { VadEvent } from '../types.js';

export interface EndpointerOptions {
  /** Probability at or above which a window counts as speech (default 0.5). */
  readonly threshold?: number;
  /** Probability below which a window counts as silence (default threshold - 0.15). Between the
   * two, the current state holds: this hysteresis keeps soft syllables from splitting speech. */
  readonly negativeThreshold?: number;
  /** Speech must last this long before speech-start is reported (default 150 ms). */
  readonly minSpeechMs?: number;
  /** Silence must last this long before speech-end is reported: the end-of-speech hangover
   * (default 400 ms). */
  readonly silenceMs?: number;
}

type State =
  | { readonly kind: 'silence' }
  /** Speech seen since `startMs` but not yet long enough to report. */
  | { readonly kind: 'onset'; readonly startMs: number }
  | { readonly kind: 'speech' }
  /** Silence since `endMs` inside reported speech; speech-end once it lasts silenceMs. */
  | { readonly kind: 'trailing'; readonly endMs: number };

/**
 * Turns per-window speech probabilities into speech-start / speech-end events. Pure and
 * synchronous: feed it windows in stream order with `push`, then `finish` at the end of audio.
 * speech-start carries the time speech began, speech-end the time the silence began.
 */
export class Endpointer {
  readonly threshold: number;
  readonly negativeThreshold: number;
  readonly minSpeechMs: number;
  readonly silenceMs: number;
  private state: State = { kind: 'silence' };

  constructor(options: EndpointerOptions = {}) {
    this.threshold = options.threshold ?? 0.5;
    this.negativeThreshold = options.negativeThreshold ?? Math.max(0.01, this.threshold - 0.15);
    this.minSpeechMs = options.minSpeechMs ?? 150;
    this.silenceMs = options.silenceMs ?? 400;
    if (!(this.negativeThreshold <= this.threshold)) {
      throw new RangeError('negativeThreshold must not exceed threshold');
    }
  }

  /** True between a reported speech-start and its speech-end. */
  get inSpeech(): boolean {
    return this.state.kind === 'speech' || this.state.kind === 'trailing';
  }

  /**
   * Takes the speech probability of the window [startMs, startMs + durationMs) and returns the
   * event it completes, if any.
   */
  push(probability: number, startMs: number, durationMs: number): VadEvent | undefined {
    const endMs = startMs + durationMs;
    const speech = probability >= this.threshold;
    const silence = probability < this.negativeThreshold;
    const state = this.state;
    switch (state.kind) {
      case 'silence':
        if (!speech) return undefined;
        this.state = { kind: 'onset', startMs };
        return this.confirmOnset(startMs, endMs);
      case 'onset':
        if (silence) {
          this.state = { kind: 'silence' };
          return undefined;
        }
        return this.confirmOnset(state.startMs, endMs);
      case 'speech':
        if (silence) return this.trail(startMs, endMs);
        return undefined;
      case 'trailing':
        if (speech) {
          this.state = { kind: 'speech' };
          return undefined;
        }
        return this.trail(state.endMs, endMs);
    }
  }

  /** Ends the stream at `endMs`: closes open speech with a speech-end, drops an unconfirmed onset. */
  finish(endMs: number): VadEvent | undefined {
    const state = this.state;
    this.state = { kind: 'silence' };
    if (state.kind === 'speech') return { type: 'speech-end', timestampMs: endMs };
    if (state.kind === 'trailing') return { type: 'speech-end', timestampMs: state.endMs };
    return undefined;
  }

  private confirmOnset(startMs: number, endMs: number): VadEvent | undefined {
    if (endMs - startMs < this.minSpeechMs) return undefined;
    this.state = { kind: 'speech' };
    return { type: 'speech-start', timestampMs: startMs };
  }

  private trail(silenceStartMs: number, endMs: number): VadEvent | undefined {
    if (endMs - silenceStartMs < this.silenceMs) {
      this.state = { kind: 'trailing', endMs: silenceStartMs };
      return undefined;
    }
    this.state = { kind: 'silence' };
    return { type: 'speech-end', timestampMs: silenceStartMs };
  }
}
