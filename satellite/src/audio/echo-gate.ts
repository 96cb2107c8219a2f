import { LinearResampler, type AudioChunk } from '@jarvis/protocol';

export interface EchoGateOptions {
  /** The longest delay from handing audio to the speaker to hearing it in the mic (500 ms). */
  readonly tailMs?: number;
  /** How much louder than the echo left over the mic must be to count as a person (6 dB). */
  readonly marginDb?: number;
  /** Playback quieter than this (dBFS) is no echo worth gating (-65). */
  readonly floorDb?: number;
  /** What the sound card still plays after playback is stopped (100 ms). */
  readonly speakerBufferMs?: number;
}

const RATE = 16000;
/** Reference and microphone history kept, in samples (16 s). */
const RING = RATE * 16;
/** Delays tried when lining the microphone up with what was played, coarsely. */
const LAG_STEP = 320; // 20 ms
/** Mic chunks kept for estimating the echo path (about 3 s of 80 ms chunks). */
const HISTORY = 40;
/** Chunks heard during playback before the echo path is trusted: until then, nothing passes. */
const MIN_HISTORY = 4;
/** The canceller's taps (16 ms of room response), the direct path this far in. */
const TAPS = 256;
const LEAD = 32;
/** Fine delay search around the coarse lag, and the span it correlates over. */
const FINE_SEARCH = 480;
const FINE_SPAN = RATE / 2;
const STEP_SIZE = 0.1;
/** What is left of the echo, after cancelling, is scaled by this (-30 dB). */
const SUPPRESS = 0.03;
/** Decisions are made per 20 ms, and a voice is followed for 160 ms after it fades. */
const BLOCK = 320;
const HANGOVER_BLOCKS = 8;
/** Chunks in a row taken for a person before the echo estimate is refreshed anyway (6 s). */
const PERSON_RUN_MAX = 75;

interface Heard {
  readonly mic: number;
  /** Reference power at each coarse lag. */
  readonly ref: Float64Array;
  /** What was left after cancelling. */
  readonly residual: number;
}

/**
 * Keeps the satellite from hearing itself. While its speaker plays, the echo is cancelled
 * (the delay found by correlation with what was played, then an adaptive NLMS filter), and
 * a chunk whose remainder the playback still explains is replaced by silence before the wake
 * word engine or the hub hear it; a chunk clearly louder than that (a person talking over
 * the reply, "hey jarvis, stop") passes, with the echo taken out.
 *
 * Time is counted in microphone samples; playback is placed on that count when it starts,
 * then kept contiguous, so the delay stays fixed within one reply.
 */
export class EchoGate {
  private readonly ref = new Float32Array(RING);
  private readonly mic = new Float32Array(RING);
  /** Spans of the reference (in mic samples) that hold what was played. */
  private segments: { start: number; end: number }[] = [];
  private micPos = 0;
  /**
   * Wall time of microphone sample 0, from the chunk that arrived soonest after its capture:
   * chunks pulled late (a busy event loop) do not move it, so playback lands in the right place.
   */
  private micEpoch: number | undefined;
  private epochAt = 0;
  private resampler: LinearResampler | undefined;
  private readonly history: Heard[] = [];
  private readonly weights = new Float64Array(TAPS);
  private goodWeights: Float64Array | undefined;
  /** Echo delay in samples, once found. */
  private delay: number | undefined;
  private chunksSinceSearch = 0;
  private personRun = 0;
  /** After a cut: until when, and how loud the echo was. */
  private tail: { from: number; until: number; level: number } | undefined;
  /** 20 ms blocks still passed after a person's last one. */
  private hangover = 0;
  private readonly lags: number;
  private readonly margin: number;
  private readonly floor: number;
  private readonly quietEnergy: number;
  private readonly bufferSamples: number;

  constructor(
    options: EchoGateOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.lags = Math.floor(((options.tailMs ?? 500) * RATE) / 1000 / LAG_STEP) + 1;
    this.margin = 10 ** ((options.marginDb ?? 6) / 10);
    this.floor = 32768 ** 2 * 10 ** ((options.floorDb ?? -65) / 10);
    this.quietEnergy = TAPS * 32768 ** 2 * 10 ** (-45 / 10);
    this.bufferSamples = Math.round(((options.speakerBufferMs ?? 100) * RATE) / 1000);
  }

  /** Where the microphone is now, in its samples. */
  private micNow(): number {
    if (this.micEpoch === undefined) return this.micPos;
    return Math.max(this.micPos, Math.round(((this.now() - this.micEpoch) * RATE) / 1000));
  }

  private get refEnd(): number {
    return this.segments.at(-1)?.end ?? 0;
  }

  /** Audio handed to the speaker: it plays after whatever is already queued. */
  played(input: Int16Array, rate: number): void {
    const at = this.micNow();
    if (at > this.refEnd || !this.resampler || this.resampler.fromRate !== rate) {
      // Nothing queued: a new stretch of playback, with its own offset to find.
      this.resampler = new LinearResampler(rate, RATE);
      this.segments.push({ start: at, end: at });
      this.delay = undefined;
      this.goodWeights = undefined;
      this.weights.fill(0);
      this.history.length = 0;
    }
    const pcm = this.resampler.push(input);
    const segment = this.segments.at(-1)!;
    for (let i = 0; i < pcm.length; i++) this.ref[(segment.end + i) % RING] = pcm[i]!;
    segment.end += pcm.length;
    this.segments = this.segments.filter((s) => s.end > this.micPos - RING / 2);
  }

  /** Playback was cut short: what the sound card holds still sounds, the rest never will. */
  stopped(): void {
    const at = this.micNow() + this.bufferSamples;
    for (const s of this.segments) s.end = Math.min(s.end, Math.max(s.start, at));
    this.resampler = undefined;
    // Where the sound card really stopped is known only roughly: for one echo tail after
    // the cut, only what is clearly louder than the echo was passes.
    const echo = this.history.slice(-12).reduce((max, h) => Math.max(max, h.mic), 0);
    if (echo > 0) this.tail = { from: at, until: at + this.lags * LAG_STEP, level: echo };
  }

  /** True while something played recently enough to echo. */
  get active(): boolean {
    const now = this.micNow();
    return now < this.refEnd + this.lags * LAG_STEP || now < (this.tail?.until ?? 0);
  }

  /** The chunk as it arrived, or with the echo taken out, or silence when only echo is left. */
  filter(chunk: AudioChunk): AudioChunk {
    const m0 = this.micPos;
    const n = chunk.pcm.length;
    for (let i = 0; i < n; i++) this.mic[(m0 + i) % RING] = chunk.pcm[i]!;
    this.micPos += n;
    const now = this.now();
    const epoch = now - (this.micPos * 1000) / RATE;
    // Creeping forward 100 ppm: the sound card's clock and the system's drift apart.
    const crept = this.micEpoch === undefined ? epoch : this.micEpoch + (now - this.epochAt) * 1e-4;
    this.micEpoch = Math.min(epoch, crept);
    this.epochAt = now;
    const tail = this.tail;
    if (tail && m0 >= tail.from && m0 < tail.until) return this.afterCut(chunk, tail.level);
    if (chunk.rate !== RATE || !this.overlaps(m0 - this.lags * LAG_STEP - TAPS, m0 + n)) {
      this.history.length = 0;
      return chunk;
    }
    const ref = new Float64Array(this.lags);
    let loudest = 0;
    for (let l = 0; l < this.lags; l++) {
      ref[l] = this.power(this.ref, m0 - l * LAG_STEP, n, true);
      loudest = Math.max(loudest, ref[l]!);
    }
    if (loudest < this.floor) return chunk;
    const micPower = this.power(this.mic, m0, n, false);
    this.findDelay(ref, micPower);
    // First without adapting, to decide; a person's voice must not train the echo filter.
    let trial = this.cancel(m0, n, false);
    // Talk the decision missed may have thrown the filter off: the last good one may do better.
    if (this.goodWeights) {
      const current = this.weights.slice();
      this.weights.set(this.goodWeights);
      const fallback = this.cancel(m0, n, false);
      if (meanSquare(fallback) < meanSquare(trial) / 2) trial = fallback;
      else this.weights.set(current);
    }
    const heard: Heard = { mic: micPower, ref, residual: meanSquare(trial) };
    const voiced = this.personBlocks(m0, trial);
    const person = voiced.some(Boolean);
    const out = person || this.delay === undefined ? trial : this.cancel(m0, n, true);
    // Cancelling very well (30 dB or more) with nobody talking: a filter worth going back to.
    if (!person && this.delay !== undefined && meanSquare(out) < micPower / 1000)
      this.goodWeights = this.weights.slice();
    // Only echo teaches what echo looks like; a long run of "person" means the room changed.
    if (!person || ++this.personRun > PERSON_RUN_MAX) {
      this.personRun = 0;
      this.history.push({ ...heard, residual: meanSquare(out) });
      if (this.history.length > HISTORY) this.history.shift();
    }
    // Where only echo is left it is turned well down (all of it, while nothing cancels yet),
    // over a faint noise: digital silence throws speech recognisers off (their level
    // normalisation has nothing to hold on to).
    const keep = this.delay === undefined ? 0 : SUPPRESS;
    return {
      ...chunk,
      pcm: Int16Array.from(out, (v, i) =>
        voiced[Math.floor(i / BLOCK)]
          ? Math.max(-32768, Math.min(32767, Math.round(v)))
          : Math.round(v * keep + (Math.random() - 0.5) * 3),
      ),
    };
  }

  /** Just after playback was cut: a block passes only if clearly louder than the echo was. */
  private afterCut(chunk: AudioChunk, echo: number): AudioChunk {
    const pcm = chunk.pcm;
    const out = new Int16Array(pcm.length);
    for (let from = 0; from < pcm.length; from += BLOCK) {
      const block = pcm.subarray(from, from + BLOCK);
      let power = 0;
      for (const v of block) power += v * v;
      const loud = power / Math.max(1, block.length) > echo * this.margin;
      if (loud) this.hangover = HANGOVER_BLOCKS;
      const pass = loud || this.hangover-- > 0;
      for (let i = 0; i < block.length; i++)
        out[from + i] = pass
          ? block[i]!
          : Math.round(block[i]! * SUPPRESS + (Math.random() - 0.5) * 3);
    }
    return { ...chunk, pcm: out };
  }

  /**
   * For each 20 ms of the chunk: does a person speak in it (more left after cancelling than
   * the echo explains, by the margin)? A word's soft start just before and its tail after
   * (hangover) count with it.
   */
  private personBlocks(m0: number, residual: Float64Array): boolean[] {
    const blocks = Math.ceil(residual.length / BLOCK);
    const voiced = new Array<boolean>(blocks).fill(false);
    const gain = this.echoGain();
    if (gain === undefined || this.delay === undefined) return voiced;
    for (let b = 0; b < blocks; b++) {
      const from = b * BLOCK;
      const block = residual.subarray(from, from + BLOCK);
      const left = meanSquare(block);
      // The echo in this block left the speaker `delay` earlier, give or take a block.
      const at = m0 + from - this.delay;
      const expected = Math.max(
        this.power(this.ref, at - BLOCK, BLOCK, true),
        this.power(this.ref, at, BLOCK, true),
        this.power(this.ref, at + BLOCK, BLOCK, true),
      );
      if (left > gain * expected * this.margin && left > this.floor) {
        voiced[b] = true;
        if (b > 0) voiced[b - 1] = true;
        this.hangover = HANGOVER_BLOCKS;
      } else if (this.hangover > 0) {
        this.hangover--;
        voiced[b] = true;
      }
    }
    return voiced;
  }

  /** Mic minus the estimated echo (the mic itself while the delay is unknown). */
  private cancel(m0: number, n: number, adapt: boolean): Float64Array {
    const out = new Float64Array(n);
    const delay = this.delay;
    const w = this.weights;
    const x = new Float64Array(TAPS);
    for (let i = 0; i < n; i++) {
      const m = this.mic[(m0 + i) % RING]!;
      if (delay === undefined) {
        out[i] = m;
        continue;
      }
      // Tap k holds the reference `delay - LEAD + k` samples back.
      const base = m0 + i - delay + LEAD;
      let y = 0;
      // Regularised: when the reply pauses, a voice in the room must not swing the filter.
      let energy = this.quietEnergy;
      for (let k = 0; k < TAPS; k++) {
        const v = this.refAt(base - k);
        x[k] = v;
        y += w[k]! * v;
        energy += v * v;
      }
      const e = m - y;
      out[i] = e;
      if (adapt) {
        const g = (STEP_SIZE * e) / energy;
        for (let k = 0; k < TAPS; k++) w[k]! += g * x[k]!;
      }
    }
    return out;
  }

  /** Coarse lag from loudness, then the exact delay from the waveforms, about once a second. */
  private findDelay(ref: Float64Array, micPower: number): void {
    this.chunksSinceSearch++;
    const heard = [...this.history, { mic: micPower, ref, residual: micPower }];
    if (heard.length < MIN_HISTORY) return;
    if (this.delay !== undefined && this.chunksSinceSearch < 12) return;
    this.chunksSinceSearch = 0;
    const coarse = bestLag(heard, this.lags) * LAG_STEP;
    const end = this.micPos;
    let best = 0;
    let bestDelay: number | undefined;
    for (let d = Math.max(0, coarse - FINE_SEARCH); d <= coarse + FINE_SEARCH; d++) {
      let xy = 0;
      let yy = 0;
      for (let j = end - FINE_SPAN; j < end; j += 2) {
        const r = this.refAt(j - d);
        xy += this.mic[((j % RING) + RING) % RING]! * r;
        yy += r * r;
      }
      const score = yy > 0 ? Math.abs(xy) / Math.sqrt(yy) : 0;
      if (score > best) {
        best = score;
        bestDelay = d;
      }
    }
    if (bestDelay === undefined || bestDelay === this.delay) return;
    // A new delay: start the filter from the plain gain at the direct path.
    let xy = 0;
    let yy = 0;
    for (let j = end - FINE_SPAN; j < end; j++) {
      const r = this.refAt(j - bestDelay);
      xy += this.mic[((j % RING) + RING) % RING]! * r;
      yy += r * r;
    }
    this.delay = bestDelay;
    this.goodWeights = undefined;
    this.weights.fill(0);
    this.weights[LEAD] = yy > 0 ? xy / yy : 0;
  }

  /** How much of the echo is left after cancelling (power ratio), once known. */
  private echoGain(): number | undefined {
    if (this.history.length < MIN_HISTORY || this.delay === undefined) return undefined;
    const lag = Math.min(this.lags - 1, Math.round(this.delay / LAG_STEP));
    const gains = this.history
      .filter((h) => h.ref[lag]! >= this.floor)
      .map((h) => h.residual / h.ref[lag]!)
      .sort((a, b) => a - b);
    if (gains.length < MIN_HISTORY) return undefined;
    // The median: talking over the reply is the exception, the echo the rule.
    return gains[Math.floor(gains.length / 2)]!;
  }

  private overlaps(from: number, to: number): boolean {
    return this.segments.some((s) => s.start < to && s.end > from);
  }

  /** The reference at mic sample `j`: 0 where nothing played. */
  private refAt(j: number): number {
    for (const s of this.segments) if (j >= s.start && j < s.end) return this.ref[j % RING]!;
    return 0;
  }

  private power(ring: Float32Array, from: number, n: number, isRef: boolean): number {
    let sum = 0;
    for (let j = from; j < from + n; j++) {
      const v = isRef ? this.refAt(j) : ring[((j % RING) + RING) % RING]!;
      sum += v * v;
    }
    return sum / Math.max(1, n);
  }
}

function meanSquare(pcm: Float64Array): number {
  let sum = 0;
  for (const v of pcm) sum += v * v;
  return sum / Math.max(1, pcm.length);
}

/** The coarse lag at which the mic's loudness follows the played loudness most closely. */
function bestLag(history: readonly Heard[], lags: number): number {
  let best = 0;
  let bestScore = -Infinity;
  const mic = history.map((h) => Math.log10(h.mic + 1));
  for (let l = 0; l < lags; l++) {
    const score = correlation(
      mic,
      history.map((h) => Math.log10(h.ref[l]! + 1)),
    );
    if (score > bestScore) {
      bestScore = score;
      best = l;
    }
  }
  return best;
}

function correlation(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  return va === 0 || vb === 0 ? 0 : cov / Math.sqrt(va * vb);
}
