import { describe, expect, it } from 'vitest';
import { downmix, LinearResampler, resample } from './resample.js';

function sine(rate: number, hz: number, samples: number): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) =>
    Math.round(10000 * Math.sin((2 * Math.PI * hz * i) / rate)),
  );
}

describe('resample', () => {
  it('22050-to-16000-gives-the-right-length-and-keeps-the-waveform', () => {
    const input = sine(22050, 440, 22050);
    const out = resample(input, 22050, 16000);
    expect(out.length).toBe(16000);
    const expected = sine(16000, 440, 16000);
    let maxError = 0;
    for (let i = 0; i < out.length - 1; i++)
      maxError = Math.max(maxError, Math.abs(out[i]! - expected[i]!));
    expect(maxError).toBeLessThan(200); // linear interpolation of a 440 Hz tone is close
  });

  it('upsamples-8000-to-16000-with-interpolated-midpoints', () => {
    const out = resample(Int16Array.from([0, 100, 200, -200]), 8000, 16000);
    expect(Array.from(out)).toEqual([0, 50, 100, 150, 200, 0, -200, -200]);
  });

  it('same-rate-is-a-no-op', () => {
    const pcm = Int16Array.from([1, 2, 3]);
    expect(resample(pcm, 16000, 16000)).toBe(pcm);
  });

  it('streaming-in-odd-chunks-equals-resampling-the-whole-clip', () => {
    const input = sine(44100, 300, 10007);
    const whole = resample(input, 44100, 16000);
    const r = new LinearResampler(44100, 16000);
    const parts: number[] = [];
    for (let at = 0, size = 1; at < input.length; at += size, size = (size * 7 + 3) % 997 || 1) {
      parts.push(...r.push(input.subarray(at, at + size)));
    }
    parts.push(...r.flush());
    expect(parts.length).toBe(Math.ceil((10007 * 16000) / 44100));
    expect(Int16Array.from(parts)).toEqual(whole);
  });

  it('rejects-non-positive-rates', () => {
    expect(() => new LinearResampler(0, 16000)).toThrow(RangeError);
  });
});

describe('downmix', () => {
  it('averages-interleaved-stereo-into-mono', () => {
    expect(Array.from(downmix(Int16Array.from([100, 300, -100, -300, 32767, 32767]), 2))).toEqual([
      200, -200, 32767,
    ]);
  });
});
