import { createRequire } from 'node:module';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav, type AudioChunk } from '@jarvis/protocol';
import { aplaySink, nullSink, speakerSink, wavFileSink } from './sinks.js';
import { findOnPath } from './sources.js';

const run = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jarvis-sinks-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const RATE = 22050;
const reply = Int16Array.from({ length: 5000 }, (_, i) => Math.round(8000 * Math.sin(i / 7)));

async function* chunksOf(pcm: Int16Array, size = 2205, delayMs = 0): AsyncGenerator<AudioChunk> {
  for (let at = 0; at < pcm.length; at += size) {
    if (delayMs) await sleep(delayMs);
    yield { pcm: pcm.subarray(at, at + size), rate: RATE, timestampMs: (at * 1000) / RATE };
  }
}

/** A reply that never ends by itself: a chunk every 20 ms; `released` once the sink lets go of it. */
function endless(): { chunks: AsyncGenerator<AudioChunk>; released: () => boolean } {
  let released = false;
  async function* gen(): AsyncGenerator<AudioChunk> {
    try {
      for (let i = 0; ; i++) {
        await sleep(20);
        yield { pcm: new Int16Array(441).fill(1000), rate: RATE, timestampMs: i * 20 };
      }
    } finally {
      released = true;
    }
  }
  return { chunks: gen(), released: () => released };
}

describe('wavFileSink', () => {
  it('writes-a-reply-that-decodes-back-to-the-same-samples', async () => {
    const sink = wavFileSink(join(dir, 'out', 'reply.wav'));
    await sink.play(chunksOf(reply));
    expect(sink.lastPath).toBe(join(dir, 'out', 'reply.wav'));
    const wav = decodeWav(new Uint8Array(await readFile(sink.lastPath!)));
    expect(wav.rate).toBe(RATE);
    expect(wav.channels).toBe(1);
    expect(wav.pcm).toEqual(reply);
  });

  it('writes-one-file-per-reply-into-a-directory-and-nothing-for-an-empty-reply', async () => {
    const target = join(dir, 'replies');
    const sink = wavFileSink(target);
    await sink.play(chunksOf(reply.subarray(0, 100)));
    await sink.play(chunksOf(new Int16Array(0)));
    await sink.play(chunksOf(reply.subarray(0, 300)));
    expect(sink.paths).toHaveLength(2);
    expect(new Set(sink.paths).size).toBe(2);
    expect((await readdir(target)).sort()).toEqual(
      sink.paths.map((p) => p.slice(target.length + 1)).sort(),
    );
    expect(decodeWav(new Uint8Array(await readFile(sink.lastPath!))).pcm.length).toBe(300);
  });

  it('keeps-what-arrived-when-the-reply-is-aborted', async () => {
    const sink = wavFileSink(join(dir, 'aborted.wav'));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 110);
    const t0 = performance.now();
    await sink.play(endless().chunks, controller.signal);
    expect(performance.now() - t0).toBeLessThan(500);
    const samples = decodeWav(new Uint8Array(await readFile(sink.lastPath!))).pcm.length;
    expect(samples).toBeGreaterThan(0);
    expect(samples % 441).toBe(0);
  });
});

describe('nullSink', () => {
  it('drains-the-reply-and-returns-promptly-on-abort', async () => {
    let pulled = 0;
    async function* counted(): AsyncGenerator<AudioChunk> {
      for await (const c of chunksOf(reply, 500)) {
        pulled++;
        yield c;
      }
    }
    await nullSink().play(counted());
    expect(pulled).toBe(10);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const live = endless();
    await nullSink().play(live.chunks, controller.signal);
    await sleep(50);
    expect(live.released()).toBe(true);
  });
});

const hasAplay = (await findOnPath('aplay')) !== undefined;

describe('aplaySink', () => {
  it('says-to-install-alsa-utils-when-aplay-is-missing', async () => {
    const sink = aplaySink({ command: join(dir, 'no-such-aplay') });
    await expect(sink.play(chunksOf(reply))).rejects.toThrow(/not installed.*alsa-utils/);
  });

  // ALSA's "file" plugin writes what aplay plays to a file: no sound card needed.
  it.skipIf(!hasAplay)('feeds-every-sample-to-aplay-as-raw-s16le', async () => {
    const out = join(dir, 'aplay.raw');
    const sink = aplaySink({ device: `file:'${out}',raw` });
    await sink.play(chunksOf(reply, 2205, 5));
    const bytes = await readFile(out);
    const played = new Int16Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 2));
    expect(played.length).toBeGreaterThanOrEqual(reply.length); // ALSA pads the last period
    expect(played.subarray(0, reply.length)).toEqual(reply);
  });

  it.skipIf(!hasAplay)('stops-aplay-when-the-reply-is-aborted', async () => {
    const out = join(dir, 'aplay-aborted.raw');
    const sink = aplaySink({ device: `file:'${out}',raw` });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 120);
    const t0 = performance.now();
    const reply = endless();
    await sink.play(reply.chunks, controller.signal);
    expect(performance.now() - t0).toBeLessThan(600);
    await sleep(50);
    expect(reply.released()).toBe(true);
    // aplay itself is gone: pgrep finds no process playing to that file.
    await expect(run('pgrep', ['-f', out])).rejects.toMatchObject({ code: 1 });
  });

  it.skipIf(!hasAplay)('reports-aplay-failing-to-open-the-device', async () => {
    const sink = aplaySink({ device: 'no_such_alsa_device' });
    await expect(sink.play(chunksOf(reply))).rejects.toThrow(/aplay exited with code 1/);
  });
});

const speakerInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('speaker');
    return true;
  } catch {
    return false;
  }
})();

describe('speakerSink', () => {
  it('an-empty-reply-never-loads-speaker', async () => {
    await speakerSink().play(chunksOf(new Int16Array(0)));
  });

  // Only where `speaker` is absent: loading it on a machine without a sound card aborts the process.
  it.skipIf(speakerInstalled)('says-to-npm-install-speaker-when-it-is-missing', async () => {
    await expect(speakerSink().play(chunksOf(reply))).rejects.toThrow(/npm i speaker/);
  });
});
