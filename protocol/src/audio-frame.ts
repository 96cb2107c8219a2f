import { ProtocolError } from './errors.js';
import { MAX_AUDIO_FRAME_BYTES } from './limits.js';

/**
 * Binary audio frame, little-endian:
 *   u8 frame version (1) | u8 kind (1 mic, 2 tts) | u16 stream | u32 sequence | u32 timestampMs | PCM s16le…
 */
export const AUDIO_FRAME_VERSION = 1;
export const AUDIO_FRAME_HEADER_BYTES = 12;

export type AudioFrameKind = 'mic' | 'tts';

export interface AudioFrame {
  readonly kind: AudioFrameKind;
  readonly stream: number;
  readonly sequence: number;
  /** Milliseconds since the stream started. */
  readonly timestampMs: number;
  readonly pcm: Int16Array;
}

const KIND_CODE: Record<AudioFrameKind, number> = { mic: 1, tts: 2 };
const KIND_NAME: Record<number, AudioFrameKind> = { 1: 'mic', 2: 'tts' };

export function encodeAudioFrame(frame: AudioFrame): Uint8Array {
  const out = new Uint8Array(AUDIO_FRAME_HEADER_BYTES + frame.pcm.length * 2);
  if (out.length > MAX_AUDIO_FRAME_BYTES) {
    throw new ProtocolError(
      'frame-too-large',
      `audio frame of ${out.length} bytes exceeds ${MAX_AUDIO_FRAME_BYTES}`,
    );
  }
  const view = new DataView(out.buffer);
  view.setUint8(0, AUDIO_FRAME_VERSION);
  view.setUint8(1, KIND_CODE[frame.kind]);
  view.setUint16(2, frame.stream & 0xffff, true);
  view.setUint32(4, frame.sequence >>> 0, true);
  view.setUint32(8, Math.max(0, Math.round(frame.timestampMs)) >>> 0, true);
  for (let i = 0; i < frame.pcm.length; i++)
    view.setInt16(AUDIO_FRAME_HEADER_BYTES + i * 2, frame.pcm[i]!, true);
  return out;
}

/** Decodes a binary frame into a fresh (never aliased) sample array; throws only ProtocolError. */
export function decodeAudioFrame(bytes: Uint8Array): AudioFrame {
  if (!(bytes instanceof Uint8Array))
    throw new ProtocolError('bad-frame', 'audio frame must be bytes');
  if (bytes.length > MAX_AUDIO_FRAME_BYTES) {
    throw new ProtocolError(
      'frame-too-large',
      `audio frame of ${bytes.length} bytes exceeds ${MAX_AUDIO_FRAME_BYTES}`,
    );
  }
  if (bytes.length < AUDIO_FRAME_HEADER_BYTES)
    throw new ProtocolError(
      'bad-frame',
      `audio frame shorter than its ${AUDIO_FRAME_HEADER_BYTES}-byte header`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint8(0);
  if (version !== AUDIO_FRAME_VERSION)
    throw new ProtocolError('bad-frame', `unknown audio frame version ${version}`);
  const kind = KIND_NAME[view.getUint8(1)];
  if (!kind) throw new ProtocolError('bad-frame', `unknown audio frame kind ${view.getUint8(1)}`);
  const payload = bytes.length - AUDIO_FRAME_HEADER_BYTES;
  if (payload % 2 !== 0)
    throw new ProtocolError('bad-frame', 'audio payload is not whole 16-bit samples');
  const pcm = new Int16Array(payload / 2);
  for (let i = 0; i < pcm.length; i++)
    pcm[i] = view.getInt16(AUDIO_FRAME_HEADER_BYTES + i * 2, true);
  return {
    kind,
    stream: view.getUint16(2, true),
    sequence: view.getUint32(4, true),
    timestampMs: view.getUint32(8, true),
    pcm,
  };
}
