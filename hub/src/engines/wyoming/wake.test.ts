import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenWakeWord, type WakeEngine } from '@jarvis/satellite';
import { speak } from '../../../../tests/support/voices.js';
import { createEspeakTts } from '../tts/espeak.js';
import { createPocketsphinxStt } from '../stt/pocketsphinx.js';
import type { SttEngine, TtsEngine } from '../types.js';
import { startWyomingServer, type WyomingServer } from './server.js';
import { collect, stream } from './test-support.js';
import { createWyomingWake } from './wake.js';

// The hub has no wake engine of its own; the satellite's openWakeWord serves as the real one.
let wake: WakeEngine;
let stt: SttEngine;
let tts: TtsEngine;
let server: WyomingServer;
let url: string;

beforeAll(async () => {
  wake = await createOpenWakeWord({ wakeWords: ['hey_jarvis'] });
  stt = createPocketsphinxStt();
  tts = await createEspeakTts();
  const log = pino({ level: 'silent' });
  server = await startWyomingServer({
    host: '127.0.0.1',
    port: 0,
    stt,
    tts,
    wake: { engine: wake, names: ['hey_jarvis'] },
    log,
  });
  url = `tcp://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.close();
  await Promise.all([wake?.close(), stt?.close(), tts?.close()]);
});

describe('wake word detection over Wyoming', () => {
  it('announces-the-wake-models-in-info', async () => {
    const info = await createWyomingWake({ url, timeoutMs: 5000 }).client.describe();
    expect(info.wake?.[0]?.models.map((m) => m.name)).toEqual(['hey_jarvis']);
  });

  it('detects-hey-jarvis-once-with-its-timestamp', async () => {
    const audio = await speak('hey jarvis, turn on the kitchen light', 'espeak');
    const remote = createWyomingWake({ url, names: ['hey_jarvis'], timeoutMs: 500 });
    const detections = await collect(
      remote.detect(stream(audio.pcm), new AbortController().signal),
    );
    expect(detections).toHaveLength(1);
    expect(detections[0]).toMatchObject({ name: 'hey_jarvis', score: 1 });
    // Within the clip, after the 300 ms lead-in.
    expect(detections[0]?.timestampMs).toBeGreaterThan(300);
    expect(detections[0]?.timestampMs).toBeLessThan((audio.pcm.length * 1000) / 16_000);
  });

  it('ends-with-not-detected-for-ordinary-speech', async () => {
    const audio = await speak('what is the weather like tomorrow', 'espeak');
    const remote = createWyomingWake({ url, timeoutMs: 5000 });
    const started = performance.now();
    const detections = await collect(
      remote.detect(stream(audio.pcm), new AbortController().signal),
    );
    expect(detections).toEqual([]);
    // not-detected ends it at once, without waiting out the timeout.
    expect(performance.now() - started).toBeLessThan(4000);
  });
});
