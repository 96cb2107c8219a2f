/** Sample-rate and channel conversion for s16 PCM: simple and cheap, good enough for speech. */

/**
 * Linear-interpolation resampler that works on a stream: feed chunks with `push`, then `flush`
 * once at the end. The output has `ceil(inputSamples * toRate / fromRate)` samples in all,
 * whatever the chunking. No anti-alias filter: fine for speech going down to 16 kHz.
 */
export class LinearResampler {
  /** Input samples per output sample. */
  private readonly step: number;
  private inCount = 0;
  private outCount = 0;
  /** The last input sample seen (index `inCount - 1`), needed to interpolate across chunks. */
  private carry = 0;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
  ) {
    if (!(fromRate > 0 && toRate > 0))
      throw new RangeError(`invalid sample rates ${fromRate} -> ${toRate}`);
    this.step = fromRate / toRate;
  }

  /** Resamples the next chunk; may hold back the last output sample until more input comes. */
  push(input: Int16Array): Int16Array {
    if (this.fromRate === this.toRate) {
      this.inCount += input.length;
      this.outCount += input.length;
      return input.slice();
    }
    const base = this.inCount;
    const end = base + input.length;
    const out = new Int16Array(Math.ceil(input.length / this.step) + 2);
    let n = 0;
    for (;;) {
      // Position from the output index each time, so rounding errors do not accumulate.
      const pos = this.outCount * this.step;
      const i = Math.floor(pos);
      if (i + 1 >= end) break;
      const a = i >= base ? input[i - base]! : this.carry;
      const b = input[i + 1 - base]!;
      out[n++] = Math.round(a + (b - a) * (pos - i));
      this.outCount++;
    }
    if (input.length > 0) this.carry = input[input.length - 1]!;
    this.inCount = end;
    return out.subarray(0, n);
  }

  /** Ends the stream: returns the last samples, which repeat the final input sample. */
  flush(): Int16Array {
    const total = Math.ceil((this.inCount * this.toRate) / this.fromRate);
    const out = new Int16Array(Math.max(0, total - this.outCount)).fill(this.carry);
    this.outCount += out.length;
    return out;
  }
}

/** Resamples a whole clip. */
export function resample(pcm: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate) return pcm;
  const r = new LinearResampler(fromRate, toRate);
  const head = r.push(pcm);
  const tail = r.flush();
  const out = new Int16Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

/** Averages interleaved channels into mono. */
export function downmix(pcm: Int16Array, channels: number): Int16Array {
  if (channels === 1) return pcm;
  if (!Number.isInteger(channels) || channels < 1)
    throw new RangeError(`invalid channel count ${channels}`);
  const frames = Math.floor(pcm.length / channels);
  const out = new Int16Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += pcm[f * channels + c]!;
    out[f] = Math.round(sum / channels);
  }
  return out;
}
