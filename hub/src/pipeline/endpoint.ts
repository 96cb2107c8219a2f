import type { VadEvent } from '../engines/types.js';

/** When an utterance is over. */
export interface EndpointPolicy {
  /** Wait for a complete command only this long (the VAD's own hangover is set to it). */
  readonly commandSilenceMs: number;
  /** Silence that ends any other utterance. */
  readonly silenceMs: number;
  /** Off: the VAD's speech-end (after silenceMs) always ends the utterance. */
  readonly adaptive: boolean;
}

/** What the session should do after an observation. */
export type EndpointStep = 'first-speech' | 'end' | undefined;

/**
 * Adaptive endpointing: a short pause ends the utterance when the partial transcript already
 * reads as a whole command ("turn on the kitchen light"), a longer one otherwise ("turn on
 * the …"). Times are stream milliseconds, so a burst of buffered audio is judged like live audio.
 */
export class Endpoint {
  private speaking = false;
  /** Stream time the current pause began, while waiting to see if the user goes on. */
  private pauseAtMs: number | undefined;
  private partial = '';
  private endedAtMs: number | undefined;

  constructor(
    private readonly policy: EndpointPolicy,
    private readonly isCommand: (text: string) => boolean,
    /** Audio before this stream time is the wake phrase (the satellite's pre-roll). */
    private readonly preRollMs: () => number,
  ) {}

  /** True once any speech after the wake phrase has started. */
  get speechStarted(): boolean {
    return this.speaking || this.pauseAtMs !== undefined;
  }

  /** Stream time the user stopped speaking, once the utterance has ended. */
  get speechEndMs(): number | undefined {
    return this.endedAtMs;
  }

  vad(ev: VadEvent): EndpointStep {
    if (this.endedAtMs !== undefined) return undefined;
    if (ev.type === 'speech-start') {
      const first = !this.speechStarted;
      this.speaking = true;
      this.pauseAtMs = undefined;
      return first ? 'first-speech' : undefined;
    }
    if (!this.speaking) return undefined;
    this.speaking = false;
    // Only the wake phrase has ended: the request may follow a pause.
    if (ev.timestampMs <= this.preRollMs()) return undefined;
    if (!this.policy.adaptive || this.isCommand(this.partial)) return this.end(ev.timestampMs);
    this.pauseAtMs = ev.timestampMs;
    return undefined;
  }

  /** A newer partial transcript; during a pause it may complete the command. */
  partialTranscript(text: string): EndpointStep {
    this.partial = text;
    if (this.pauseAtMs !== undefined && this.endedAtMs === undefined && this.isCommand(text))
      return this.end(this.pauseAtMs);
    return undefined;
  }

  /** Audio has arrived up to `streamMs`: a pause may now be long enough. */
  audioUntil(streamMs: number): EndpointStep {
    if (this.pauseAtMs === undefined || this.endedAtMs !== undefined) return undefined;
    return streamMs - this.pauseAtMs >= this.policy.silenceMs
      ? this.end(this.pauseAtMs)
      : undefined;
  }

  private end(atMs: number): 'end' {
    this.endedAtMs = atMs;
    return 'end';
  }
}
