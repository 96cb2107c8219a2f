import { createOpenWakeWord, type WakeEngine } from '@jarvis/satellite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExchange, startStack, type Stack } from '../support/stack.js';
import { speak } from '../support/voices.js';

/** One spoken request per intent family beyond on/off and timers, through real audio. */
let stack: Stack;
let wake: WakeEngine;
let sat: Awaited<ReturnType<Stack['enroll']>>;
beforeAll(async () => {
  stack = await startStack();
  wake = await createOpenWakeWord({});
  sat = await stack.enroll('kitchen', 'kitchen');
});
afterAll(async () => {
  await wake?.close();
  await stack?.close();
});

const ask = (text: string) =>
  speak(`hey jarvis, ${text}`, 'flite', { leadMs: 500 }).then((audio) =>
    runExchange(stack, sat, audio, { wake }),
  );

describe('household requests by voice', () => {
  it('says-the-date', async () => {
    const ex = await ask("what's the date today");
    expect(ex.record).toMatchObject({ intent: 'get_date', outcome: 'ok' });
    expect(ex.record?.reply).toMatch(/^It is \w+day, \w+ \d{1,2}\.$/);
  });

  it('turns-the-satellite-volume-down', async () => {
    const ex = await ask('turn the volume down');
    expect(ex.record).toMatchObject({ intent: 'volume', reply: 'Quieter.' });
    expect(ex.events.map((e) => e.event)).toContainEqual({ type: 'set-volume', volume: 80 });
  });

  it('sets-the-volume-and-mutes-the-satellite', async () => {
    const set = await ask('set the volume to fifty percent');
    expect(set.record).toMatchObject({ intent: 'volume', reply: 'Volume 50.' });
    expect(set.events.map((e) => e.event)).toContainEqual({ type: 'set-volume', volume: 50 });
    const mute = await ask('stop listening');
    expect(mute.record).toMatchObject({ intent: 'mute', outcome: 'ok' });
    expect(mute.events.map((e) => e.event)).toContainEqual({ type: 'mute', muted: true });
  });

  it('answers-a-device-state-then-toggles-it', async () => {
    await stack.light.report('ON');
    await new Promise((r) => setTimeout(r, 200)); // the hub hears the state topic
    const state = await ask('is the light on');
    expect(state.record).toMatchObject({ intent: 'get_state', reply: 'The kitchen light is on.' });
    const toggled = await ask('toggle the light');
    expect(toggled.record?.action).toEqual({ topic: 'home/kitchen/light/set', payload: 'OFF' });
  });

  it('repeats-the-last-reply-and-stops-quietly', async () => {
    const again = await ask('say that again');
    expect(again.record).toMatchObject({
      intent: 'repeat',
      reply: 'Turning off the kitchen light.',
    });
    const stop = await ask('never mind');
    expect(stop.record).toMatchObject({ intent: 'stop', outcome: 'ok', reply: null });
    expect(stop.events.map((e) => e.event.type)).not.toContain('tts-start');
  });
});
