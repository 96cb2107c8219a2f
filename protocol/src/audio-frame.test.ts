import { describe, expect, it } from 'vitest';
import { AUDIO_FRAME_HEADER_BYTES, decodeAudioFrame, encodeAudioFrame } from './audio-frame.js';
import { ProtocolError } from './errors.js';
import { MAX_AUDIO_FRAME_BYTES } from './limits.js';

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

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof ProtocolError ? err.code : `not a ProtocolError: ${String(err)}`;
  }
  return undefined;
};

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
    ['unknown version', Uint8Array.from([9, ...GOLDEN.subarray(1)]), 'bad-frame'],
    ['unknown kind', Uint8Array.from([1, 7, ...GOLDEN.subarray(2)]), 'bad-frame'],
    ['oversized', new Uint8Array(MAX_AUDIO_FRAME_BYTES + 2), 'frame-too-large'],
  ])('rejects %s', (_n, bytes, expected) => {
    expect(code(() => decodeAudioFrame(bytes))).toBe(expected);
  });

  it('refuses-to-encode-an-oversized-frame', () => {
    expect(
      code(() => encodeAudioFrame({ ...FRAME, pcm: new Int16Array(MAX_AUDIO_FRAME_BYTES) })),
    ).toBe('frame-too-large');
  });
});
