import { encodeWav, LinearResampler, nextOrAbort } from '@jarvis/protocol';
import { AppError } from '../../errors.js';
import type { AudioChunk, EngineContext, SttEngine, SttEvent } from '../types.js';
import { checkTimeout, displayUrl, endpointUrl, isRecord, post } from './http.js';

export interface OpenAiSttOptions {
  /** Server root (`http://gpu:8000`) or OpenAI-style base URL ending in `/v1`. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer …` when set; never logged. */
  readonly apiKey?: string | undefined;
  /** Model name the server knows, e.g. `Systran/faster-whisper-small.en`. */
  readonly model: string;
  /** ISO-639-1 language hint, e.g. `en`; left out, the server detects it. */
  readonly language?: string | undefined;
  /** Longest wait for one transcription request, from upload to answer, in ms. */
  readonly timeoutMs: number;
}

const RATE = 16_000;
/** A transcription answer is a short JSON object; anything this large is not one. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * Speech to text through an OpenAI-compatible server (faster-whisper-server/speaches, LocalAI,
 * whisper.cpp's server…): `POST /v1/audio/transcriptions` with the utterance as a 16 kHz mono
 * WAV. Such servers transcribe whole files, so the audio is buffered and there are no partials.
 */
class OpenAiStt implements SttEngine {
  readonly id: string;
  private readonly url: URL;
  private closed = false;

  constructor(private readonly options: OpenAiSttOptions) {
    this.url = endpointUrl(options.baseUrl, 'audio/transcriptions');
    checkTimeout(options.timeoutMs, 'openai stt');
    this.id = `openai:${options.model}`;
  }

  /** Whisper-style servers take no grammar. */
  setGrammar(_jsgf: string): void {}

  async *transcribe(audio: AsyncIterable<AudioChunk>, ctx: EngineContext): AsyncIterable<SttEvent> {
    if (this.closed) throw new AppError('stt-failed', 'openai stt engine is closed');
    const parts: Int16Array[] = [];
    let samples = 0;
    const keep = (pcm: Int16Array): void => {
      parts.push(pcm);
      samples += pcm.length;
    };
    // A streaming resampler, so chunk boundaries leave no seams; a new one if the rate changes.
    let resampler: LinearResampler | undefined;
    const it = audio[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await nextOrAbort(it, ctx.signal);
        if (next === undefined) return; // aborted: no final
        if (next.done) break;
        if (resampler?.fromRate !== next.value.rate) {
          if (resampler) keep(resampler.flush());
          resampler = new LinearResampler(next.value.rate, RATE);
        }
        keep(resampler.push(next.value.pcm));
      }
      if (resampler) keep(resampler.flush());
    } finally {
      // Not awaited: a stalled source only settles its return() once its pending next() does.
      it.return?.().catch(() => undefined);
    }
    const audioEnded = performance.now();
    if (samples === 0) {
      yield { type: 'final', text: '', source: 'remote', finalizeMs: 0 };
      return;
    }
    const pcm = new Int16Array(samples);
    let at = 0;
    for (const p of parts) {
      pcm.set(p, at);
      at += p.length;
    }
    const form = new FormData();
    form.append(
      'file',
      new Blob([encodeWav({ rate: RATE, channels: 1, pcm })], { type: 'audio/wav' }),
      'utterance.wav',
    );
    form.append('model', this.options.model);
    form.append('response_format', 'json');
    if (this.options.language !== undefined) form.append('language', this.options.language);
    const answer = await post({
      url: this.url,
      apiKey: this.options.apiKey,
      body: form,
      timeoutMs: this.options.timeoutMs,
      signal: ctx.signal,
      failCode: 'stt-failed',
      maxBytes: MAX_RESPONSE_BYTES,
    });
    if (answer === undefined) return; // aborted
    const text = transcriptOf(answer.bytes, displayUrl(this.url));
    const finalizeMs = performance.now() - audioEnded;
    ctx.log.debug(
      {
        sessionId: ctx.sessionId,
        stt: this.id,
        audioMs: Math.round((samples * 1000) / RATE),
        finalizeMs: Math.round(finalizeMs),
        transcript: text,
      },
      'remote transcription',
    );
    yield { type: 'final', text, source: 'remote', finalizeMs };
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** `{"text": "…"}` from the answer, trimmed (Whisper puts a space in front). */
function transcriptOf(bytes: Uint8Array, where: string): string {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new AppError('engine-protocol', `${where} answered with a body that is not JSON`, false, {
      cause: err,
    });
  }
  if (!isRecord(body) || typeof body['text'] !== 'string') {
    throw new AppError('engine-protocol', `${where} answered JSON without a "text" string`);
  }
  return body['text'].trim();
}

/**
 * Creates the OpenAI-compatible STT client. Throws an AppError `config-invalid` for a bad
 * `baseUrl` or `timeoutMs`; contacts no server until the first transcription.
 */
export function createOpenAiStt(options: OpenAiSttOptions): SttEngine {
  return new OpenAiStt(options);
}
