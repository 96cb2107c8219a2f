import { rms } from '@jarvis/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIGHT, runExchange, startStack, type Stack } from '../support/stack.js';
import { concat, speak } from '../support/voices.js';

/** Satellites too small for a wake word engine: the hub listens for them. */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

describe('wake word on the hub', () => {
  it('opens-a-session-when-the-hub-hears-hey-jarvis-in-the-gated-stream', async () => {
    const sat = await stack.enroll('pi-zero', 'kitchen');
    const audio = await speak('hey jarvis, turn on the kitchen light', 'espeak', { leadMs: 800 });
    const ex = await runExchange(stack, sat, audio, { wake: 'hub', realtime: true });
    expect(ex.wake).toBeUndefined(); // the satellite itself heard nothing
    expect(ex.record).toMatchObject({
      outcome: 'ok',
      wakeWord: 'hey_jarvis',
      intent: 'turn_on',
      action: { topic: LIGHT.commandTopic, payload: 'ON' },
    });
    expect(ex.record!.wakeScore).toBeGreaterThanOrEqual(0.3);
    expect(rms(ex.reply!.pcm)).toBeGreaterThan(300);
  });

  it('opens-nothing-for-speech-without-the-wake-word', async () => {
    const sat = await stack.enroll('pi-zero-2', 'bedroom');
    const audio = concat([
      await speak('turn on the kitchen light please', 'flite'),
      await speak('what a lovely day it is', 'espeak'),
    ]);
    const ex = await runExchange(stack, sat, audio, { wake: 'hub' });
    expect(ex.record).toBeUndefined();
    expect(ex.events.map((e) => e.event.type)).not.toContain('listening');
    // The gate did send the speech: the hub scored it and heard no wake word.
    const metrics = await stack.hub.metrics.registry.metrics();
    expect(metrics).toMatch(/jarvis_hub_wake_segments_total\{satellite="pi-zero-2"\} [1-9]/);
  });

  it('still-serves-a-satellite-with-its-own-wake-word-alongside', async () => {
    const sat = await stack.enroll('pi-5', 'kitchen');
    const audio = await speak('hey jarvis, turn off the kitchen light', 'flite', { leadMs: 500 });
    const ex = await runExchange(stack, sat, audio);
    expect(ex.record).toMatchObject({ outcome: 'ok', action: { payload: 'OFF' } });
  });
});
