import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  AUDIO_FRAME_HEADER_BYTES,
  decodeAudioFrame,
  encodeAudioFrame,
  MAX_AUDIO_FRAME_SAMPLES,
  type AudioFrame,
} from './audio-frame.js';
import { MAX_AUDIO_FRAME_BYTES } from './limits.js';
import { protocolErrorCode } from './testing/error-code.js';

// Written out by hand from the layout: version, kind, stream (LE), sequence (LE), timestamp (LE), samples (LE).
const GOLDEN = Uint8Array.from([
  0x01, 0x02, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 0xe8, 0x03, 0x00, 0x00, 0x01, 0x00, 0xff, 0xff,
  0x00, 0x80, 0xff, 0x7f,
]);
const FRAME = {
  kind: 'tts',
  stream: 0x1234,
  sequence: 0x12345678,
  timestampMs: 1000,
  pcm: Int16Array.from([1, -1, -32768, 32767]),
} as const;

const code = protocolErrorCode;

describe('audio frame codec', () => {
  it('encodes-to-the-golden-bytes', () => {
    expect([...encodeAudioFrame(FRAME)]).toEqual([...GOLDEN]);
  });

  it('decodes-the-golden-bytes', () => {
    const f = decodeAudioFrame(GOLDEN);
    expect({ ...f, pcm: [...f.pcm] }).toEqual({ ...FRAME, pcm: [1, -1, -32768, 32767] });
  });

  it('decodes-from-an-unaligned-view-into-a-fresh-array', () => {
    const backing = new Uint8Array(GOLDEN.length + 1);
    backing.set(GOLDEN, 1);
    const view = backing.subarray(1);
    const f = decodeAudioFrame(view);
    expect([...f.pcm]).toEqual([1, -1, -32768, 32767]);
    backing[AUDIO_FRAME_HEADER_BYTES + 1] = 9;
    expect(f.pcm[0]).toBe(1);
  });

  it('a-mic-frame-with-no-samples-is-valid', () => {
    const f = decodeAudioFrame(
      encodeAudioFrame({
        kind: 'mic',
        stream: 0,
        sequence: 0,
        timestampMs: 0,
        pcm: new Int16Array(0),
      }),
    );
    expect(f.kind).toBe('mic');
    expect(f.pcm.length).toBe(0);
  });

  it.each([
    ['short header', GOLDEN.subarray(0, 11), 'bad-frame'],
    ['odd payload', GOLDEN.subarray(0, 13), 'bad-frame'],
    ['empty', new Uint8Array(0), 'bad-frame'],
    [
      'header only but one byte short',
      GOLDEN.subarray(0, AUDIO_FRAME_HEADER_BYTES - 1),
      'bad-frame',
    ],
    ['unknown version', Uint8Array.from([9, ...GOLDEN.subarray(1)]), 'bad-frame'],
    ['version 0', Uint8Array.from([0, ...GOLDEN.subarray(1)]), 'bad-frame'],
    ['kind 0', Uint8Array.from([1, 0, ...GOLDEN.subarray(2)]), 'bad-frame'],
    ['unknown kind', Uint8Array.from([1, 7, ...GOLDEN.subarray(2)]), 'bad-frame'],
    ['oversized', new Uint8Array(MAX_AUDIO_FRAME_BYTES + 2), 'frame-too-large'],
    ['oversized and also odd', new Uint8Array(MAX_AUDIO_FRAME_BYTES + 1), 'frame-too-large'],
  ])('rejects %s', (_n, bytes, expected) => {
    expect(code(() => decodeAudioFrame(bytes))).toBe(expected);
  });

  it('decodes-a-node-buffer-from-the-shared-pool-without-aliasing-it', () => {
    // Small Buffer.from() copies live at odd offsets inside one shared 8 KiB pool.
    const pad = Buffer.from([0xaa]);
    const buf = Buffer.from(GOLDEN);
    expect(pad.buffer).toBe(buf.buffer);
    const f = decodeAudioFrame(buf);
    expect([...f.pcm]).toEqual([1, -1, -32768, 32767]);
    expect(f.pcm.buffer).not.toBe(buf.buffer);
    expect(f.pcm.byteLength).toBe(8);
  });

  it('matches-a-byte-by-byte-reference-codec-on-random-frames', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'mic' | 'tts'>('mic', 'tts'),
        fc.integer({ min: 0, max: 0xffff }),
        fc.nat({ max: 0xffffffff }),
        fc.nat({ max: 0xffffffff }),
        fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 64 }),
        (kind, stream, sequence, timestampMs, samples) => {
          const bytes = encodeAudioFrame({
            kind,
            stream,
            sequence,
            timestampMs,
            pcm: Int16Array.from(samples),
          });
          const v = new DataView(bytes.buffer);
          expect(v.getUint8(0)).toBe(1);
          expect(v.getUint8(1)).toBe(kind === 'mic' ? 1 : 2);
          expect(v.getUint16(2, true)).toBe(stream);
          expect(v.getUint32(4, true)).toBe(sequence);
          expect(v.getUint32(8, true)).toBe(timestampMs);
          samples.forEach((x, i) => expect(v.getInt16(12 + 2 * i, true)).toBe(x));
          const back = decodeAudioFrame(bytes);
          expect({ ...back, pcm: [...back.pcm] }).toEqual({
            kind,
            stream,
            sequence,
            timestampMs,
            pcm: samples,
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a-frame-of-exactly-the-maximum-size-round-trips', () => {
    const pcm = new Int16Array(MAX_AUDIO_FRAME_SAMPLES).fill(-2);
    const bytes = encodeAudioFrame({ ...FRAME, pcm });
    expect(bytes.length).toBe(MAX_AUDIO_FRAME_BYTES);
    expect(decodeAudioFrame(bytes).pcm.length).toBe(MAX_AUDIO_FRAME_SAMPLES);
  });

  it.each([
    ['stream above u16', { stream: 0x10000 }],
    ['negative stream', { stream: -1 }],
    ['fractional sequence', { sequence: 1.5 }],
    ['sequence above u32', { sequence: 2 ** 32 }],
    ['negative timestamp', { timestampMs: -5 }],
    ['NaN timestamp', { timestampMs: Number.NaN }],
    ['unknown kind', { kind: 'video' }],
  ])('refuses-to-encode %s', (_n, patch) => {
    expect(code(() => encodeAudioFrame({ ...FRAME, ...patch } as unknown as AudioFrame))).toBe(
      'bad-frame',
    );
  });

  it('rounds-a-fractional-timestamp-on-encode', () => {
    expect(decodeAudioFrame(encodeAudioFrame({ ...FRAME, timestampMs: 12.6 })).timestampMs).toBe(
      13,
    );
  });

  it('refuses-to-encode-an-oversized-frame', () => {
    expect(
      code(() => encodeAudioFrame({ ...FRAME, pcm: new Int16Array(MAX_AUDIO_FRAME_BYTES) })),
    ).toBe('frame-too-large');
  });
});
