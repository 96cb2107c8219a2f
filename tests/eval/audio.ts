/** Audio plumbing shared by the evaluations: cached synthesis, live-like streaming, a small pool. */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { decodeWav, encodeWav, type AudioChunk, type WavAudio } from '@jarvis/protocol';
import { speak, type SpeakOptions, type TestVoice } from '../support/voices.js';

export const RATE = 16_000;

/** Bump when the way clips are made changes, so stale cached clips are not reused. */
const CACHE_VERSION = 1;
const CACHE_DIR = join(tmpdir(), 'jarvis-eval-cache');

/**
 * `speak()` with a cache in the temp folder: the synthesizers are deterministic, so a clip made
 * once for the same text, voice and options is the same clip.
 */
export async function speakCached(
  text: string,
  voice: TestVoice,
  options: SpeakOptions = {},
): Promise<WavAudio> {
  const key = createHash('sha1')
    .update(
      JSON.stringify([
        CACHE_VERSION,
        text,
        voice,
        options.rate ?? 1,
        options.leadMs,
        options.trailMs,
      ]),
    )
    .digest('hex');
  const file = join(CACHE_DIR, `${key}.wav`);
  try {
    return decodeWav(await readFile(file));
  } catch {
    const audio = await speak(text, voice, options);
    await mkdir(CACHE_DIR, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    await writeFile(partial, encodeWav(audio));
    await rename(partial, file);
    return audio;
  }
}

/** Streams PCM in chunks (20 ms by default), one per event-loop turn, as a satellite sends it. */
export async function* stream(
  pcm: Int16Array,
  rate = RATE,
  chunkMs = 20,
): AsyncIterable<AudioChunk> {
  const size = Math.round((rate * chunkMs) / 1000);
  for (let i = 0; i < pcm.length; i += size) {
    await nextTurn();
    yield { pcm: pcm.subarray(i, i + size), rate, timestampMs: (i * 1000) / rate };
  }
}

/** Maps with at most `limit` calls in flight (synthesizers are separate processes: use the cores). */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Joins PCM with `gapMs` of silence between the parts; returns where each part starts. */
export function join16k(
  parts: readonly Int16Array[],
  gapMs: number,
): { pcm: Int16Array; starts: number[] } {
  const gap = Math.round((gapMs / 1000) * RATE);
  const pcm = new Int16Array(parts.reduce((n, p) => n + p.length + gap, 0));
  const starts: number[] = [];
  let at = 0;
  for (const p of parts) {
    starts.push(at);
    pcm.set(p, at);
    at += p.length + gap;
  }
  return { pcm, starts };
}

/** Formats rows as a fixed-width text table, numbers right-aligned. */
export function table(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const cells = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const numeric = header.map((_, c) => rows.every((r) => typeof r[c] === 'number'));
  const line = (r: readonly string[]): string =>
    r
      .map((v, c) => (numeric[c] ? v.padStart(widths[c]!) : v.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [
    line(cells[0]!),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.slice(1).map(line),
  ].join('\n');
}

/** Percentage with one decimal. */
export const percent = (x: number): number => Math.round(x * 1000) / 10;
