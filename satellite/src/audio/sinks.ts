/** Players for the hub's reply audio. Each reply is one `play` call; chunks play as they arrive. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { encodeWav, type AudioChunk } from '@jarvis/protocol';
import { encodeS16le } from './pcm-stream.js';

export interface AudioSink {
  /** Plays one reply; resolves when it has finished playing, or soon after `signal` aborts. */
  play(chunks: AsyncIterable<AudioChunk>, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** Drops the audio (reads it to the end, so the sender is never blocked). */
export function nullSink(): AudioSink {
  return {
    async play(chunks, signal) {
      const iterator = chunks[Symbol.asyncIterator]();
      while (!(await nextUnlessAborted(iterator, signal)).done);
      if (signal?.aborted) release(iterator);
    },
    close: () => Promise.resolve(),
  };
}

export interface WavFileSink extends AudioSink {
  /** The file the last non-empty reply was written to. */
  readonly lastPath: string | undefined;
  /** Every file written, oldest first. */
  readonly paths: readonly string[];
}

/**
 * Writes each reply to a WAV file. `pathOrDir` ending in `.wav` is one file, overwritten by each
 * reply; anything else is a directory that gets `reply-<time>-<n>.wav` per reply. An aborted
 * reply keeps what arrived; an empty one writes nothing.
 */
export function wavFileSink(pathOrDir: string): WavFileSink {
  const single = pathOrDir.toLowerCase().endsWith('.wav');
  const paths: string[] = [];
  let count = 0;
  return {
    get lastPath() {
      return paths.at(-1);
    },
    paths,
    async play(chunks, signal) {
      const parts: Int16Array[] = [];
      let rate: number | undefined;
      const iterator = chunks[Symbol.asyncIterator]();
      for (
        let next = await nextUnlessAborted(iterator, signal);
        !next.done;
        next = await nextUnlessAborted(iterator, signal)
      ) {
        const chunk = next.value;
        rate ??= chunk.rate;
        if (chunk.rate !== rate)
          throw new Error(`reply audio changed rate from ${rate} to ${chunk.rate} Hz`);
        parts.push(chunk.pcm);
      }
      if (signal?.aborted) release(iterator);
      if (rate === undefined) return;
      const pcm = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        pcm.set(p, at);
        at += p.length;
      }
      count++;
      const path = single ? pathOrDir : join(pathOrDir, `reply-${Date.now()}-${count}.wav`);
      await mkdir(single ? dirname(path) : pathOrDir, { recursive: true });
      await writeFile(path, encodeWav({ rate, channels: 1, pcm }));
      paths.push(path);
    },
    close: () => Promise.resolve(),
  };
}

export interface AplaySinkOptions {
  /** ALSA playback device, e.g. `plughw:0,0` (default: ALSA's default device). */
  readonly device?: string;
  /** The aplay executable (default `aplay` on PATH). */
  readonly command?: string;
}

/** Plays through ALSA's `aplay`, one process per reply, fed the chunks as they arrive. */
export function aplaySink(options: AplaySinkOptions = {}): AudioSink {
  const command = options.command ?? 'aplay';
  const running = new Set<ReturnType<typeof spawn>>();
  return {
    async play(chunks, signal) {
      const iterator = chunks[Symbol.asyncIterator]();
      const first = await nextUnlessAborted(iterator, signal);
      if (first.done) return;
      const rate = first.value.rate;
      const args = ['-q', '-t', 'raw', '-f', 'S16_LE', '-r', String(rate), '-c', '1'];
      if (options.device !== undefined) args.push('-D', options.device);
      const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'pipe'] });
      running.add(child);
      let stderr = '';
      child.stderr
        .setEncoding('utf8')
        .on('data', (s: string) => (stderr = (stderr + s).slice(-2000)));
      const exited = new Promise<void>((resolve, reject) => {
        child.once('error', (err: NodeJS.ErrnoException) =>
          reject(
            err.code === 'ENOENT'
              ? new Error(
                  `aplay audio output needs \`${command}\`, which is not installed: apt-get install alsa-utils`,
                )
              : err,
          ),
        );
        child.once('close', (code, sig) => {
          running.delete(child);
          if (code === 0 || signal?.aborted || sig !== null) resolve();
          else
            reject(
              new Error(
                `${command} exited with code ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}`,
              ),
            );
        });
      });
      exited.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
      const stop = (): void => void child.kill();
      signal?.addEventListener('abort', stop, { once: true });
      child.stdin.on('error', () => undefined); // EPIPE when aplay dies early; `exited` says why
      const writer = (async () => {
        for (
          let next: IteratorResult<AudioChunk, undefined> = first;
          !next.done;
          next = await nextUnlessAborted(iterator, signal)
        ) {
          if (!(await writeChunk(child.stdin, next.value, rate))) return;
        }
      })();
      writer.catch(() => undefined);
      let finished = false;
      try {
        await Promise.race([exited, writer]);
        child.stdin.end();
        await exited;
        finished = true;
      } finally {
        signal?.removeEventListener('abort', stop);
        if (!finished && child.exitCode === null && child.signalCode === null) child.kill();
        release(iterator);
      }
    },
    close() {
      for (const child of running) child.kill();
      return Promise.resolve();
    },
  };
}

/**
 * Tells the producer we stopped reading. Not awaited: an async generator still inside `next`
 * would hold us up until its next chunk.
 */
function release(iterator: AsyncIterator<unknown>): void {
  iterator.return?.()?.catch(() => undefined);
}

/** The next chunk, or "done" as soon as `signal` aborts (without waiting for the producer). */
function nextUnlessAborted<T>(
  iterator: AsyncIterator<T>,
  signal?: AbortSignal,
): Promise<IteratorResult<T, undefined>> {
  if (!signal) return iterator.next() as Promise<IteratorResult<T, undefined>>;
  if (signal.aborted) return Promise.resolve({ done: true, value: undefined });
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve({ done: true, value: undefined });
    signal.addEventListener('abort', onAbort, { once: true });
    iterator.next().then(
      (r) => {
        signal.removeEventListener('abort', onAbort);
        resolve(
          signal.aborted ? { done: true, value: undefined } : (r as IteratorResult<T, undefined>),
        );
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** Writes one chunk with backpressure; false if the pipe is gone. */
async function writeChunk(stdin: Writable, chunk: AudioChunk, rate: number): Promise<boolean> {
  if (chunk.rate !== rate)
    throw new Error(`reply audio changed rate from ${rate} to ${chunk.rate} Hz`);
  if (stdin.destroyed || !stdin.writable) return false;
  // An EPIPE (aplay died early) rejects `once`; the player's exit status says why, not the pipe.
  if (!stdin.write(encodeS16le(chunk.pcm)))
    await Promise.race([once(stdin, 'drain'), once(stdin, 'close')]).catch(() => undefined);
  return !stdin.destroyed;
}

/**
 * Plays in-process through the npm `speaker` package (ALSA on Linux). It is loaded only when the
 * first reply plays: `speaker` aborts the whole process on a machine without a sound card, and it
 * is not installed by default (`npm i speaker` on the Pi, which needs libasound2-dev to build).
 */
export function speakerSink(): AudioSink {
  return {
    async play(chunks, signal) {
      const iterator = chunks[Symbol.asyncIterator]();
      const first = await nextUnlessAborted(iterator, signal);
      if (first.done) return;
      const Speaker = await loadSpeaker();
      const rate = first.value.rate;
      const speaker = new Speaker({ channels: 1, bitDepth: 16, sampleRate: rate, signed: true });
      const closed = new Promise<void>((resolve, reject) => {
        speaker.once('close', () => resolve());
        speaker.once('error', reject);
      });
      try {
        for (
          let next: IteratorResult<AudioChunk, undefined> = first;
          !next.done;
          next = await nextUnlessAborted(iterator, signal)
        ) {
          if (!(await writeChunk(speaker, next.value, rate))) break;
        }
      } finally {
        release(iterator);
      }
      if (signal?.aborted) speaker.destroy();
      else speaker.end();
      await closed;
    },
    close: () => Promise.resolve(),
  };
}

type SpeakerClass = new (format: {
  channels: number;
  bitDepth: number;
  sampleRate: number;
  signed: boolean;
}) => Writable;

async function loadSpeaker(): Promise<SpeakerClass> {
  const name = 'speaker'; // a variable, so neither TypeScript nor a bundler resolves it ahead of time
  try {
    const mod = (await import(name)) as { default?: SpeakerClass };
    if (typeof mod.default !== 'function') throw new Error('unexpected module shape');
    return mod.default;
  } catch (err) {
    throw new Error(
      'the "speaker" audio output needs the npm package `speaker`: run `npm i speaker` on the Pi ' +
        '(it builds against libasound2-dev), or use the "aplay" output instead',
      { cause: err },
    );
  }
}
