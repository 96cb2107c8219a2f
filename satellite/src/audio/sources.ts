/**
 * Microphone sources: each an AsyncIterable of 16 kHz mono s16 chunks of 80 ms (1280 samples),
 * the frame openWakeWord scores. Stop one by ending the iteration (`break`).
 */
import { once } from 'node:events';
import { access, constants, readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeWav, type AudioChunk, type WavAudio } from '@jarvis/protocol';
import { Rechunker, S16leDecoder } from './pcm-stream.js';
import { downmix, LinearResampler } from '@jarvis/protocol';

/** The microphone rate every source delivers. */
export const MIC_RATE = 16000;
/** 80 ms at 16 kHz. */
export const MIC_CHUNK_SAMPLES = 1280;

export interface WavFileSourceOptions {
  /** Deliver chunks at the pace of real time (like a microphone) rather than as fast as possible. */
  readonly realtime: boolean;
  /** Zeros appended after the file, so a VAD hears the speech end (default 0). */
  readonly tailSilenceMs?: number;
}

/** Plays a WAV file (PCM s16, any rate and channel count) as if spoken into the microphone; then ends. */
export async function* wavFileSource(
  path: string,
  options: WavFileSourceOptions,
): AsyncGenerator<AudioChunk> {
  yield* wavSource(decodeWav(new Uint8Array(await readFile(path))), options);
}

/** Real-time silence, chunk by chunk, for as long as it is read (a quiet room). */
export async function* silenceSource(startMs = 0): AsyncGenerator<AudioChunk> {
  const started = performance.now() - startMs;
  for (let t = startMs; ; t += (MIC_CHUNK_SAMPLES * 1000) / MIC_RATE) {
    const chunk = { pcm: new Int16Array(MIC_CHUNK_SAMPLES), rate: MIC_RATE, timestampMs: t };
    const wait = started + t + (MIC_CHUNK_SAMPLES * 1000) / MIC_RATE - performance.now();
    if (wait > 1) await sleep(wait);
    yield chunk;
  }
}

/** Plays decoded audio (any rate and channel count) as if spoken into the microphone; then ends. */
export async function* wavSource(
  wav: WavAudio,
  options: WavFileSourceOptions,
): AsyncGenerator<AudioChunk> {
  const mono = downmix(wav.pcm, wav.channels);
  const resampler = new LinearResampler(wav.rate, MIC_RATE);
  const chunker = new Rechunker(MIC_RATE, MIC_CHUNK_SAMPLES);
  const chunks = [...chunker.push(resampler.push(mono)), ...chunker.push(resampler.flush())];
  const tail = Math.round(((options.tailSilenceMs ?? 0) * MIC_RATE) / 1000);
  chunks.push(...chunker.push(new Int16Array(tail)), ...chunker.flush());
  const started = performance.now();
  for (const chunk of chunks) {
    // Due when a microphone would have captured its last sample; timed from the start, so no drift.
    if (options.realtime) {
      const dueMs = chunk.timestampMs + (chunk.pcm.length * 1000) / MIC_RATE;
      const wait = started + dueMs - performance.now();
      if (wait > 1) await sleep(wait);
    }
    yield chunk;
  }
}

export interface StdinSourceOptions {
  /** Sample rate of the raw s16le mono input; resampled to 16 kHz if different (default 16000). */
  readonly rate?: number;
}

/** Raw PCM s16le mono from a byte stream (stdin by default), e.g. `arecord -t raw ... | jarvis-satellite`. */
export async function* stdinSource(
  stream: Readable = process.stdin,
  options: StdinSourceOptions = {},
): AsyncGenerator<AudioChunk> {
  yield* pcmStreamSource(stream, options.rate ?? MIC_RATE);
}

export interface AlsaSourceOptions {
  /** ALSA capture device, e.g. `plughw:1,0` (default: ALSA's default device). */
  readonly device?: string;
}

/** The microphone through ALSA's `arecord` (npm `node-record-lpcm16`, loaded only when used). */
export async function* alsaSource(options: AlsaSourceOptions = {}): AsyncGenerator<AudioChunk> {
  if (!(await findOnPath('arecord'))) {
    throw new Error(
      'alsa audio input needs `arecord`, which is not installed: apt-get install alsa-utils',
    );
  }
  const recorder = (await import('node-record-lpcm16')).default;
  const recording = recorder.record({
    sampleRate: MIC_RATE,
    channels: 1,
    recorder: 'arecord',
    audioType: 'raw',
    ...(options.device === undefined ? {} : { device: options.device }),
  });
  const stream = recording.stream();
  const child = recording.process;
  let spawnError: Error | undefined;
  // Without a listener a failed spawn would be an uncaught 'error' event.
  child.once('error', (err) => (spawnError = err));
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-1000)));
  const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  const failure = (detail: string): Error =>
    new Error(
      `arecord failed: ${spawnError?.message ?? (stderr.trim().split('\n').at(-1) || detail)}`,
    );
  try {
    yield* pcmStreamSource(stream, MIC_RATE);
    // A device that cannot be opened ends the stream before arecord's exit code is known.
    const [code] = await exited;
    if (code !== 0) throw failure(`exit code ${code}`);
  } catch (err) {
    // node-record-lpcm16 reports a failing arecord as a string error on the stream.
    if (err instanceof Error && err.message.startsWith('arecord failed')) throw err;
    throw Object.assign(failure(String(err)), { cause: err });
  } finally {
    stream.on('error', () => undefined); // arecord's exit after the kill is reported late; ignore it
    if (child.exitCode === null && child.signalCode === null) recording.stop();
  }
}

async function* pcmStreamSource(
  stream: AsyncIterable<unknown>,
  rate: number,
): AsyncGenerator<AudioChunk> {
  const decoder = new S16leDecoder();
  const resampler = new LinearResampler(rate, MIC_RATE);
  const chunker = new Rechunker(MIC_RATE, MIC_CHUNK_SAMPLES);
  for await (const data of stream) {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'binary') : (data as Uint8Array);
    yield* chunker.push(resampler.push(decoder.push(bytes)));
  }
  yield* chunker.push(resampler.flush());
  yield* chunker.flush();
}

/** Whether an executable `name` is on PATH. */
export async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
