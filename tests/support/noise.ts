/** Deterministic background noise for tests, benches and evaluations: the same every run. */

/** RMS of `sox -n synth pinknoise vol 0.05` (1 % of full scale), the reference noise level. */
export const REFERENCE_NOISE_RMS = 340;

/** Pink noise (white noise through Paul Kellet's filter) at the given RMS. */
export function pinkNoise(samples: number, targetRms: number, seed = 7): Float64Array {
  let state = seed;
  const white = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
  const out = new Float64Array(samples);
  let b0 = 0,
    b1 = 0,
    b2 = 0,
    b3 = 0,
    b4 = 0,
    b5 = 0,
    b6 = 0;
  for (let i = 0; i < samples; i++) {
    const w = white();
    b0 = 0.99886 * b0 + w * 0.0555179;
    b1 = 0.99332 * b1 + w * 0.0750759;
    b2 = 0.969 * b2 + w * 0.153852;
    b3 = 0.8665 * b3 + w * 0.3104856;
    b4 = 0.55 * b4 + w * 0.5329522;
    b5 = -0.7616 * b5 - w * 0.016898;
    out[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
    b6 = w * 0.115926;
  }
  const rms = Math.sqrt(out.reduce((s, v) => s + v * v, 0) / samples);
  return out.map((v) => (v * targetRms) / rms);
}

/** Adds `noise` to `pcm`, clipping to 16 bits. */
export function mix(pcm: Int16Array, noise: Float64Array): Int16Array {
  return pcm.map((s, i) => Math.max(-32768, Math.min(32767, Math.round(s + (noise[i] ?? 0)))));
}

/** RMS of the loud (speech) 10 ms frames of 16 kHz audio, so padding does not dilute it. */
export function speechRms(pcm: Int16Array, floor = 300): number {
  const frame = 160;
  let sum = 0;
  let n = 0;
  for (let i = 0; i + frame <= pcm.length; i += frame) {
    let f = 0;
    for (let j = i; j < i + frame; j++) f += pcm[j]! ** 2;
    if (Math.sqrt(f / frame) < floor) continue;
    sum += f;
    n += frame;
  }
  return n ? Math.sqrt(sum / n) : 0;
}

/** Pink noise added at `snrDb` below the speech's level. */
export function addNoiseAtSnr(pcm: Int16Array, snrDb: number, seed = 7): Int16Array {
  const target = speechRms(pcm) / 10 ** (snrDb / 20);
  return mix(pcm, pinkNoise(pcm.length, target, seed));
}
