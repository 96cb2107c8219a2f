import createEspeakModule, { type EspeakNgWorker } from '@echogarden/espeak-ng-emscripten';
import { AppError } from '../../errors.js';
import type { AudioChunk, EngineContext, TtsEngine } from '../types.js';
import { SentenceSplitter } from './sentence-splitter.js';

export interface EspeakTtsOptions {
  /** eSpeak-NG voice name, e.g. `en-us`, `en-gb`, `fr` (default `en-us`). */
  readonly voice?: string;
  /** Speaking rate in words per minute, 80–450 (default 175, eSpeak's own). */
  readonly rateWpm?: number;
  /** Base pitch, 0–99 (default 50). */
  readonly pitch?: number;
  /** Longest audio chunk yielded, in ms (default 100): small chunks let playback start early. */
  readonly chunkMs?: number;
  /** Silence between sentences, in ms (default 200): each sentence is synthesized on its own. */
  readonly sentencePauseMs?: number;
}

interface Settings {
  readonly voice: string;
  readonly rateWpm: number;
  readonly pitch: number;
}

/**
 * The process's one eSpeak-NG instance. eSpeak keeps voice and parameters in global state, so
 * every engine shares this one and re-applies its own settings before each sentence. Calls cannot
 * interleave: `synthesize` runs synchronously to completion on the JS thread.
 */
class EspeakSynth {
  private applied: string | undefined;
  readonly sampleRate: number;

  constructor(private readonly worker: EspeakNgWorker) {
    this.sampleRate = worker.get_samplerate();
  }

  apply(settings: Settings): void {
    const key = `${settings.voice}|${settings.rateWpm}|${settings.pitch}`;
    if (key === this.applied) return;
    this.applied = undefined;
    const code = this.worker.set_voice(settings.voice);
    if (code !== 0) {
      throw new AppError(
        'config-invalid',
        `eSpeak-NG has no voice "${settings.voice}" (code ${code})`,
      );
    }
    this.worker.set_rate(settings.rateWpm);
    this.worker.set_pitch(settings.pitch);
    this.applied = key;
  }

  /** Speaks one sentence; returns its samples at `sampleRate`. */
  speak(text: string, settings: Settings): Int16Array {
    this.apply(settings);
    const blocks: Int16Array[] = [];
    let total = 0;
    this.worker.synthesize(text, (samples) => {
      blocks.push(samples);
      total += samples.length;
      return false;
    });
    const out = new Int16Array(total);
    let at = 0;
    for (const b of blocks) {
      out.set(b, at);
      at += b.length;
    }
    return out;
  }
}

let shared: Promise<EspeakSynth> | undefined;

function loadSynth(): Promise<EspeakSynth> {
  shared ??= createEspeakModule()
    .then((m) => new EspeakSynth(new m.eSpeakNGWorker()))
    .catch((err: unknown) => {
      shared = undefined; // let a later call retry
      throw new AppError('tts-failed', 'cannot load eSpeak-NG (WASM)', true, { cause: err });
    });
  return shared;
}

function checkRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new AppError(
      'config-invalid',
      `espeak ${name} must be within ${min}–${max}, got ${value}`,
    );
  }
  return value;
}

/**
 * Text to speech with eSpeak-NG compiled to WASM (npm `@echogarden/espeak-ng-emscripten`):
 * English and French voices, 22.05 kHz mono. The WASM module loads once per process.
 */
export async function createEspeakTts(options: EspeakTtsOptions = {}): Promise<TtsEngine> {
  const settings: Settings = {
    voice: options.voice ?? 'en-us',
    rateWpm: checkRange('rateWpm', options.rateWpm ?? 175, 80, 450),
    pitch: checkRange('pitch', options.pitch ?? 50, 0, 99),
  };
  const chunkMs = checkRange('chunkMs', options.chunkMs ?? 100, 10, 1000);
  const pauseMs = checkRange('sentencePauseMs', options.sentencePauseMs ?? 200, 0, 2000);
  const synth = await loadSynth();
  synth.apply(settings); // rejects an unknown voice now rather than mid-reply
  return new EspeakTts(synth, settings, chunkMs, pauseMs);
}

/** Position within one reply, carried across its sentences. */
interface ReplyState {
  sampleOffset: number;
  sentences: number;
}

class EspeakTts implements TtsEngine {
  readonly id: string;
  readonly sampleRate: number;
  private closed = false;

  constructor(
    private readonly synth: EspeakSynth,
    private readonly settings: Settings,
    private readonly chunkMs: number,
    private readonly pauseMs: number,
  ) {
    this.id = `espeak-ng-wasm:${settings.voice}`;
    this.sampleRate = synth.sampleRate;
  }

  async *synthesize(text: AsyncIterable<string>, ctx: EngineContext): AsyncIterable<AudioChunk> {
    if (this.closed) throw new AppError('tts-failed', 'espeak engine is closed');
    const splitter = new SentenceSplitter();
    const reply: ReplyState = { sampleOffset: 0, sentences: 0 };
    for await (const piece of text) {
      if (ctx.signal.aborted) return;
      for (const sentence of splitter.push(piece)) {
        if (ctx.signal.aborted || !(yield* this.speak(sentence, reply, ctx))) return;
      }
    }
    for (const sentence of splitter.flush()) {
      if (ctx.signal.aborted || !(yield* this.speak(sentence, reply, ctx))) return;
    }
  }

  /** Synthesizes one sentence and yields it in chunks; returns false once aborted. */
  private *speak(
    sentence: string,
    reply: ReplyState,
    ctx: EngineContext,
  ): Generator<AudioChunk, boolean> {
    const rate = this.sampleRate;
    const started = performance.now();
    const speech = this.synth.speak(sentence, this.settings);
    const lead = reply.sentences > 0 ? Math.round((rate * this.pauseMs) / 1000) : 0;
    const pcm = new Int16Array(lead + speech.length);
    pcm.set(speech, lead);
    reply.sentences++;
    ctx.log.debug(
      {
        sessionId: ctx.sessionId,
        chars: sentence.length,
        audioMs: Math.round((pcm.length * 1000) / rate),
        synthMs: Math.round(performance.now() - started),
      },
      'tts sentence',
    );
    const chunkSamples = Math.max(1, Math.round((rate * this.chunkMs) / 1000));
    for (let at = 0; at < pcm.length; at += chunkSamples) {
      if (ctx.signal.aborted) return false;
      const piece = pcm.slice(at, at + chunkSamples);
      yield { pcm: piece, rate, timestampMs: (reply.sampleOffset * 1000) / rate };
      reply.sampleOffset += piece.length;
    }
    return true;
  }

  close(): Promise<void> {
    // The WASM instance is shared by the process and lives as long as it does.
    this.closed = true;
    return Promise.resolve();
  }
}
