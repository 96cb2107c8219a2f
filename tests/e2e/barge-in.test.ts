import { setTimeout as sleep } from 'node:timers/promises';
import type { SessionRecord } from '@jarvis/hub';
import type { DownEvent } from '@jarvis/protocol';
import { createOpenWakeWord, logLeds, Satellite, type WakeEngine } from '@jarvis/satellite';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Room, type Spot } from '../support/room.js';
import { until } from '../support/until.js';
import { linkFor, startStack, type Stack } from '../support/stack.js';
import { concat, speak } from '../support/voices.js';

let stack: Stack;
let client: mqtt.MqttClient;
let wake: WakeEngine;
beforeAll(async () => {
  stack = await startStack();
  client = await mqtt.connectAsync(stack.mqtt.url, {
    username: stack.mqtt.username,
    password: stack.mqtt.password,
    reconnectPeriod: 0,
  });
  wake = await createOpenWakeWord({});
});
afterAll(async () => {
  await client?.endAsync();
  await wake?.close();
  await stack?.close();
});

interface Running {
  readonly sat: Satellite;
  readonly spot: Spot;
  readonly events: DownEvent[];
  readonly records: SessionRecord[];
  readonly wakes: number[];
  stop(): Promise<void>;
}

/** A real satellite (wake word engine included) in `room`, its speaker echoing into its mic. */
async function satelliteIn(
  room: Room,
  id: string,
  roomName: string,
  options: { echo?: false; echoGain?: number } = {},
): Promise<Running> {
  const enrolled = await stack.enroll(id, roomName);
  const link = linkFor(stack, enrolled);
  const ready = new Promise<void>((resolve) => link.once('ready', () => resolve()));
  link.start();
  await ready;
  const spot = room.place({ echoGain: options.echoGain ?? 0.7, echoDelayMs: 80 });
  const events: DownEvent[] = [];
  link.on('event', (e) => events.push(e));
  const records: SessionRecord[] = [];
  stack.hub.onSessionEnd((r) => {
    if (r.satelliteId === id) records.push(r);
  });
  wake.reset();
  const sat = new Satellite({
    link,
    source: spot.mic(),
    sink: spot.sink,
    wake,
    leds: logLeds(stack.log),
    log: stack.log,
    ...(options.echo === false ? { echo: false } : {}),
  });
  const wakes: number[] = [];
  sat.on('wake', () => wakes.push(Date.now()));
  const running = sat.run();
  return {
    sat,
    spot,
    events,
    records,
    wakes,
    async stop() {
      room.stop();
      sat.stop();
      await running;
      await link.stop();
    },
  };
}

function announce(text: string, room: string): Promise<unknown> {
  return client.publishAsync('jarvis/announce', JSON.stringify({ text, room }), { qos: 1 });
}

/** An announcement that says the wake word, twice. */
const TEMPTING = 'Hey Jarvis, turn on the kitchen light. Hey Jarvis, what time is it?';

describe('the satellite does not hear itself', () => {
  it('an-announcement-saying-hey-jarvis-does-not-wake-it', async () => {
    const room = new Room();
    const kitchen = await satelliteIn(room, 'echo-kitchen', 'kitchen');
    try {
      await announce(TEMPTING, 'kitchen');
      expect(await until(() => kitchen.spot.playbacks.length > 0, 15_000)).toBe(true);
      const played = kitchen.spot.playbacks[0]!;
      // Until it has played, its echo has faded and a wake word could have fired.
      expect(await until(() => played.endedAt > played.startedAt + 1000, 20_000)).toBe(true);
      await sleep(1500);
      expect(played.playedMs).toBeGreaterThan(3000);
      expect(kitchen.wakes).toEqual([]);
      expect(kitchen.events.filter((e) => e.type === 'listening')).toEqual([]);
      expect(stack.light.state).toBe('OFF');
    } finally {
      await kitchen.stop();
    }
  }, 60_000);

  it('without-the-echo-gate-the-same-announcement-would-wake-it', async () => {
    // The control: the room's echo is loud enough to matter, so the test above means something.
    const room = new Room();
    const kitchen = await satelliteIn(room, 'echo-control', 'kitchen', { echo: false });
    try {
      await announce(TEMPTING, 'kitchen');
      expect(await until(() => kitchen.wakes.length > 0, 25_000)).toBe(true);
    } finally {
      await kitchen.stop();
    }
  }, 60_000);
});

describe('barge-in', () => {
  it('hey-jarvis-stop-cuts-a-long-reply-at-once', async () => {
    const room = new Room();
    // The speaker half as loud at the mic as the person (who speaks up to interrupt).
    const kitchen = await satelliteIn(room, 'barge-kitchen', 'kitchen', { echoGain: 0.5 });
    try {
      // As people do: the wake word, a beat while the reply falls silent, then the command.
      const stop = concat(
        [
          await speak('hey jarvis', 'espeak', { leadMs: 200, trailMs: 0 }),
          await speak('stop', 'espeak', { leadMs: 0, trailMs: 300 }),
        ],
        500,
      );
      let bargedAt = 0;
      kitchen.sat.on('barge-in', () => (bargedAt = Date.now()));
      await announce(
        'This is a long announcement. The kitchen will be closed for cleaning from six until ' +
          'eight this evening, so please have dinner early, and remember to bring the plates back.',
        'kitchen',
      );
      expect(await until(() => (kitchen.spot.playbacks[0]?.playedMs ?? 0) > 1500, 15_000)).toBe(
        true,
      );
      const saidAt = Date.now();
      await room.say(stop);
      expect(await until(() => bargedAt > 0, 5000)).toBe(true);
      const played = kitchen.spot.playbacks[0]!;
      expect(await until(() => played.aborted, 2000)).toBe(true);
      // Stopped within the sound card's buffer of the wake word, long before its end.
      expect(played.endedAt - bargedAt).toBeLessThan(300);
      expect(played.playedMs).toBeLessThan(bargedAt - played.startedAt + 500);
      expect(bargedAt - saidAt).toBeLessThan(3000);
      // The wake-up goes on as a session: "stop" is understood and nothing is said back.
      expect(await until(() => kitchen.records.length > 0, 15_000)).toBe(true);
      expect(kitchen.records[0]).toMatchObject({ intent: 'stop', outcome: 'ok', reply: null });
      expect(kitchen.spot.playbacks).toHaveLength(1);
    } finally {
      await kitchen.stop();
    }
  }, 60_000);
});
