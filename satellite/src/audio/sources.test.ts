import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav, type AudioChunk } from '@jarvis/protocol';
import {
  alsaSource,
  findOnPath,
  MIC_CHUNK_SAMPLES,
  stdinSource,
  silenceSource,
  wavFileSource,
} from './sources.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jarvis-sources-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(source: AsyncIterable<AudioChunk>): Promise<AudioChunk[]> {
  const out: AudioChunk[] = [];
  for await (const c of source) out.push(c);
  return out;
}

const total = (chunks: AudioChunk[]): number => chunks.reduce((n, c) => n + c.pcm.length, 0);

async function wavFile(
  name: string,
  rate: number,
  channels: number,
  frames: number,
): Promise<string> {
  const pcm = Int16Array.from({ length: frames * channels }, (_, i) => ((i * 37) % 20000) - 10000);
  const path = join(dir, name);
  await writeFile(path, encodeWav({ rate, channels, pcm }));
  return path;
}

describe('stdinSource', () => {
  it('decodes-s16le-split-at-odd-byte-boundaries-into-80ms-chunks', async () => {
    const samples = Int16Array.from({ length: 3000 }, (_, i) => ((i * 977) % 65536) - 32768);
    const bytes = Buffer.from(samples.buffer);
    const stream = new PassThrough();
    const result = collect(stdinSource(stream, { rate: 16000 }));
    for (let at = 0, size = 1; at < bytes.length; at += size, size = (size * 5 + 2) % 301 || 1) {
      stream.write(bytes.subarray(at, at + size));
    }
    stream.end();
    const chunks = await result;
    expect(chunks.map((c) => c.pcm.length)).toEqual([1280, 1280, 440]);
    expect(chunks.map((c) => c.timestampMs)).toEqual([0, 80, 160]);
    expect(chunks.every((c) => c.rate === 16000)).toBe(true);
    const joined = Int16Array.from(chunks.flatMap((c) => Array.from(c.pcm)));
    expect(joined).toEqual(samples);
  });

  it('resamples-8khz-input-to-16khz', async () => {
    const stream = new PassThrough();
    const result = collect(stdinSource(stream, { rate: 8000 }));
    stream.end(Buffer.alloc(8000 * 2));
    expect(total(await result)).toBe(16000);
  });
});

describe('wavFileSource', () => {
  it('fast-mode-delivers-a-second-of-audio-at-once-in-1280-sample-chunks', async () => {
    const path = await wavFile('fast.wav', 16000, 1, 16000);
    const t0 = performance.now();
    const chunks = await collect(wavFileSource(path, { realtime: false }));
    expect(performance.now() - t0).toBeLessThan(200);
    expect(total(chunks)).toBe(16000);
    expect(chunks.slice(0, -1).every((c) => c.pcm.length === MIC_CHUNK_SAMPLES)).toBe(true);
  });

  it('converts-22050-hz-stereo-to-16khz-mono-and-appends-tail-silence', async () => {
    const path = await wavFile('stereo.wav', 22050, 2, 22050);
    const plain = await collect(wavFileSource(path, { realtime: false }));
    expect(total(plain)).toBe(16000);
    const tailed = await collect(wavFileSource(path, { realtime: false, tailSilenceMs: 500 }));
    expect(total(tailed)).toBe(16000 + 8000);
    expect(tailed.at(-1)!.pcm.every((s) => s === 0)).toBe(true);
    expect(tailed.at(-1)!.timestampMs).toBeCloseTo(
      ((total(tailed) - tailed.at(-1)!.pcm.length) * 1000) / 16000,
    );
  });

  it('realtime-mode-paces-chunks-like-a-microphone', async () => {
    const path = await wavFile('paced.wav', 16000, 1, 8000);
    const t0 = performance.now();
    const arrivals: number[] = [];
    for await (const chunk of wavFileSource(path, { realtime: true }))
      if (chunk.pcm.length > 0) arrivals.push(performance.now() - t0);
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThan(450);
    expect(elapsed).toBeLessThan(900);
    expect(arrivals[0]).toBeGreaterThan(60); // the first 80 ms chunk is not there before it was "spoken"
  });

  it('rejects-a-file-that-is-not-a-wav', async () => {
    const path = join(dir, 'bad.wav');
    await writeFile(path, 'not audio');
    await expect(collect(wavFileSource(path, { realtime: false }))).rejects.toThrow(/RIFF/);
  });
});

describe('alsaSource', () => {
  it('says-to-install-alsa-utils-when-arecord-is-missing', async () => {
    const path = process.env['PATH'];
    process.env['PATH'] = dir; // an empty directory: no arecord on this PATH
    try {
      await expect(collect(alsaSource())).rejects.toThrow(/arecord.*alsa-utils/);
    } finally {
      process.env['PATH'] = path;
    }
  });

  it.skipIf(process.platform !== 'linux')(
    'captures-16khz-chunks-from-arecord-on-the-alsa-null-device',
    async () => {
      if (!(await findOnPath('arecord'))) return; // alsa-utils absent: nothing to run
      const chunks: AudioChunk[] = [];
      for await (const c of alsaSource({ device: 'null' })) {
        chunks.push(c);
        if (chunks.length === 3) break; // ends the iteration: arecord must be killed
      }
      expect(chunks.map((c) => c.pcm.length)).toEqual([1280, 1280, 1280]);
      expect(chunks.map((c) => c.timestampMs)).toEqual([0, 80, 160]);
    },
  );

  it.skipIf(process.platform !== 'linux')(
    'fails-with-arecords-message-when-the-device-cannot-open',
    async () => {
      if (!(await findOnPath('arecord'))) return;
      await expect(collect(alsaSource({ device: 'no_such_alsa_device' }))).rejects.toThrow(
        /arecord failed: .*audio open error/,
      );
    },
  );
});

describe('silenceSource', () => {
  it('goes-on-in-real-time-from-where-the-file-ended', async () => {
    const started = performance.now();
    const chunks = [];
    for await (const chunk of silenceSource(1000)) {
      chunks.push(chunk);
      if (chunks.length === 4) break;
    }
    expect(chunks.map((c) => c.timestampMs)).toEqual([1000, 1080, 1160, 1240]);
    expect(chunks.every((c) => c.pcm.every((s) => s === 0) && c.rate === 16000)).toBe(true);
    // Four 80 ms chunks take about 320 ms: paced like a microphone, not as fast as possible.
    expect(performance.now() - started).toBeGreaterThan(280);
  });
});
