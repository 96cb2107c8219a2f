import { setTimeout as sleep } from 'node:timers/promises';
import { LinearResampler, resample, type AudioChunk, type WavAudio } from '@jarvis/protocol';
import type { AudioSink } from '@jarvis/satellite';

const RATE = 16000;
const CHUNK = 1280; // 80 ms, as the satellite's microphone sources deliver
/** How far ahead of the room's clock the speaker is fed: a sound card's buffer. */
const SPEAKER_BUFFER_MS = 100;

/** One reply or announcement as the room's speaker played it. */
export interface Playback {
  readonly startedAt: number;
  /** Wall time the last sample sounds, or when playback was cut. */
  endedAt: number;
  /** Milliseconds of audio played. */
  playedMs: number;
  /** Cut short by the satellite (barge-in), not run to its end. */
  aborted: boolean;
}

/**
 * A room in real time: what the microphone hears is the people speaking in it plus the
 * satellite's own speaker, `echoDelayMs` later at `echoGain` — the acoustic loop a satellite
 * must not wake itself through. Several satellites can share one room's voices (each with its
 * own level, as if nearer or farther), each with its own speaker.
 */
export class Room {
  private readonly start = performance.now();
  /** What the people say, in samples from the room's start. */
  private readonly voices: Float32Array;
  private stopped = false;

  constructor(readonly seconds = 60) {
    this.voices = new Float32Array(seconds * RATE);
  }

  /** Samples since the room started. */
  private get nowSample(): number {
    return Math.floor(((performance.now() - this.start) * RATE) / 1000);
  }

  /** Someone says `audio` (16 kHz) now; resolves when they have finished. */
  async say(audio: WavAudio): Promise<void> {
    const pcm = audio.rate === RATE ? audio.pcm : resample(audio.pcm, audio.rate, RATE);
    const at = this.nowSample + Math.round(RATE * 0.02);
    for (let i = 0; i < pcm.length && at + i < this.voices.length; i++)
      this.voices[at + i]! += pcm[i]!;
    await sleep(((pcm.length + RATE * 0.02) * 1000) / RATE);
  }

  /** A satellite's place in the room: its microphone level and its own speaker's echo. */
  place(options: { micGain?: number; echoGain?: number; echoDelayMs?: number } = {}): Spot {
    return new Spot(this, options);
  }

  stop(): void {
    this.stopped = true;
  }

  /** @internal */
  voiceAt(sample: number): number {
    return this.voices[sample] ?? 0;
  }

  /** @internal */
  get clock(): { nowSample: number; stopped: boolean; start: number } {
    return { nowSample: this.nowSample, stopped: this.stopped, start: this.start };
  }
}

export class Spot {
  private readonly echo: Float32Array;
  readonly playbacks: Playback[] = [];
  private playHead = 0;

  constructor(
    private readonly room: Room,
    private readonly options: { micGain?: number; echoGain?: number; echoDelayMs?: number },
  ) {
    this.echo = new Float32Array(room.seconds * RATE);
  }

  /** The satellite's microphone, paced on the wall clock. */
  async *mic(): AsyncGenerator<AudioChunk> {
    const micGain = this.options.micGain ?? 1;
    const { start } = this.room.clock;
    for (let c = 0; ; c++) {
      const dueMs = start + ((c + 1) * CHUNK * 1000) / RATE;
      const wait = dueMs - performance.now();
      if (wait > 0) await sleep(wait);
      if (this.room.clock.stopped || (c + 1) * CHUNK > this.echo.length) return;
      const pcm = new Int16Array(CHUNK);
      for (let i = 0; i < CHUNK; i++) {
        const at = c * CHUNK + i;
        // A real microphone never gives digital silence: a faint noise floor (about -90 dBFS).
        const v = this.room.voiceAt(at) * micGain + this.echo[at]! + (Math.random() - 0.5) * 2;
        pcm[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
      }
      yield { pcm, rate: RATE, timestampMs: c * 80 };
    }
  }

  /** The satellite's speaker: plays in real time, and its sound reaches the microphone. */
  get sink(): AudioSink {
    return {
      play: async (chunks, signal) => {
        const gain = this.options.echoGain ?? 0.6;
        const delay = Math.round(((this.options.echoDelayMs ?? 60) * RATE) / 1000);
        const playback: Playback = {
          startedAt: Date.now(),
          endedAt: Date.now(),
          playedMs: 0,
          aborted: false,
        };
        this.playbacks.push(playback);
        this.playHead = Math.max(this.playHead, this.room.clock.nowSample);
        const it = chunks[Symbol.asyncIterator]();
        let resampler: LinearResampler | undefined;
        for (;;) {
          if (signal?.aborted) break;
          const next = await it.next();
          if (next.done) break;
          // One resampler for the whole reply, as a sound card's: no drift between chunks.
          resampler ??= new LinearResampler(next.value.rate, RATE);
          const pcm = resampler.push(next.value.pcm);
          // Fed 20 ms at a time, no further ahead than a sound card buffers: a stop is heard
          // within that buffer.
          for (let from = 0; from < pcm.length && !signal?.aborted; from += 320) {
            const ahead = ((this.playHead - this.room.clock.nowSample) * 1000) / RATE;
            if (ahead > SPEAKER_BUFFER_MS)
              await sleep(ahead - SPEAKER_BUFFER_MS, undefined, { signal }).catch(() => undefined);
            if (signal?.aborted) break;
            this.playHead = Math.max(this.playHead, this.room.clock.nowSample);
            const slice = pcm.subarray(from, from + 320);
            for (let i = 0; i < slice.length && this.playHead + delay + i < this.echo.length; i++)
              this.echo[this.playHead + delay + i]! += slice[i]! * gain;
            this.playHead += slice.length;
            playback.playedMs += (slice.length * 1000) / RATE;
          }
        }
        playback.aborted = signal?.aborted === true;
        if (playback.aborted) {
          // What the sound card had buffered still sounds; the rest never does.
          const cutAt = this.room.clock.nowSample + Math.round((SPEAKER_BUFFER_MS * RATE) / 1000);
          for (let i = cutAt + delay; i < this.playHead + delay && i < this.echo.length; i++)
            this.echo[i] = 0;
          this.playHead = Math.min(this.playHead, cutAt);
        } else {
          const left = ((this.playHead - this.room.clock.nowSample) * 1000) / RATE;
          if (left > 0) await sleep(left);
        }
        playback.endedAt = Date.now();
      },
      close: () => Promise.resolve(),
    };
  }
}
