import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DEVICES } from '../../../../tests/support/stack.js';
import { speak } from '../../../../tests/support/voices.js';
import { DeviceRegistry } from '../../devices/registry.js';
import { AppError } from '../../errors.js';
import { IntentMatcher } from '../../intents/intents.js';
import { createPocketsphinxStt } from '../stt/pocketsphinx.js';
import { createEspeakTts } from '../tts/espeak.js';
import type { SttEngine, TtsEngine } from '../types.js';
import { encodeEvent, encodeRaw } from './codec.js';
import { startWyomingServer, type WyomingServer } from './server.js';
import { createWyomingStt } from './stt.js';
import { collect, context, RawPeer, stream, texts } from './test-support.js';
import { createWyomingTts } from './tts.js';

const log = pino({ level: 'silent' });

let stt: SttEngine;
let tts: TtsEngine;
let server: WyomingServer;
let url: string;
let command: Int16Array;

beforeAll(async () => {
  const grammar = new IntentMatcher(new DeviceRegistry(DEMO_DEVICES)).grammar();
  stt = createPocketsphinxStt({ grammar, leadingWords: ['hey', 'jarvis'] });
  tts = await createEspeakTts();
  server = await startWyomingServer({
    host: '127.0.0.1',
    port: 0,
    stt,
    tts,
    log,
    maxConnections: 4,
  });
  url = `tcp://127.0.0.1:${server.port}`;
  command = (await speak('hey jarvis, turn on the kitchen light', 'espeak')).pcm;
});

afterAll(async () => {
  await server?.close();
  await stt?.close();
  await tts?.close();
});

function rms(pcm: Int16Array): number {
  let sum = 0;
  for (const s of pcm) sum += s * s;
  return Math.sqrt(sum / Math.max(1, pcm.length));
}

describe('serves the embedded engines to a Wyoming client', () => {
  it('answers-describe-with-asr-and-tts-info', async () => {
    const info = await createWyomingStt({ url, timeoutMs: 5000 }).client.describe();
    const asr = info.asr?.[0];
    const voice = info.tts?.[0]?.voices[0];
    expect(asr).toMatchObject({
      name: 'jarvis',
      installed: true,
      supports_transcript_streaming: true,
    });
    expect(asr?.models[0]).toMatchObject({ name: stt.id, installed: true, languages: ['en'] });
    expect(asr?.attribution.name).toBe('Jarvis');
    expect(voice).toMatchObject({ name: tts.id, installed: true, languages: ['en'] });
    expect(info.wake).toEqual([]);
  });

  it('transcribes-a-spoken-command-with-streamed-partials', async () => {
    const remote = createWyomingStt({ url, language: 'en', timeoutMs: 10_000 });
    const events = await collect(remote.transcribe(stream(command), context()));
    const final = events.at(-1);
    expect(final).toMatchObject({ type: 'final', source: 'remote' });
    expect(final?.type === 'final' && final.text).toContain('turn on the kitchen light');
    expect(final?.type === 'final' && final.finalizeMs).toBeLessThan(5000);
    // The server streams partials as transcript-chunk; the client turns them back into partials.
    expect(events.filter((e) => e.type === 'partial').length).toBeGreaterThan(0);
  });

  it('synthesizes-non-silent-audio-at-the-engine-rate', async () => {
    const remote = createWyomingTts({ url, timeoutMs: 10_000 });
    expect(remote.sampleRate).toBe(22_050);
    const chunks = await collect(
      remote.synthesize(texts('The kitchen ', 'light is on. Done.'), context()),
    );
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.rate).toBe(tts.sampleRate);
    const pcm = Int16Array.from(chunks.flatMap((c) => [...c.pcm]));
    expect(pcm.length / tts.sampleRate).toBeGreaterThan(0.8); // two sentences of speech
    expect(rms(pcm)).toBeGreaterThan(500);
    // Timestamps run on across the two sentences (one request each).
    const stamps = chunks.map((c) => c.timestampMs);
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    expect(stamps.at(-1)).toBeGreaterThan(500);
  });

  it('serves-two-clients-at-once', async () => {
    const remote = createWyomingStt({ url, timeoutMs: 10_000 });
    const speech = createWyomingTts({ url, timeoutMs: 10_000 });
    const [heard, spoken] = await Promise.all([
      collect(remote.transcribe(stream(command), context())),
      collect(speech.synthesize(texts('Hello there.'), context())),
    ]);
    expect(heard.at(-1)?.text).toContain('kitchen light');
    expect(spoken.length).toBeGreaterThan(0);
  });

  it('reaches-the-server-again-after-it-restarts', async () => {
    const other = await startWyomingServer({ host: '127.0.0.1', port: 0, stt, tts, log });
    const port = other.port;
    const client = createWyomingStt({ url: `tcp://127.0.0.1:${port}`, timeoutMs: 5000 }).client;
    await expect(client.describe()).resolves.toHaveProperty('asr');
    await other.close();
    await expect(client.describe()).rejects.toMatchObject({ code: 'engine-unavailable' });
    const again = await startWyomingServer({ host: '127.0.0.1', port, stt, tts, log });
    try {
      await expect(client.describe()).resolves.toHaveProperty('asr');
    } finally {
      await again.close();
    }
  });
});

describe('answers bad input with an error event and keeps serving', () => {
  async function stillServes(): Promise<void> {
    const peer = await RawPeer.open(server.port);
    try {
      peer.write(encodeEvent('describe'));
      const events = await peer.readUntil('info');
      expect(events.at(-1)?.type).toBe('info');
    } finally {
      peer.close();
    }
  }

  it('answers-a-garbage-line-with-an-error-and-hangs-up', async () => {
    const peer = await RawPeer.open(server.port);
    peer.write('this is not json\n');
    const events = await peer.readUntil('error');
    expect(events.at(-1)?.data).toMatchObject({ code: 'bad-frame' });
    expect(String(events.at(-1)?.data.text)).toMatch(/not valid JSON/);
    await peer.readUntil('never'); // returns once the server has closed the connection
    expect(peer.closed).toBe(true);
    await stillServes();
  });

  it('answers-an-oversized-header-with-an-error-and-hangs-up', async () => {
    const peer = await RawPeer.open(server.port);
    peer.write(`{"type":"describe","pad":"${'x'.repeat(32 * 1024)}`);
    const events = await peer.readUntil('error');
    expect(String(events.at(-1)?.data.text)).toMatch(/header line exceeds/);
    await peer.readUntil('never');
    expect(peer.closed).toBe(true);
    await stillServes();
  });

  it('answers-an-oversized-payload-length-before-reading-it', async () => {
    const peer = await RawPeer.open(server.port);
    peer.write('{"type":"audio-chunk","payload_length":100000000}\n');
    const events = await peer.readUntil('error');
    expect(String(events.at(-1)?.data.text)).toMatch(/payload_length 100000000 exceeds/);
    await stillServes();
  });

  it('answers-an-unknown-event-type-and-keeps-the-connection', async () => {
    const peer = await RawPeer.open(server.port);
    try {
      peer.write(encodeRaw('launch-rockets', { now: true }));
      const events = await peer.readUntil('error');
      expect(events.at(-1)?.data).toMatchObject({ code: 'unknown-event' });
      peer.write(encodeEvent('describe'));
      expect((await peer.readUntil('info')).at(-1)?.type).toBe('info');
    } finally {
      peer.close();
    }
  });

  it('answers-invalid-event-data-and-keeps-the-connection', async () => {
    const peer = await RawPeer.open(server.port);
    try {
      peer.write(encodeRaw('audio-start', { rate: 'fast', width: 2, channels: 1 }));
      expect((await peer.readUntil('error')).at(-1)?.data).toMatchObject({ code: 'bad-event' });
      peer.write(encodeRaw('synthesize', { voice: { name: 'x' } })); // no text
      expect((await peer.readUntil('error')).at(-1)?.data).toMatchObject({ code: 'bad-event' });
      peer.write(
        encodeEvent('audio-chunk', { rate: 16000, width: 2, channels: 1 }, new Uint8Array(2)),
      );
      expect((await peer.readUntil('error')).at(-1)?.data).toMatchObject({
        code: 'unexpected-event',
      });
      peer.write(encodeEvent('audio-start', { rate: 16000, width: 4, channels: 2 }));
      expect((await peer.readUntil('error')).at(-1)?.data).toMatchObject({ code: 'bad-audio' });
      peer.write(encodeEvent('detect', {}));
      expect(String((await peer.readUntil('error')).at(-1)?.data.text)).toMatch(/no wake word/);
      peer.write(encodeEvent('describe'));
      expect((await peer.readUntil('info')).at(-1)?.type).toBe('info');
    } finally {
      peer.close();
    }
  });

  it('refuses-connections-over-the-limit-with-busy', async () => {
    const peers = await Promise.all([1, 2, 3, 4].map(() => RawPeer.open(server.port)));
    try {
      // Let the server register all four before the fifth arrives.
      for (const p of peers) p.write(encodeEvent('describe'));
      await Promise.all(peers.map((p) => p.readUntil('info')));
      const extra = await RawPeer.open(server.port);
      const events = await extra.readUntil('error');
      expect(events.at(-1)?.data).toMatchObject({ code: 'busy' });
      extra.close();
    } finally {
      for (const p of peers) p.close();
    }
    await new Promise((r) => setTimeout(r, 50)); // closes reach the server
    await stillServes();
  });

  it('answers-a-transcription-failure-with-an-error-event', async () => {
    // A transcription longer than the server allows is refused, and the connection goes on.
    const short = await startWyomingServer({
      host: '127.0.0.1',
      port: 0,
      stt,
      tts,
      log,
      maxAudioMs: 500,
    });
    try {
      const remote = createWyomingStt({ url: `tcp://127.0.0.1:${short.port}`, timeoutMs: 5000 });
      const failure = await collect(remote.transcribe(stream(command), context())).catch(
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(AppError);
      expect(failure).toMatchObject({ code: 'stt-failed' });
      expect((failure as AppError).message).toMatch(/audio longer than 500 ms \(too-long\)/);
    } finally {
      await short.close();
    }
  });
});
