/**
 * Text to speech on a remote Wyoming service (Piper…). README "Text to Speech": → synthesize,
 * ← audio-start, ← audio-chunk…, ← audio-stop. One request per sentence, so the first sentence
 * plays while an LLM is still writing the next.
 */
import { AppError } from '../../errors.js';
import { SentenceSplitter } from '../tts/sentence-splitter.js';
import type { AudioChunk, EngineContext, TtsEngine } from '../types.js';
import { bytesToPcm } from './audio.js';
import { WyomingClient } from './client.js';
import type { DecoderLimits } from './codec.js';
import type { EventData } from './events.js';

export interface WyomingTtsOptions {
  /** `tcp://host:port`, e.g. `tcp://gpu-node:10200` for wyoming-piper. */
  readonly url: string;
  /** Voice name sent in `synthesize`, e.g. `en_US-lessac-medium` (default: the server's). */
  readonly voice?: string;
  /** Longest silence from the server while audio is due, in ms. */
  readonly timeoutMs: number;
  /** Longest wait for the TCP connection, in ms (default: the smaller of timeoutMs and 5000). */
  readonly connectTimeoutMs?: number;
  /**
   * The rate the server is expected to speak at, in Hz (default 22050, Piper's medium voices).
   * `info` does not announce it, so each chunk's own `rate` is what counts.
   */
  readonly sampleRate?: number;
  readonly limits?: DecoderLimits;
}

class WyomingTts implements TtsEngine {
  readonly id: string;
  readonly sampleRate: number;
  readonly client: WyomingClient;

  constructor(private readonly options: WyomingTtsOptions) {
    this.client = new WyomingClient({ ...options, service: 'tts' });
    this.id = `wyoming:${options.url}${options.voice ? `:${options.voice}` : ''}`;
    this.sampleRate = options.sampleRate ?? 22_050;
  }

  async *synthesize(text: AsyncIterable<string>, ctx: EngineContext): AsyncIterable<AudioChunk> {
    const splitter = new SentenceSplitter();
    /** Milliseconds of audio yielded so far in this reply, across sentences. */
    const reply = { ms: 0 };
    try {
      for await (const piece of text) {
        for (const sentence of splitter.push(piece)) {
          if (ctx.signal.aborted) return;
          yield* this.speak(sentence, reply, ctx);
        }
      }
      for (const sentence of splitter.flush()) {
        if (ctx.signal.aborted) return;
        yield* this.speak(sentence, reply, ctx);
      }
    } catch (err) {
      if (ctx.signal.aborted) return;
      throw err;
    }
  }

  private async *speak(
    sentence: string,
    reply: { ms: number },
    ctx: EngineContext,
  ): AsyncGenerator<AudioChunk> {
    const conn = await this.client.connect(ctx.signal);
    try {
      conn.setIdleTimeout(this.client.timeoutMs);
      const request: EventData<'synthesize'> = { text: sentence };
      if (this.options.voice !== undefined) request.voice = { name: this.options.voice };
      await conn.send('synthesize', request);
      for (;;) {
        const event = await conn.next();
        if (event.type === 'audio-start' || event.type === 'audio-chunk') {
          // audio-start has no samples, but its format is checked all the same
          const pcm = bytesToPcm(event.data, event.payload);
          if (typeof pcm === 'string') {
            throw new AppError('engine-protocol', `${this.client.label}: ${pcm}`);
          }
          if (pcm.length === 0) continue;
          const rate = event.data.rate;
          yield { pcm, rate, timestampMs: reply.ms };
          reply.ms += (pcm.length * 1000) / rate;
        } else if (event.type === 'audio-stop') {
          return;
        } else if (event.type === 'error') {
          throw this.client.serverError(event.data);
        }
      }
    } finally {
      conn.close();
    }
  }

  close(): Promise<void> {
    return Promise.resolve(); // connections live only as long as their request
  }
}

/**
 * Text to speech through a Wyoming server, one `synthesize` per sentence. Yields mono s16 chunks
 * at the rate the server announces in each chunk; audio that is not 16-bit mono is rejected with
 * engine-protocol. Other errors: engine-unavailable, engine-timeout, tts-failed.
 */
export function createWyomingTts(
  options: WyomingTtsOptions,
): TtsEngine & { client: WyomingClient } {
  return new WyomingTts(options);
}
