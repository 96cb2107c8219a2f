/**
 * Speech to text on a remote Wyoming service (faster-whisper, Vosk…). README "Speech to Text":
 * → transcribe, → audio-start, → audio-chunk…, → audio-stop, ← transcript. Wyoming 1.7 servers
 * may stream too: ← transcript-start, ← transcript-chunk… (pieces to append), then the transcript.
 */
import type { AudioChunk, EngineContext, SttEngine, SttEvent } from '../types.js';
import { sendAudio, type SentAudio } from './audio.js';
import { WyomingClient, type WyomingConnection } from './client.js';
import type { DecoderLimits } from './codec.js';
import type { EventData } from './events.js';

export interface WyomingSttOptions {
  /** `tcp://host:port`, e.g. `tcp://gpu-node:10300` for wyoming-faster-whisper. */
  readonly url: string;
  /** Model name sent in `transcribe` (default: the server's choice). */
  readonly model?: string;
  /** Language sent in `transcribe`, e.g. `en` (default: the server's choice). */
  readonly language?: string;
  /** Longest wait for the server once an answer is due (after audio-stop), in ms. */
  readonly timeoutMs: number;
  /** Longest wait for the TCP connection, in ms (default: the smaller of timeoutMs and 5000). */
  readonly connectTimeoutMs?: number;
  readonly limits?: DecoderLimits;
}

/** The rate announced when the audio source ends before yielding any chunk. */
const DEFAULT_RATE = 16_000;

class WyomingStt implements SttEngine {
  readonly id: string;
  readonly client: WyomingClient;

  constructor(private readonly options: WyomingSttOptions) {
    this.client = new WyomingClient({ ...options, service: 'stt' });
    this.id = `wyoming:${options.url}`;
  }

  /** The remote service has its own language model; a grammar has nowhere to go. */
  setGrammar(_jsgf: string): void {}

  async *transcribe(audio: AsyncIterable<AudioChunk>, ctx: EngineContext): AsyncIterable<SttEvent> {
    if (ctx.signal.aborted) return;
    let conn: WyomingConnection;
    try {
      conn = await this.client.connect(ctx.signal);
    } catch (err) {
      if (ctx.signal.aborted) return;
      throw err;
    }
    try {
      const transcribe: EventData<'transcribe'> = {};
      if (this.options.model !== undefined) transcribe.name = this.options.model;
      if (this.options.language !== undefined) transcribe.language = this.options.language;
      await conn.send('transcribe', transcribe);
      // While audio streams the user is still speaking: no deadline. Once audio-stop is out, the
      // server has timeoutMs of silence at most.
      let sent: SentAudio | undefined;
      void sendAudio(conn, audio, DEFAULT_RATE).then((s) => {
        sent = s;
        if (s.stoppedAt !== undefined) conn.setIdleTimeout(this.client.timeoutMs);
      });
      let streamed = '';
      for (;;) {
        const event = await conn.next();
        if (event.type === 'transcript-chunk') {
          if (event.data.text === '') continue;
          streamed += event.data.text;
          yield { type: 'partial', text: streamed.trim() };
        } else if (event.type === 'transcript') {
          const finalizeMs = sent?.stoppedAt === undefined ? 0 : performance.now() - sent.stoppedAt;
          ctx.log.debug(
            { sessionId: ctx.sessionId, stt: this.id, transcript: event.data.text, finalizeMs },
            'wyoming transcript',
          );
          yield { type: 'final', text: event.data.text.trim(), source: 'remote', finalizeMs };
          return;
        } else if (event.type === 'error') {
          throw this.client.serverError(event.data);
        }
        // transcript-start/-stop and anything else carry nothing we need
      }
    } catch (err) {
      if (ctx.signal.aborted) return; // aborted: no final, like the embedded engines
      throw err;
    } finally {
      conn.close();
    }
  }

  close(): Promise<void> {
    return Promise.resolve(); // connections live only as long as their request
  }
}

/**
 * Speech to text through a Wyoming server. Sends each chunk at its own rate as 16-bit mono,
 * yields partials when the server streams transcript chunks, and one final (`source: 'remote'`).
 * Throws AppError: engine-unavailable (unreachable, dropped), engine-timeout, engine-protocol,
 * stt-failed (the server answered `error`).
 */
export function createWyomingStt(
  options: WyomingSttOptions,
): SttEngine & { client: WyomingClient } {
  return new WyomingStt(options);
}
