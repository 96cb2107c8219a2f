import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rms } from '@jarvis/protocol';
import { createOpenWakeWord, type WakeEngine } from '@jarvis/satellite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heardAnnouncement } from '../support/announcements.js';
import { runExchange, startStack } from '../support/stack.js';
import { speak } from '../support/voices.js';

let wake: WakeEngine;
let dir: string;
beforeAll(async () => {
  wake = await createOpenWakeWord({});
  dir = await mkdtemp(join(tmpdir(), 'jarvis-timers-e2e-'));
});
afterAll(async () => {
  await wake?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('timers by voice', () => {
  it('set-by-voice-and-ring-on-the-same-satellite-after-a-hub-restart', async () => {
    const dataDir = join(dir, 'db');
    let stack = await startStack({ dataDir });
    const sat = await stack.enroll('kitchen', 'kitchen');
    const audio = await speak('hey jarvis, set a timer for five seconds', 'flite', { leadMs: 500 });
    const ex = await runExchange(stack, sat, audio, { wake });
    expect(ex.record).toMatchObject({
      outcome: 'ok',
      intent: 'set_timer',
      reply: 'Timer set for 5 seconds.',
    });
    expect(await stack.hub.timers.pending('kitchen')).toHaveLength(1);
    await stack.close();

    stack = await startStack({ dataDir });
    try {
      const { event, samples } = await heardAnnouncement(stack, sat, 15_000);
      expect(event).toMatchObject({ reason: 'timer', text: 'Your 5 second timer is done.' });
      const pcm = Int16Array.from(samples.flatMap((s) => [...s]));
      expect(rms(pcm)).toBeGreaterThan(300); // the chime and the spoken line
      expect(await stack.hub.timers.pending()).toEqual([]);
    } finally {
      await stack.close();
    }
  });

  it('answers-how-long-is-left-and-cancels-by-voice', async () => {
    const stack = await startStack();
    try {
      const sat = await stack.enroll('bedroom', 'bedroom');
      await stack.hub.timers.set('bedroom', 600_000);
      const left = await runExchange(
        stack,
        sat,
        await speak('hey jarvis, how long is left on the timer', 'flite', { leadMs: 500 }),
        { wake },
      );
      expect(left.record).toMatchObject({ intent: 'timer_remaining', outcome: 'ok' });
      expect(left.record?.reply).toMatch(/^(10 minutes|9 minutes and 5\d seconds) left\.$/);
      const cancel = await runExchange(
        stack,
        sat,
        await speak('hey jarvis, cancel the timer', 'festival', { leadMs: 500 }),
        { wake },
      );
      expect(cancel.record).toMatchObject({
        intent: 'cancel_timer',
        reply: 'Cancelled your 10 minute timer.',
      });
      expect(await stack.hub.timers.pending()).toEqual([]);
    } finally {
      await stack.close();
    }
  });

  it('sets-a-named-timer-and-asks-about-and-cancels-it-by-name', async () => {
    const stack = await startStack();
    try {
      const sat = await stack.enroll('kitchen', 'kitchen');
      const say = async (text: string, voice: 'espeak' | 'flite' | 'festival') =>
        (
          await runExchange(
            stack,
            sat,
            await speak(`hey jarvis, ${text}`, voice, { leadMs: 500 }),
            {
              wake,
            },
          )
        ).record;
      await stack.hub.timers.set('kitchen', 60_000); // an unnamed one, left alone
      expect(await say('set a pasta timer for five minutes', 'flite')).toMatchObject({
        intent: 'set_timer',
        slots: { name: 'pasta', duration: 300_000 },
        reply: 'Pasta timer set for 5 minutes.',
      });
      expect((await stack.hub.timers.pending('kitchen', 'pasta')).map((t) => t.name)).toEqual([
        'pasta',
      ]);
      const left = await say('how long is left on the pasta timer', 'espeak');
      expect(left).toMatchObject({ intent: 'timer_remaining', slots: { name: 'pasta' } });
      expect(left?.reply).toMatch(
        /^(5 minutes|4 minutes and 5\d seconds) left on the pasta timer\.$/,
      );
      expect(await say('cancel the pasta timer', 'festival')).toMatchObject({
        intent: 'cancel_timer',
        reply: 'Cancelled your pasta timer.',
      });
      const rest = await stack.hub.timers.pending('kitchen');
      expect(rest.map((t) => [t.name, t.durationMs])).toEqual([[undefined, 60_000]]);
    } finally {
      await stack.close();
    }
  });
});
