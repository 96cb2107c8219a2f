import { ProtocolError } from './errors.js';
import { MAX_AUDIO_FRAME_BYTES } from './limits.js';

/**
 * Binary audio frame (a WebSocket binary message or an MQTT `.../audio/*` payload), little-endian:
 *
 * | offset | type | field                                   |
 * |--------|------|-----------------------------------------|
 * | 0      | u8   | frame version (1)                       |
 * | 1      | u8   | kind: 1 mic, 2 tts                      |
 * | 2      | u16  | stream id (from `audio-start`)          |
 * | 4      | u32  | sequence number within the stream       |
 * | 8      | u32  | timestampMs since the stream started    |
 * | 12     | s16… | PCM samples, format from `audio-start`  |
 */
export const AUDIO_FRAME_VERSION = 1;
export const AUDIO_FRAME_HEADER_BYTES = 12;
/** Most samples one frame may carry (header included the frame stays within the byte limit). */
export const MAX_AUDIO_FRAME_SAMPLES = (MAX_AUDIO_FRAME_BYTES - AUDIO_FRAME_HEADER_BYTES) >> 1;

export type AudioFrameKind = 'mic' | 'tts';

export interface AudioFrame {
  readonly kind: AudioFrameKind;
  /** Stream id, 0..65535, announced by `audio-start`. */
  readonly stream: number;
  /** 0..2^32-1, +1 per frame of a stream: lets the receiver see loss and reordering. */
  readonly sequence: number;
  /** Milliseconds since the stream started, 0..2^32-1 (rounded to an integer on encode). */
  readonly timestampMs: number;
  /** s16 samples (interleaved when the stream has two channels). */
  readonly pcm: Int16Array;
}

const KIND_CODE: Readonly<Record<AudioFrameKind, number>> = { mic: 1, tts: 2 };
const KIND_NAME: readonly (AudioFrameKind | undefined)[] = [undefined, 'mic', 'tts'];
// Typed arrays use the host's byte order; the wire is little-endian.
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function isUint(n: number, max: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= max;
}

/**
 * Encodes one frame.
 * @throws ProtocolError 'frame-too-large' over MAX_AUDIO_FRAME_BYTES, 'bad-frame' for a field
 *   out of its range (rather than silently wrapping it).
 */
export function encodeAudioFrame(frame: AudioFrame): Uint8Array {
  const kind = Object.hasOwn(KIND_CODE, frame.kind) ? KIND_CODE[frame.kind] : undefined;
  const timestampMs = Math.round(frame.timestampMs);
  if (kind === undefined)
    throw new ProtocolError('bad-frame', `unknown audio kind ${String(frame.kind)}`);
  if (!isUint(frame.stream, 0xffff))
    throw new ProtocolError('bad-frame', `stream ${frame.stream} is not a u16`);
  if (!isUint(frame.sequence, 0xffffffff))
    throw new ProtocolError('bad-frame', `sequence ${frame.sequence} is not a u32`);
  if (!isUint(timestampMs, 0xffffffff))
    throw new ProtocolError('bad-frame', `timestampMs ${frame.timestampMs} is not a u32`);
  if (!(frame.pcm instanceof Int16Array))
    throw new ProtocolError('bad-frame', 'pcm must be an Int16Array');
  const size = AUDIO_FRAME_HEADER_BYTES + frame.pcm.length * 2;
  if (size > MAX_AUDIO_FRAME_BYTES) {
    throw new ProtocolError(
      'frame-too-large',
      `audio frame of ${size} bytes exceeds ${MAX_AUDIO_FRAME_BYTES}`,
    );
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint8(0, AUDIO_FRAME_VERSION);
  view.setUint8(1, kind);
  view.setUint16(2, frame.stream, true);
  view.setUint32(4, frame.sequence, true);
  view.setUint32(8, timestampMs, true);
  if (HOST_IS_LITTLE_ENDIAN) {
    out.set(
      new Uint8Array(frame.pcm.buffer, frame.pcm.byteOffset, frame.pcm.byteLength),
      AUDIO_FRAME_HEADER_BYTES,
    );
  } else {
    for (let i = 0; i < frame.pcm.length; i++)
      view.setInt16(AUDIO_FRAME_HEADER_BYTES + i * 2, frame.pcm[i]!, true);
  }
  return out;
}

/**
 * Decodes one frame into a fresh sample array that never aliases `bytes` (whose offset may be
 * odd, and whose buffer the transport may reuse).
 * @throws ProtocolError only: 'frame-too-large', or 'bad-frame' for a short header, unknown
 *   version or kind, or a payload that is not whole 16-bit samples.
 */
export function decodeAudioFrame(bytes: Uint8Array): AudioFrame {
  if (!(bytes instanceof Uint8Array))
    throw new ProtocolError('bad-frame', 'audio frame must be bytes');
  if (bytes.byteLength > MAX_AUDIO_FRAME_BYTES) {
    throw new ProtocolError(
      'frame-too-large',
      `audio frame of ${bytes.byteLength} bytes exceeds ${MAX_AUDIO_FRAME_BYTES}`,
    );
  }
  if (bytes.byteLength < AUDIO_FRAME_HEADER_BYTES) {
    throw new ProtocolError(
      'bad-frame',
      `audio frame shorter than its ${AUDIO_FRAME_HEADER_BYTES}-byte header`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint8(0);
  if (version !== AUDIO_FRAME_VERSION)
    throw new ProtocolError('bad-frame', `unknown audio frame version ${version}`);
  const kind = KIND_NAME[view.getUint8(1)];
  if (!kind) throw new ProtocolError('bad-frame', `unknown audio frame kind ${view.getUint8(1)}`);
  const payload = bytes.byteLength - AUDIO_FRAME_HEADER_BYTES;
  if (payload % 2 !== 0)
    throw new ProtocolError('bad-frame', 'audio payload is not whole 16-bit samples');
  let pcm: Int16Array;
  if (HOST_IS_LITTLE_ENDIAN) {
    // Copy into a new, zero-offset (so aligned) buffer. Not bytes.slice(): on a Node Buffer
    // that returns a view of the (pooled, shared) memory instead of a copy.
    const copy = new Uint8Array(payload);
    copy.set(new Uint8Array(bytes.buffer, bytes.byteOffset + AUDIO_FRAME_HEADER_BYTES, payload));
    pcm = new Int16Array(copy.buffer);
  } else {
    pcm = new Int16Array(payload / 2);
    for (let i = 0; i < pcm.length; i++)
      pcm[i] = view.getInt16(AUDIO_FRAME_HEADER_BYTES + i * 2, true);
  }
  return {
    kind,
    stream: view.getUint16(2, true),
    sequence: view.getUint32(4, true),
    timestampMs: view.getUint32(8, true),
    pcm,
  };
}
