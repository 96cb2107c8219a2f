import * as ort from 'onnxruntime-node';
import { join } from 'node:path';

/** Audio consumed per feature step: 80 ms at 16 kHz. */
export const STEP_SAMPLES = 1280;
/** Left context the melspectrogram model needs on top of each step (3 hops of 160 + window). */
const CONTEXT_SAMPLES = 480;
/** Mel frames the embedding model looks at (about 775 ms). */
const EMBEDDING_FRAMES = 76;
const MEL_BINS = 32;
/** Size of one embedding ("feature") vector. */
export const FEATURE_SIZE = 96;

/** One CPU thread per model: the satellite is a Raspberry Pi and runs other work too. */
export const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
};

/**
 * openWakeWord's shared front end: 16 kHz audio → mel frames → 96-dim embeddings, one
 * embedding per 80 ms step. Wake models then score the last N embeddings.
 */
export class OpenWakeWordFeatures {
  /** The last CONTEXT_SAMPLES + STEP_SAMPLES samples, int16-scale floats. */
  private readonly audio = new Float32Array(CONTEXT_SAMPLES + STEP_SAMPLES);
  /** The last EMBEDDING_FRAMES mel frames, row-major (frame × bin). */
  private mel = new Float32Array(EMBEDDING_FRAMES * MEL_BINS);
  private featureRing: Float32Array[] = [];
  /** Bumped by reset() so a step still running on old audio drops its result. */
  private generation = 0;

  private constructor(
    private readonly melSession: ort.InferenceSession,
    private readonly embeddingSession: ort.InferenceSession,
    /** Embedding of a silent mel window, used to pre-fill the feature history. */
    private readonly silentFeature: Float32Array,
    /** How many embeddings to keep: the longest window any wake model reads. */
    private readonly keep: number,
  ) {
    this.reset();
  }

  /** Loads `melspectrogram.onnx` and `embedding_model.onnx` from `modelDir`. */
  static async load(modelDir: string, keep: number): Promise<OpenWakeWordFeatures> {
    const [melSession, embeddingSession] = await Promise.all([
      ort.InferenceSession.create(join(modelDir, 'melspectrogram.onnx'), SESSION_OPTIONS),
      ort.InferenceSession.create(join(modelDir, 'embedding_model.onnx'), SESSION_OPTIONS),
    ]);
    // The reference pipeline starts its mel buffer at 1.0 (a quiet signal after scaling).
    const silentMel = new Float32Array(EMBEDDING_FRAMES * MEL_BINS).fill(1);
    const silentFeature = await embed(embeddingSession, silentMel);
    return new OpenWakeWordFeatures(melSession, embeddingSession, silentFeature, keep);
  }

  /** Forgets all audio: history becomes silence. */
  reset(): void {
    this.generation++;
    this.audio.fill(0);
    this.mel = new Float32Array(EMBEDDING_FRAMES * MEL_BINS).fill(1);
    this.featureRing = Array.from({ length: this.keep }, () => this.silentFeature);
  }

  /** Consumes exactly STEP_SAMPLES samples (int16 scale) and appends one embedding. */
  async step(samples: Float32Array): Promise<void> {
    if (samples.length !== STEP_SAMPLES) throw new RangeError(`step needs ${STEP_SAMPLES} samples`);
    const generation = this.generation;
    this.audio.copyWithin(0, STEP_SAMPLES);
    this.audio.set(samples, CONTEXT_SAMPLES);

    const input = new ort.Tensor('float32', this.audio.slice(), [1, this.audio.length]);
    const out = await this.melSession.run({ [this.melSession.inputNames[0]!]: input });
    const frames = out[this.melSession.outputNames[0]!]!.data as Float32Array;
    if (generation !== this.generation) return;
    const count = Math.min(frames.length / MEL_BINS, EMBEDDING_FRAMES);
    const mel = new Float32Array(EMBEDDING_FRAMES * MEL_BINS);
    mel.set(this.mel.subarray(count * MEL_BINS));
    for (let i = 0; i < count * MEL_BINS; i++) {
      mel[(EMBEDDING_FRAMES - count) * MEL_BINS + i] =
        frames[frames.length - count * MEL_BINS + i]! / 10 + 2;
    }
    this.mel = mel;

    const feature = await embed(this.embeddingSession, mel);
    if (generation !== this.generation) return;
    this.featureRing.push(feature);
    if (this.featureRing.length > this.keep) this.featureRing.shift();
  }

  /** The last `count` embeddings, oldest first, flattened to count × FEATURE_SIZE. */
  lastFeatures(count: number): Float32Array {
    const out = new Float32Array(count * FEATURE_SIZE);
    const from = this.featureRing.length - count;
    for (let i = 0; i < count; i++) out.set(this.featureRing[from + i]!, i * FEATURE_SIZE);
    return out;
  }

  async close(): Promise<void> {
    await Promise.all([this.melSession.release(), this.embeddingSession.release()]);
  }
}

async function embed(session: ort.InferenceSession, mel: Float32Array): Promise<Float32Array> {
  const input = new ort.Tensor('float32', mel, [1, EMBEDDING_FRAMES, MEL_BINS, 1]);
  const out = await session.run({ [session.inputNames[0]!]: input });
  return Float32Array.from(out[session.outputNames[0]!]!.data as Float32Array);
}
