import type { AudioChunk } from '../engines/types.js';
import type { SessionTimings } from '../storage/sessions.js';

type Mark = 'endpoint' | 'stt' | 'intent' | 'action' | 'tts-start' | 'first-audio';

/**
 * Wall-clock marks of one session. End of speech is known in audio time (from the VAD); it is
 * turned into wall time via the arrival time of the audio that held it, so "end of speech →
 * first reply audio" is what the user waits, hangover and network included.
 */
export class Timeline {
  private readonly startedAt: number;
  private firstAudioAt: number | undefined;
  private speechEndAt: number | undefined;
  private readonly arrivals: { endMs: number; at: number }[] = [];
  private readonly marks = new Map<Mark, number>();

  constructor(private readonly now: () => number) {
    this.startedAt = now();
  }

  audioArrived(chunk: AudioChunk): void {
    const at = this.now();
    this.firstAudioAt ??= at;
    this.arrivals.push({ endMs: chunk.timestampMs + (chunk.pcm.length * 1000) / chunk.rate, at });
  }

  speechEnded(timestampMs: number): void {
    this.speechEndAt = this.arrivals.find((a) => a.endMs >= timestampMs)?.at ?? this.now();
  }

  mark(what: Mark): void {
    if (!this.marks.has(what)) this.marks.set(what, this.now());
  }

  timings(): SessionTimings {
    const m = (k: Mark): number | undefined => this.marks.get(k);
    const diff = (a: number | undefined, b: number | undefined): number | undefined =>
      a === undefined || b === undefined ? undefined : Math.max(0, Math.round(b - a));
    return strip({
      wakeToStreamMs: diff(this.startedAt, this.firstAudioAt),
      endpointMs: diff(this.speechEndAt, m('endpoint')),
      sttMs: diff(m('endpoint'), m('stt')),
      intentMs: diff(m('stt'), m('intent')),
      actionMs: diff(m('intent'), m('action')),
      ttsFirstAudioMs: diff(m('tts-start'), m('first-audio')),
      speechEndToFirstAudioMs: diff(this.speechEndAt, m('first-audio')),
      totalMs: diff(this.startedAt, this.now()),
    });
  }
}

function strip(t: SessionTimings): SessionTimings {
  return Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined));
}
