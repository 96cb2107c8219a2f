/** Pure RIFF/WAVE codec for mono or multi-channel PCM s16le; shared by satellite, hub and tests. */

export interface WavAudio {
  readonly rate: number;
  readonly channels: number;
  /** Interleaved 16-bit samples. */
  readonly pcm: Int16Array;
}

export class WavError extends Error {
  override readonly name = 'WavError';
}

/** Parses a PCM s16le WAV; rejects anything else with a WavError naming the problem. */
export function decodeWav(bytes: Uint8Array): WavAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number): string =>
    at + 4 <= bytes.length ? String.fromCharCode(...bytes.subarray(at, at + 4)) : '';
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new WavError('not a RIFF/WAVE file');
  let offset = 12;
  let format: { rate: number; channels: number; bits: number; codec: number } | undefined;
  while (offset + 8 <= bytes.length) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) throw new WavError('truncated fmt chunk');
      format = {
        codec: view.getUint16(body, true),
        channels: view.getUint16(body + 2, true),
        rate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!format) throw new WavError('data chunk before fmt chunk');
      // 0xFFFE is WAVE_FORMAT_EXTENSIBLE, which sox writes for some inputs; still plain PCM here.
      if ((format.codec !== 1 && format.codec !== 0xfffe) || format.bits !== 16) {
        throw new WavError(`unsupported WAV encoding (codec ${format.codec}, ${format.bits} bits)`);
      }
      if (format.channels < 1 || format.rate < 1) throw new WavError('invalid channels or rate');
      // Streamed WAVs (e.g. from a pipe) carry a bogus size: take what is there.
      const end = Math.min(bytes.length, body + size);
      const count = Math.floor((end - body) / 2);
      const pcm = new Int16Array(count);
      for (let i = 0; i < count; i++) pcm[i] = view.getInt16(body + i * 2, true);
      return { rate: format.rate, channels: format.channels, pcm };
    }
    offset = body + size + (size % 2);
  }
  throw new WavError('no data chunk');
}

/** Writes a PCM s16le WAV. */
export function encodeWav(audio: WavAudio): Uint8Array {
  const dataBytes = audio.pcm.length * 2;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  const put = (at: number, s: string): void => {
    for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  };
  put(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, audio.channels, true);
  view.setUint32(24, audio.rate, true);
  view.setUint32(28, audio.rate * audio.channels * 2, true);
  view.setUint16(32, audio.channels * 2, true);
  view.setUint16(34, 16, true);
  put(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < audio.pcm.length; i++) view.setInt16(44 + i * 2, audio.pcm[i] ?? 0, true);
  return out;
}

/** Root-mean-square level of s16 samples, in [0, 32768]. */
export function rms(pcm: Int16Array): number {
  if (pcm.length === 0) return 0;
  let sum = 0;
  for (const s of pcm) sum += s * s;
  return Math.sqrt(sum / pcm.length);
}
