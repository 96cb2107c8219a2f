import { setTimeout as sleep } from 'node:timers/promises';
import type { SessionRecord } from '@jarvis/hub';
import type { DownEvent } from '@jarvis/protocol';
import {
  createOpenWakeWord,
  Satellite,
  type HubLink,
  type Leds,
  type WakeEngine,
} from '@jarvis/satellite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Room, type Spot } from '../support/room.js';
import { until } from '../support/until.js';
import { linkFor, startStack, type Stack } from '../support/stack.js';
import { speak } from '../support/voices.js';

let stack: Stack;
const engines: WakeEngine[] = [];
beforeAll(async () => {
  stack = await startStack({ config: { session: { followUpMs: 4000 } } });
  for (let i = 0; i < 3; i++) engines.push(await createOpenWakeWord({}));
});
afterAll(async () => {
  for (const e of engines) await e.close();
  await stack?.close();
});

interface Running {
  readonly id: string;
  readonly sat: Satellite;
  readonly link: HubLink;
  readonly spot: Spot;
  readonly events: DownEvent[];
  readonly records: SessionRecord[];
  readonly leds: string[];
  stop(): Promise<void>;
}

/** A real satellite (its own wake word engine) in `room`, hearing it at `micGain`. */
async function satelliteIn(
  room: Room,
  options: { id: string; room: string; micGain: number; engine: number },
): Promise<Running> {
  const enrolled = await stack.enroll(options.id, options.room);
  const link = linkFor(stack, enrolled);
  const ready = new Promise<void>((resolve) => link.once('ready', () => resolve()));
  link.start();
  await ready;
  const spot = room.place({ micGain: options.micGain, echoGain: 0.5, echoDelayMs: 60 });
  const events: DownEvent[] = [];
  link.on('event', (e) => events.push(e));
  const records: SessionRecord[] = [];
  stack.hub.onSessionEnd((r) => {
    if (r.satelliteId === options.id) records.push(r);
  });
  const leds: string[] = [];
  const recorder: Leds = { show: (s) => leds.push(s), close: () => Promise.resolve() };
  const wake = engines[options.engine]!;
  wake.reset();
  const sat = new Satellite({
    link,
    source: spot.mic(),
    sink: spot.sink,
    wake,
    leds: recorder,
    log: stack.log,
  });
  const running = sat.run();
  return {
    id: options.id,
    sat,
    link,
    spot,
    events,
    records,
    leds,
    async stop() {
      sat.stop();
      await running;
      await link.stop();
    },
  };
}

const standDowns = (r: Running) => r.events.filter((e) => e.type === 'stand-down').length;

describe('arbitration: several satellites hear one utterance', () => {
  it('two-satellites-the-nearer-one-answers-the-other-stands-down', async () => {
    const room = new Room();
    const near = await satelliteIn(room, {
      id: 'arb-kitchen',
      room: 'kitchen',
      micGain: 1,
      engine: 0,
    });
    const far = await satelliteIn(room, { id: 'arb-hall', room: 'hall', micGain: 0.4, engine: 1 });
    try {
      await sleep(300);
      await room.say(await speak('hey jarvis, turn on the light', 'espeak', { trailMs: 300 }));
      expect(await until(() => near.records.length > 0, 15_000)).toBe(true);
      await sleep(500);
      // The loudest hearing answers: the kitchen's light, from the kitchen satellite.
      // The loudest hearing answers (what it then understood is the recogniser's business).
      expect(near.records).toHaveLength(1);
      expect(near.records[0]?.outcome).not.toBe('cancelled');
      expect(await until(() => near.spot.playbacks.length === 1, 5000)).toBe(true);
      // The farther one heard the wake word too, and was told to stand down, quietly.
      expect(standDowns(far)).toBe(1);
      expect(far.records.filter((r) => r.outcome !== 'cancelled')).toEqual([]);
      expect(far.spot.playbacks).toEqual([]);
      expect(far.leds).toContain('wake');
      expect(await until(() => far.leds.at(-1) === 'idle', 3000)).toBe(true);
      expect(standDowns(near)).toBe(0);
    } finally {
      room.stop();
      await Promise.all([near.stop(), far.stop()]);
    }
  }, 60_000);

  it('three-satellites-at-different-levels-only-the-loudest-acts', async () => {
    const room = new Room();
    const sats = [
      await satelliteIn(room, { id: 'tri-kitchen', room: 'kitchen', micGain: 0.2, engine: 0 }),
      await satelliteIn(room, { id: 'tri-bedroom', room: 'bedroom', micGain: 1, engine: 1 }),
      await satelliteIn(room, { id: 'tri-hall', room: 'hall', micGain: 0.45, engine: 2 }),
    ];
    const [kitchen, bedroom, hall] = sats as [Running, Running, Running];
    try {
      await sleep(300);
      await room.say(await speak('hey jarvis, turn off the light', 'espeak', { trailMs: 300 }));
      expect(await until(() => bedroom.records.length > 0, 15_000)).toBe(true);
      await sleep(500);
      expect(bedroom.records).toHaveLength(1);
      expect(bedroom.records[0]?.outcome).not.toBe('cancelled');
      expect(await until(() => bedroom.spot.playbacks.length === 1, 5000)).toBe(true);
      expect(standDowns(bedroom)).toBe(0);
      for (const loser of [kitchen, hall]) {
        expect(standDowns(loser)).toBe(1);
        expect(loser.records.filter((r) => r.outcome !== 'cancelled')).toEqual([]);
        expect(loser.spot.playbacks).toEqual([]);
      }
    } finally {
      room.stop();
      await Promise.all(sats.map((s) => s.stop()));
    }
  }, 60_000);
});

describe('continued conversation', () => {
  it('after-which-light-the-answer-needs-no-wake-word', async () => {
    const room = new Room();
    // No light in the hall: "the light" there is a question.
    const hall = await satelliteIn(room, { id: 'talk-hall', room: 'hall', micGain: 1, engine: 0 });
    try {
      stack.light.state = 'OFF';
      await sleep(300);
      await room.say(await speak('hey jarvis, turn on the light', 'espeak', { trailMs: 300 }));
      expect(await until(() => hall.records.length > 0, 15_000)).toBe(true);
      expect(hall.records[0]).toMatchObject({ outcome: 'not-understood' });
      expect(hall.records[0]?.reply).toMatch(/\?$/);
      // The record can be stored before the satellite has read the session's end.
      const ended = () => hall.events.find((e) => e.type === 'session-end');
      expect(await until(() => ended() !== undefined, 5000)).toBe(true);
      expect(ended()).toMatchObject({ followUpMs: 4000 });
      // Once the question has played, the satellite listens again by itself.
      const listening = () => hall.events.filter((e) => e.type === 'listening' && e.active);
      expect(await until(() => listening().length === 2, 10_000)).toBe(true);
      await room.say(await speak('turn on the kitchen light', 'espeak', { trailMs: 300 }));
      expect(await until(() => hall.records.length > 1, 15_000)).toBe(true);
      expect(hall.records[1]).toMatchObject({
        wakeWord: 'follow-up',
        outcome: 'ok',
        action: { topic: 'home/kitchen/light/set', payload: 'ON' },
      });
      // A plain answer is not a question: no third listening.
      await sleep(2500);
      expect(listening()).toHaveLength(2);
    } finally {
      room.stop();
      await hall.stop();
    }
  }, 60_000);

  it('no-answer-ends-quietly-after-the-follow-up-time', async () => {
    const room = new Room();
    const hall = await satelliteIn(room, { id: 'quiet-hall', room: 'hall', micGain: 1, engine: 1 });
    try {
      await sleep(300);
      await room.say(await speak('hey jarvis, turn on the light', 'espeak', { trailMs: 300 }));
      expect(await until(() => hall.records.length > 1, 20_000)).toBe(true);
      expect(hall.records[1]).toMatchObject({ wakeWord: 'follow-up', outcome: 'no-speech' });
      await sleep(500);
      expect(hall.leds.at(-1)).toBe('idle');
    } finally {
      room.stop();
      await hall.stop();
    }
  }, 60_000);
});

describe('the link drops mid-answer', () => {
  it('ends-with-the-error-light-and-tone-then-reconnects', async () => {
    const room = new Room();
    const sat = await satelliteIn(room, {
      id: 'drop-kitchen',
      room: 'kitchen',
      micGain: 1,
      engine: 2,
    });
    try {
      let interrupted = 0;
      sat.sat.on('interrupted', () => interrupted++);
      await sleep(300);
      const listening = until(
        () => sat.events.some((e) => e.type === 'listening' && e.active),
        15_000,
      );
      void room.say(await speak('hey jarvis, what time is it', 'espeak', { trailMs: 300 }));
      expect(await listening).toBe(true);
      // The network goes: the socket dies under the satellite.
      (sat.link as unknown as { ws: { terminate(): void } }).ws.terminate();
      expect(await until(() => interrupted === 1, 5000)).toBe(true);
      expect(sat.leds).toContain('error');
      // The hub ends its side of the session too.
      expect(await until(() => sat.records.length === 1, 10_000)).toBe(true);
      expect(sat.records[0]?.outcome).toBe('cancelled');
      // The error tone is played locally; the link comes back by itself within seconds.
      expect(sat.spot.playbacks.length).toBeGreaterThanOrEqual(1);
      expect(await until(() => sat.link.ready, 10_000)).toBe(true);
      await sleep(2500);
      expect(sat.leds.at(-1)).toBe('idle');
    } finally {
      room.stop();
      await sat.stop();
    }
  }, 60_000);
});
