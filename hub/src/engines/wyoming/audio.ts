/**
 * PCM between our AudioChunk (mono s16 samples) and Wyoming audio events (README, "Audio":
 * `audio-start` → `audio-chunk`… → `audio-stop`, each with rate, width in bytes, channels).
 * Samples travel little-endian, as every host we run on is.
 */
import type { AudioChunk } from '@jarvis/protocol';
import type { WyomingConnection } from './client.js';
import type { AudioChunkData } from './events.js';

/** The one format we speak: 16-bit mono. */
export const WIDTH = 2;
export const CHANNELS = 1;

export function pcmToBytes(pcm: Int16Array): Uint8Array {
  return new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
}

/**
 * Samples of a 16-bit mono payload, or a reason it is not one. Copied, since the payload may sit
 * at an odd offset of a socket buffer, where an Int16Array view cannot start.
 */
export function bytesToPcm(format: AudioChunkData, payload: Buffer): Int16Array | string {
  if (format.width !== WIDTH || format.channels !== CHANNELS) {
    return `audio must be 16-bit mono, got width ${format.width} and ${format.channels} channels`;
  }
  if (payload.length % WIDTH !== 0)
    return `audio payload of ${payload.length} bytes is not whole samples`;
  const pcm = new Int16Array(payload.length / WIDTH);
  new Uint8Array(pcm.buffer).set(payload);
  return pcm;
}

/** What `sendAudio` reports back, once the stream is over. */
export interface SentAudio {
  /** performance.now() when audio-stop went out; undefined if the stream was cut short. */
  readonly stoppedAt: number | undefined;
  /** Milliseconds of audio sent. */
  readonly sentMs: number;
}

/**
 * Sends `audio` as audio-start, audio-chunk…, audio-stop, each chunk at its own rate. Stops early,
 * without audio-stop, when the connection ends: the server may answer before all audio is sent.
 * An error from the audio source fails the connection with it, so the reader sees it.
 */
export async function sendAudio(
  conn: WyomingConnection,
  audio: AsyncIterable<AudioChunk>,
  defaultRate: number,
): Promise<SentAudio> {
  const it = audio[Symbol.asyncIterator]();
  let rate: number | undefined;
  let sentMs = 0;
  try {
    for (;;) {
      // Race the source with the connection: a stalled source must not outlive the request.
      const next = await Promise.race([it.next(), conn.closed.then(() => undefined)]);
      if (next === undefined) return { stoppedAt: undefined, sentMs };
      if (next.done) break;
      const chunk = next.value;
      const format = { rate: chunk.rate, width: WIDTH, channels: CHANNELS };
      if (rate === undefined) {
        await conn.send('audio-start', { ...format, timestamp: Math.round(chunk.timestampMs) });
        rate = chunk.rate;
      }
      // Every audio-chunk carries its own format (README, "audio-chunk"), so a later rate change
      // needs no new audio-start: the python servers convert chunk by chunk.
      if (chunk.pcm.length === 0) continue;
      await conn.send(
        'audio-chunk',
        { ...format, timestamp: Math.round(chunk.timestampMs) },
        pcmToBytes(chunk.pcm),
      );
      sentMs = chunk.timestampMs + (chunk.pcm.length * 1000) / chunk.rate;
    }
    if (rate === undefined) {
      await conn.send('audio-start', {
        rate: defaultRate,
        width: WIDTH,
        channels: CHANNELS,
        timestamp: 0,
      });
    }
    await conn.send('audio-stop', { timestamp: Math.round(sentMs) });
    return { stoppedAt: performance.now(), sentMs };
  } catch (err) {
    conn.fail(err); // no-op when the connection had already failed first
    return { stoppedAt: undefined, sentMs };
  } finally {
    // Not awaited: a stalled source only settles its return() once its pending next() does.
    it.return?.()?.catch(() => undefined);
  }
}
