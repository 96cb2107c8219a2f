import { randomBytes } from 'node:crypto';
import { rms } from '@jarvis/protocol';
import { createOpenWakeWord, type WakeEngine } from '@jarvis/satellite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/servers.js';
import { LIGHT, runExchange, startStack, type Stack } from '../support/stack.js';
import { speak } from '../support/voices.js';

/**
 * Remote speech engines as the GPU node would serve them, played here by a second hub's own
 * Wyoming server and OpenAI-compatible endpoints, and the embedded fallback when they are down.
 */
let wake: WakeEngine;
let command: Awaited<ReturnType<typeof speak>>;
beforeAll(async () => {
  wake = await createOpenWakeWord({});
  command = await speak('hey jarvis, turn on the kitchen light', 'flite', { leadMs: 500 });
});
afterAll(async () => {
  await wake?.close();
});

/** The hub's count of STT hand-overs from `url` to pocketsphinx (start-up warm-up included). */
async function sttFallbacks(stack: Stack, url: string): Promise<number> {
  const metrics = await stack.hub.metrics.registry.metrics();
  const line = `jarvis_engine_fallbacks_total{kind="stt",from="wyoming:${url}",to="pocketsphinx"} `;
  const found = metrics.split('\n').find((l) => l.startsWith(line));
  return found ? Number(found.slice(line.length)) : 0;
}

describe('remote engines that are down', () => {
  let stack: Stack;
  let sttUrl: string;
  let ttsUrl: string;
  beforeAll(async () => {
    // Ports nobody listens on: connection refused, as when the GPU node is off.
    sttUrl = `tcp://127.0.0.1:${await freePort()}`;
    ttsUrl = `http://127.0.0.1:${await freePort()}`;
    stack = await startStack({
      config: {
        stt: { engine: 'wyoming', url: sttUrl, retries: 1 },
        tts: { engine: 'openai', url: ttsUrl, model: 'piper', remoteVoice: 'amy' },
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('fall-back-to-the-embedded-engines-within-the-session-and-say-so', async () => {
    const sat = await stack.enroll('kitchen', 'kitchen');
    const fallbacksBefore = await sttFallbacks(stack, sttUrl);
    const ex = await runExchange(stack, sat, command, { wake });
    expect(ex.record).toMatchObject({ outcome: 'ok', intent: 'turn_on' });
    expect(stack.light.state).toBe('ON');
    expect(rms(ex.reply!.pcm)).toBeGreaterThan(300);
    const stored = await stack.hub.sessions.get(ex.record!.id);
    const espeak = stored?.engines.tts ?? '';
    expect(espeak).toMatch(/^espeak/);
    expect(stored?.engines).toMatchObject({
      stt: 'pocketsphinx',
      fallbacks: [
        { kind: 'stt', from: `wyoming:${sttUrl}`, to: 'pocketsphinx', code: 'engine-unavailable' },
        { kind: 'tts', from: 'openai:piper:amy', to: espeak, code: 'engine-unavailable' },
      ],
    });
    expect(await sttFallbacks(stack, sttUrl)).toBe(fallbacksBefore + 1);
  });
});

describe('remote engines that are up', () => {
  let gpu: Stack;
  let stack: Stack;
  const key = randomBytes(24).toString('base64url');
  beforeAll(async () => {
    // Stands in for the GPU node: a hub serving its engines over Wyoming and OpenAI HTTP.
    gpu = await startStack({
      config: { wyoming: { port: 0 } },
      env: { JARVIS_SPEECH_API_KEYS: key },
    });
    stack = await startStack({
      config: {
        stt: { engine: 'wyoming', url: `tcp://127.0.0.1:${gpu.hub.wyomingPort}`, fallback: false },
        tts: {
          engine: 'openai',
          url: gpu.hub.url(),
          model: 'espeak',
          remoteVoice: 'en-us',
          fallback: false,
        },
      },
      env: { JARVIS_TTS_API_KEY: key },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await gpu?.close();
  });

  it('serve-a-whole-session-with-no-fallback', async () => {
    const sat = await stack.enroll('kitchen', 'kitchen');
    const ex = await runExchange(stack, sat, command, { wake });
    expect(ex.record?.outcome).toBe('ok');
    expect(ex.record?.transcript).toContain('turn on the kitchen light');
    expect(ex.record?.action).toEqual({ topic: LIGHT.commandTopic, payload: 'ON' });
    expect(rms(ex.reply!.pcm)).toBeGreaterThan(300);
    expect(ex.record?.engines).toEqual({
      stt: `wyoming:tcp://127.0.0.1:${gpu.hub.wyomingPort}`,
      tts: 'openai:espeak:en-us',
    });
  });

  it('refuse-a-wrong-speech-api-key', async () => {
    const res = await fetch(`${gpu.hub.url()}/v1/audio/speech`, {
      method: 'POST',
      headers: { authorization: 'Bearer not-the-key-at-all', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'espeak', input: 'hello', voice: 'en-us' }),
    });
    expect(res.status).toBe(401);
  });
});
