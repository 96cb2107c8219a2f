/**
 * Wake word detection on a remote Wyoming service (openWakeWord…). README "Wake Word Detection":
 * → detect, → audio-start, → audio-chunk… (← detection, once per wake word heard),
 * → audio-stop (optional), ← not-detected when none was heard.
 */
import type { AudioChunk, WakeDetection, WakeEngine } from '@jarvis/protocol';
import { AppError } from '../../errors.js';
import { sendAudio } from './audio.js';
import { WyomingClient, type WyomingConnection } from './client.js';
import type { DecoderLimits } from './codec.js';

export interface WyomingWakeOptions {
  /** `tcp://host:port`, e.g. `tcp://gpu-node:10400` for wyoming-openwakeword. */
  readonly url: string;
  /** Wake word models to listen for (default: whatever the server runs). */
  readonly names?: readonly string[];
  /** Longest wait for the server once the audio has ended, in ms. */
  readonly timeoutMs: number;
  /** Longest wait for the TCP connection, in ms (default: the smaller of timeoutMs and 5000). */
  readonly connectTimeoutMs?: number;
  readonly limits?: DecoderLimits;
}

const DEFAULT_RATE = 16_000;

class WyomingWake implements WakeEngine {
  readonly id: string;
  readonly client: WyomingClient;

  constructor(private readonly options: WyomingWakeOptions) {
    this.client = new WyomingClient({ ...options, service: 'wake' });
    this.id = `wyoming:${options.url}`;
  }

  async *detect(
    audio: AsyncIterable<AudioChunk>,
    signal: AbortSignal,
  ): AsyncIterable<WakeDetection> {
    if (signal.aborted) return;
    let conn: WyomingConnection;
    try {
      conn = await this.client.connect(signal);
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    try {
      const names = this.options.names;
      await conn.send('detect', names ? { names: [...names] } : {});
      /** How far the audio has gone, for detections that carry no timestamp. */
      let heardMs = 0;
      let detections = 0;
      let stopped = false;
      void sendAudio(
        conn,
        tap(audio, (ms) => (heardMs = ms)),
        DEFAULT_RATE,
      ).then((s) => {
        stopped = s.stoppedAt !== undefined;
        if (stopped) conn.setIdleTimeout(this.client.timeoutMs);
      });
      for (;;) {
        let event;
        try {
          event = await conn.next();
        } catch (err) {
          // not-detected follows audio-stop only when nothing was heard; after a detection the
          // server may say nothing more, so its silence past the timeout (or its hang-up) ends the
          // stream.
          const quiet = err instanceof AppError && err.code !== 'engine-protocol';
          if (stopped && detections > 0 && quiet) return;
          throw err;
        }
        if (event.type === 'detection') {
          detections++;
          yield {
            name: event.data.name ?? names?.[0] ?? 'wake',
            // Wyoming reports no score: a detection means the server's threshold was crossed.
            score: 1,
            timestampMs: event.data.timestamp ?? heardMs,
          };
        } else if (event.type === 'not-detected') {
          return;
        } else if (event.type === 'error') {
          throw this.client.serverError(event.data);
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    } finally {
      conn.close();
    }
  }

  /** Each `detect` call is its own connection, so the server starts from fresh audio anyway. */
  reset(): void {}

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Passes chunks through, reporting how many ms of audio have gone by at the end of each. */
async function* tap(
  audio: AsyncIterable<AudioChunk>,
  onHeard: (ms: number) => void,
): AsyncIterable<AudioChunk> {
  for await (const chunk of audio) {
    yield chunk;
    onHeard(chunk.timestampMs + (chunk.pcm.length * 1000) / chunk.rate);
  }
}

/**
 * Wake word detection through a Wyoming server: streams the audio and yields each detection
 * (score 1, since Wyoming carries none). Ends after the audio ends and the server answers
 * not-detected. Errors: engine-unavailable, engine-timeout, engine-protocol, wake-failed.
 */
export function createWyomingWake(
  options: WyomingWakeOptions,
): WakeEngine & { client: WyomingClient } {
  return new WyomingWake(options);
}
