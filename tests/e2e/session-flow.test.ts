import { randomUUID } from 'node:crypto';
import type { DownEvent } from '@jarvis/protocol';
import { createOpenWakeWord, type WakeEngine } from '@jarvis/satellite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkFor, runExchange, startStack, type Stack } from '../support/stack.js';
import { concat, speak } from '../support/voices.js';

let stack: Stack;
let sat: Awaited<ReturnType<Stack['enroll']>>;
let wake: WakeEngine;

beforeAll(async () => {
  stack = await startStack();
  sat = await stack.enroll('kitchen', 'kitchen');
  wake = await createOpenWakeWord({});
});
afterAll(async () => {
  await wake?.close();
  await stack?.close();
});

/** The next stored session of `satelliteId`. */
function nextRecord(satelliteId: string) {
  return new Promise<Parameters<Parameters<Stack['hub']['onSessionEnd']>[0]>[0]>((resolve) =>
    stack.hub.onSessionEnd((r) => {
      if (r.satelliteId === satelliteId) resolve(r);
    }),
  );
}

describe('session flow', () => {
  it('waits-through-a-pause-after-the-wake-word', async () => {
    const audio = concat(
      [
        await speak('hey jarvis', 'festival', { leadMs: 500, trailMs: 0 }),
        await speak('turn on the kitchen light', 'festival', { leadMs: 0, trailMs: 200 }),
      ],
      900,
    );
    const before = stack.light.received.length;
    const result = await runExchange(stack, sat, audio, { wake });
    expect(result.record).toMatchObject({ outcome: 'ok', intent: 'turn_on' });
    expect(stack.light.received.slice(before).map((m) => m.payload)).toEqual(['ON']);
  });

  it('the-wake-word-alone-ends-quietly', async () => {
    const before = stack.light.received.length;
    const result = await runExchange(
      stack,
      sat,
      await speak('hey jarvis', 'flite', { leadMs: 500, trailMs: 200 }),
      {
        wake,
      },
    );
    expect(result.record?.outcome).toBe('no-speech');
    expect(result.record?.reply).toBeNull();
    expect(result.events.some((e) => e.event.type === 'tts-start')).toBe(false);
    expect(stack.light.received.length).toBe(before);
  });

  it('a-satellite-that-disconnects-mid-request-cancels-its-session-and-a-busy-one-is-told', async () => {
    const link = linkFor(stack, sat);
    const events: DownEvent[] = [];
    link.on('event', (e) => events.push(e));
    const ready = new Promise<void>((resolve) => link.once('ready', () => resolve()));
    link.start();
    await ready;
    const recorded = nextRecord('kitchen');
    const published = stack.light.received.length;
    link.send({ type: 'wake', name: 'hey_jarvis', score: 0.9, timeMs: Date.now() });
    link.send({
      type: 'audio-start',
      stream: 1,
      kind: 'mic',
      rate: 16000,
      width: 2,
      channels: 1,
      preRollMs: 0,
    });
    const speech = await speak('turn on the', 'flite', { leadMs: 100, trailMs: 0 });
    for (let i = 0, seq = 0; i < speech.pcm.length; i += 1280, seq++) {
      link.sendAudio({
        kind: 'mic',
        stream: 1,
        sequence: seq,
        timestampMs: i / 16,
        pcm: speech.pcm.slice(i, i + 1280),
      });
    }
    // A second wake while the first session is open is refused, not queued.
    link.send({ type: 'wake', name: 'hey_jarvis', score: 0.9, timeMs: Date.now() });
    await expect
      .poll(() => events.find((e) => e.type === 'error'))
      .toMatchObject({ code: 'session-busy' });
    await link.stop();
    const record = await recorded;
    expect(record.outcome).toBe('cancelled');
    expect(record.action).toBeNull();
    expect(stack.light.received.length).toBe(published);
    expect((await stack.hub.sessions.get(record.id))?.outcome).toBe('cancelled');
  });

  it('a-cancel-event-stops-the-session', async () => {
    const link = linkFor(stack, sat);
    const ready = new Promise<void>((resolve) => link.once('ready', () => resolve()));
    link.start();
    await ready;
    const recorded = nextRecord('kitchen');
    link.send({ type: 'wake', name: 'hey_jarvis', score: 0.9, timeMs: Date.now() });
    link.send({ type: 'audio-start', stream: 2, kind: 'mic', rate: 16000, width: 2, channels: 1 });
    link.sendAudio({
      kind: 'mic',
      stream: 2,
      sequence: 0,
      timestampMs: 0,
      pcm: new Int16Array(1280),
    });
    link.send({ type: 'cancel', sessionId: randomUUID() });
    expect((await recorded).outcome).toBe('cancelled');
    await link.stop();
  });
});
