import { decodeWav, downmix, resample, WavError } from '@jarvis/protocol';
import { AppError } from '../../errors.js';
import { SentenceSplitter } from '../tts/sentence-splitter.js';
import type { AudioChunk, EngineContext, TtsEngine } from '../types.js';
import { checkTimeout, displayUrl, endpointUrl, post } from './http.js';

export interface OpenAiTtsOptions {
  /** Server root (`http://gpu:8000`) or OpenAI-style base URL ending in `/v1`. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer …` when set; never logged. */
  readonly apiKey?: string | undefined;
  /** Model name the server knows, e.g. `speaches-ai/piper-en_US-amy-low`. */
  readonly model: string;
  /** Voice name the server knows, e.g. `amy` or `alloy`. */
  readonly voice: string;
  /** Longest wait for one sentence's audio, in ms. */
  readonly timeoutMs: number;
  /**
   * Rate of the audio this engine yields, in Hz (default 24000, OpenAI's). A server answering at
   * another rate is resampled to it; set it to the server's rate to avoid that.
   */
  readonly sampleRate?: number | undefined;
}

const CHUNK_MS = 100;
/** One sentence of speech is well under a minute: 60 s of 48 kHz stereo is 11 MB. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/**
 * Text to speech through an OpenAI-compatible server (speaches with Piper/Kokoro, LocalAI…):
 * one `POST /v1/audio/speech` per sentence with `response_format: "wav"`, so the first sentence
 * plays while the next is still being written or synthesized.
 */
class OpenAiTts implements TtsEngine {
  readonly id: string;
  readonly sampleRate: number;
  private readonly url: URL;
  private closed = false;

  constructor(private readonly options: OpenAiTtsOptions) {
    this.url = endpointUrl(options.baseUrl, 'audio/speech');
    checkTimeout(options.timeoutMs, 'openai tts');
    const rate = options.sampleRate ?? 24_000;
    if (!Number.isInteger(rate) || rate < 8_000 || rate > 96_000) {
      throw new AppError('config-invalid', `openai tts sampleRate must be 8000–96000, got ${rate}`);
    }
    this.sampleRate = rate;
    this.id = `openai:${options.model}:${options.voice}`;
  }

  async *synthesize(text: AsyncIterable<string>, ctx: EngineContext): AsyncIterable<AudioChunk> {
    if (this.closed) throw new AppError('tts-failed', 'openai tts engine is closed');
    const splitter = new SentenceSplitter();
    const reply = { sampleOffset: 0 };
    for await (const piece of text) {
      if (ctx.signal.aborted) return;
      for (const sentence of splitter.push(piece)) {
        if (!(yield* this.speak(sentence, reply, ctx))) return;
      }
    }
    for (const sentence of splitter.flush()) {
      if (!(yield* this.speak(sentence, reply, ctx))) return;
    }
  }

  /** Fetches one sentence and yields it in ~100 ms chunks; returns false once aborted. */
  private async *speak(
    sentence: string,
    reply: { sampleOffset: number },
    ctx: EngineContext,
  ): AsyncGenerator<AudioChunk, boolean> {
    if (ctx.signal.aborted) return false;
    const started = performance.now();
    const answer = await post({
      url: this.url,
      apiKey: this.options.apiKey,
      body: JSON.stringify({
        model: this.options.model,
        voice: this.options.voice,
        input: sentence,
        response_format: 'wav',
      }),
      timeoutMs: this.options.timeoutMs,
      signal: ctx.signal,
      failCode: 'tts-failed',
      maxBytes: MAX_RESPONSE_BYTES,
    });
    if (answer === undefined) return false;
    const pcm = this.toOwnRate(answer.bytes);
    const rate = this.sampleRate;
    ctx.log.debug(
      {
        sessionId: ctx.sessionId,
        tts: this.id,
        chars: sentence.length,
        audioMs: Math.round((pcm.length * 1000) / rate),
        synthMs: Math.round(performance.now() - started),
      },
      'tts sentence',
    );
    const chunkSamples = Math.round((rate * CHUNK_MS) / 1000);
    for (let at = 0; at < pcm.length; at += chunkSamples) {
      if (ctx.signal.aborted) return false;
      const piece = pcm.slice(at, at + chunkSamples);
      yield { pcm: piece, rate, timestampMs: (reply.sampleOffset * 1000) / rate };
      reply.sampleOffset += piece.length;
    }
    return true;
  }

  /** Decodes the server's WAV into mono samples at `sampleRate`. */
  private toOwnRate(bytes: Uint8Array): Int16Array {
    let wav;
    try {
      wav = decodeWav(bytes);
    } catch (err) {
      const why = err instanceof WavError ? err.message : 'unreadable';
      throw new AppError(
        'engine-protocol',
        `${displayUrl(this.url)} did not answer with a 16-bit PCM WAV (${why}); ` +
          'the server must support response_format "wav"',
        false,
        { cause: err },
      );
    }
    return resample(downmix(wav.pcm, wav.channels), wav.rate, this.sampleRate);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/**
 * Creates the OpenAI-compatible TTS client. Throws an AppError `config-invalid` for a bad
 * `baseUrl`, `timeoutMs` or `sampleRate`; contacts no server until the first sentence.
 */
export function createOpenAiTts(options: OpenAiTtsOptions): TtsEngine {
  return new OpenAiTts(options);
}
