/**
 * Satellites over MQTT (README "The wire"): the skeleton's spoken command with the satellite on
 * the hub's embedded aedes broker and on a real Mosquitto, a satellite reaching for another's
 * topics, the last will, and audio frames out of order, repeated and lost.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeStatus,
  encodeAudioFrame,
  encodeEvent,
  encodeStatus,
  PROTOCOL_VERSION,
  rms,
  satelliteTopics,
  STATUS_PUBLISH_OPTIONS,
  type DownEvent,
  type WavAudio,
} from '@jarvis/protocol';
import { Backoff, createOpenWakeWord, type WakeEngine } from '@jarvis/satellite';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSatelliteMosquitto } from '../support/satellite-mosquitto.js';
import type { RunningServer } from '../support/servers.js';
import { linkFor, mqttLinkFor, runExchange, startStack, type Stack } from '../support/stack.js';
import { speak } from '../support/voices.js';

type Enrolled = Awaited<ReturnType<Stack['enroll']>> & { mqttPassword?: string };

let wake: WakeEngine;
let command: WavAudio;
beforeAll(async () => {
  wake = await createOpenWakeWord({});
  command = await speak('hey jarvis, turn on the kitchen light', 'espeak', {
    leadMs: 500,
    trailMs: 200,
  });
});
afterAll(async () => {
  await wake?.close();
});

/** The skeleton's end-to-end assertions (voice-commands.test.ts), over whatever link. */
async function spokenCommandSwitchesTheLight(stack: Stack, sat: Enrolled): Promise<void> {
  stack.light.received.length = 0;
  const result = await runExchange(stack, sat, command, { wake, link: 'mqtt' });
  expect(result.wake?.score).toBeGreaterThanOrEqual(0.3);
  const record = result.record!;
  expect(record).toMatchObject({ outcome: 'ok', intent: 'turn_on', satelliteId: sat.id });
  expect(record.reply).toBe('Turning on the kitchen light.');
  expect(stack.light.received.map((m) => m.payload)).toEqual(['ON']);
  expect(record.action).toEqual({ topic: 'home/kitchen/light/set', payload: 'ON' });
  expect(stack.light.state).toBe('ON');
  expect(await stack.hub.sessions.get(record.id)).toMatchObject({ outcome: 'ok' });
  expect(result.reply!.pcm.length / result.reply!.rate).toBeGreaterThan(0.5);
  expect(rms(result.reply!.pcm)).toBeGreaterThan(500);
}

const gauge = async (m: { get(): Promise<{ values: { value: number }[] }> }): Promise<number> =>
  (await m.get()).values.reduce((n, v) => n + v.value, 0);

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A connected MqttLink for `sat` that does not come back by itself once cut off. */
async function readyLink(stack: Stack, sat: Enrolled, keepaliveS?: number) {
  const link = mqttLinkFor(stack, sat, new Backoff(60_000, 60_000), {
    ...(keepaliveS === undefined ? {} : { keepaliveS }),
  });
  const events: DownEvent[] = [];
  link.on('event', (e) => events.push(e));
  const ready = new Promise<void>((resolve) => link.once('ready', () => resolve()));
  link.start();
  await ready;
  return { link, events };
}

/** The link answers a ping: it is still connected and served. */
async function answersPing(link: Awaited<ReturnType<typeof readyLink>>, id: number) {
  link.link.send({ type: 'ping', id, timeMs: Date.now() });
  await until(() => link.events.some((e) => e.type === 'pong' && e.id === id));
}

/** A raw MQTT client of the broker the stack uses. */
function rawClient(
  stack: Stack,
  username: string,
  password: string,
  clientId: string,
): Promise<MqttClient> {
  return connectAsync(stack.mqtt.url, {
    username,
    password,
    clientId,
    reconnectPeriod: 0,
    protocolVersion: 4,
  });
}

describe('satellite over MQTT on the embedded aedes broker', () => {
  let stack: Stack;
  let kitchen: Enrolled;
  let bedroom: Enrolled;
  beforeAll(async () => {
    stack = await startStack();
    kitchen = await stack.enroll('kitchen', 'kitchen');
    bedroom = await stack.enroll('bedroom', 'bedroom');
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('spoken-command-switches-the-light-and-plays-the-reply', async () => {
    await spokenCommandSwitchesTheLight(stack, kitchen);
  });

  it('a-satellite-publishing-on-another-satellites-topics-is-cut-off', async () => {
    const victim = await readyLink(stack, kitchen);
    const sessions: string[] = [];
    stack.hub.onSessionEnd((r) => sessions.push(r.satelliteId));
    // bedroom's own credentials (a fresh token), used to reach for kitchen's topics.
    const intruder = await rawClient(stack, 'bedroom', await bedroom.signer.sign(), 'bedroom-x');
    // SUBACK failure 0x80 (MQTT 3.1.1 §3.9.3), which mqtt.js turns into an error.
    await expect(
      intruder.subscribeAsync(satelliteTopics('kitchen').down, { qos: 1 }),
    ).rejects.toThrow(/Subscribe error/);
    const closed = new Promise<void>((resolve) => intruder.once('close', () => resolve()));
    intruder.publish(
      satelliteTopics('kitchen').up,
      encodeEvent({ type: 'wake', name: 'hey_jarvis', score: 0.99, timeMs: Date.now() }),
      { qos: 0 },
    );
    await closed; // the broker disconnected it
    intruder.end(true);
    await new Promise((r) => setTimeout(r, 300));
    // Kitchen never heard of it: no session opened, still connected and answered.
    expect(victim.events.some((e) => e.type === 'listening')).toBe(false);
    expect(sessions).toEqual([]);
    await answersPing(victim, 7);
    await victim.link.stop();
  });

  it('a-vanished-satellite-is-offline-by-its-last-will', async () => {
    const online = () => gauge(stack.hub.metrics.satellitesOnline);
    await until(async () => (await online()) === 0); // the earlier tests' links are gone
    const sat = await readyLink(stack, kitchen, 5);
    await until(async () => (await online()) === 1);
    const watcher = await rawClient(stack, stack.mqtt.username, stack.mqtt.password, 'watcher');
    const statuses: { online: boolean }[] = [];
    watcher.on('message', (_t, p) => statuses.push(decodeStatus(p)));
    await watcher.subscribeAsync(satelliteTopics('kitchen').status, { qos: 1 });
    await until(() => statuses.at(-1)?.online === true); // retained
    // The network goes: no DISCONNECT, so the broker publishes the will.
    (sat.link as unknown as { client: MqttClient }).client.stream.destroy();
    await until(() => statuses.at(-1)?.online === false);
    await until(async () => (await online()) === 0);
    await watcher.endAsync();
    await sat.link.stop();
  });

  it('arbitrates-between-a-websocket-satellite-and-an-mqtt-one', async () => {
    const ws = linkFor(stack, kitchen);
    const wsEvents: DownEvent[] = [];
    ws.on('event', (e) => wsEvents.push(e));
    const wsReady = new Promise<void>((resolve) => ws.once('ready', () => resolve()));
    ws.start();
    await wsReady;
    const mq = await readyLink(stack, bedroom);
    // One utterance heard by both: the MQTT satellite, louder, wins even though it spoke later.
    ws.send({ type: 'wake', name: 'hey_jarvis', score: 0.6, timeMs: Date.now(), energyDb: -45 });
    await until(() => wsEvents.some((e) => e.type === 'listening'));
    mq.link.send({
      type: 'wake',
      name: 'hey_jarvis',
      score: 0.6,
      timeMs: Date.now(),
      energyDb: -20,
    });
    await until(() => wsEvents.some((e) => e.type === 'stand-down'));
    await until(() => mq.events.some((e) => e.type === 'listening' && e.active));
    expect(mq.events.some((e) => e.type === 'stand-down')).toBe(false);
    mq.link.send({ type: 'cancel' });
    await ws.stop();
    await mq.link.stop();
  });

  it('an-announcement-reaches-an-mqtt-satellite-like-a-websocket-one', async () => {
    const sat = await readyLink(stack, bedroom);
    const frames: number[] = [];
    sat.link.on('audio', (f) => frames.push(f.pcm.length));
    const client = await rawClient(stack, stack.mqtt.username, stack.mqtt.password, 'announcer');
    try {
      await client.publishAsync(
        'jarvis/announce',
        JSON.stringify({ text: 'Dinner is ready', room: 'bedroom' }),
        { qos: 1 },
      );
      await until(
        () => sat.events.some((e) => e.type === 'announce' && e.text === 'Dinner is ready'),
        15_000,
      );
      await until(() => sat.events.some((e) => e.type === 'audio-stop'), 15_000);
      // The spoken words came down the satellite's audio topic.
      expect(frames.reduce((a, b) => a + b, 0)).toBeGreaterThan(8000);
    } finally {
      await client.endAsync();
      await sat.link.stop();
    }
  });

  it('reconnects-after-a-drop-with-a-freshly-signed-token', async () => {
    const link = mqttLinkFor(stack, kitchen, new Backoff(50, 100));
    let readies = 0;
    const downs: string[] = [];
    link.on('ready', () => readies++);
    link.on('down', (why) => downs.push(why));
    link.start();
    await until(() => readies === 1);
    // The broker refuses a token it has seen: coming back proves a new one was signed.
    (link as unknown as { client: MqttClient }).client.stream.destroy();
    await until(() => readies === 2);
    expect(downs).toHaveLength(1);
    await link.stop();
  });

  it('frames-out-of-order-repeated-and-lost-still-transcribe-and-the-gap-is-counted', async () => {
    const missingBefore = await gauge(stack.hub.metrics.audioFramesMissing);
    const topics = satelliteTopics('kitchen');
    const client = await rawClient(stack, 'kitchen', await kitchen.signer.sign(), 'kitchen');
    const events: DownEvent[] = [];
    client.on('message', (topic, payload) => {
      if (topic === topics.down) events.push(JSON.parse(payload.toString()) as DownEvent);
    });
    await client.subscribeAsync(topics.down, { qos: 1 });
    const now = Date.now();
    await client.publishAsync(
      topics.status,
      encodeStatus({ online: true, timeMs: now }),
      STATUS_PUBLISH_OPTIONS,
    );
    const up = (e: Parameters<typeof encodeEvent>[0]) =>
      client.publishAsync(topics.up, encodeEvent(e), { qos: 1 });
    await up({
      type: 'hello',
      versions: [PROTOCOL_VERSION],
      satelliteId: 'kitchen',
      capabilities: {
        wakeWords: ['hey_jarvis'],
        audioIn: { rate: 16000, width: 2, channels: 1 },
        audioOut: true,
        leds: false,
      },
    });
    await until(() => events.some((e) => e.type === 'welcome'));
    const recorded = new Promise<Parameters<Parameters<Stack['hub']['onSessionEnd']>[0]>[0]>(
      (resolve) => stack.hub.onSessionEnd((r) => r.satelliteId === 'kitchen' && resolve(r)),
    );
    stack.light.received.length = 0;
    await up({ type: 'wake', name: 'hey_jarvis', score: 0.9, timeMs: Date.now() });
    await up({
      type: 'audio-start',
      stream: 1,
      kind: 'mic',
      rate: 16000,
      width: 2,
      channels: 1,
      preRollMs: 1500,
    });
    // 80 ms frames of the command and 1.5 s of quiet, with each pair swapped, every 7th sent
    // twice and frame 30 (in the quiet after "light", not speech) never sent.
    const pcm = new Int16Array(command.pcm.length + 24_000);
    pcm.set(command.pcm);
    const frames: Uint8Array[] = [];
    for (let at = 0, seq = 0; at < pcm.length; at += 1280, seq++)
      frames.push(
        encodeAudioFrame({
          kind: 'mic',
          stream: 1,
          sequence: seq,
          timestampMs: at / 16,
          pcm: pcm.subarray(at, at + 1280),
        }),
      );
    const order: number[] = [];
    for (let i = 0; i + 1 < frames.length; i += 2) order.push(i + 1, i);
    if (frames.length % 2 === 1) order.push(frames.length - 1);
    const dropped = Math.min(30, frames.length - 5);
    const sent = order.filter((i) => i !== dropped).flatMap((i) => (i % 7 === 3 ? [i, i] : [i]));
    for (const i of sent) {
      client.publish(topics.audioUp, Buffer.from(frames[i]!), { qos: 0 });
      await new Promise((r) => setTimeout(r, 10));
    }
    await up({ type: 'audio-stop', stream: 1 });
    const record = await recorded;
    expect(record).toMatchObject({ outcome: 'ok', intent: 'turn_on' });
    expect(stack.light.received.map((m) => m.payload)).toEqual(['ON']);
    expect((await gauge(stack.hub.metrics.audioFramesMissing)) - missingBefore).toBe(1);
    // And in the session's record (stored too).
    expect(record.audioFramesLost).toBe(1);
    expect((await stack.hub.sessions.get(record.id))?.audioFramesLost).toBe(1);
    await client.publishAsync(
      topics.status,
      encodeStatus({ online: false, timeMs: now }),
      STATUS_PUBLISH_OPTIONS,
    );
    await client.endAsync();
  });
});

describe('satellite over MQTT on an external Mosquitto', () => {
  let broker: RunningServer;
  let stack: Stack;
  let kitchen: Enrolled;
  const password = () => randomBytes(18).toString('base64url');
  const hubUser = { username: 'jarvis-hub', password: password() };
  const passwords = {
    kitchen: password(),
    bedroom: password(),
    ghost: password(),
    attic: password(),
  };
  beforeAll(async () => {
    broker = await startSatelliteMosquitto(
      hubUser,
      Object.entries(passwords).map(([id, pw]) => ({ id, password: pw })),
    );
    stack = await startStack({ config: { mqtt: { url: broker.url, ...hubUser } } });
    kitchen = { ...(await stack.enroll('kitchen', 'kitchen')), mqttPassword: passwords.kitchen };
    await stack.enroll('bedroom', 'bedroom'); // the intruder: enrolled, on its own password
  });
  afterAll(async () => {
    await stack?.close();
    await broker?.stop();
  });

  it('spoken-command-switches-the-light-and-plays-the-reply', async () => {
    await spokenCommandSwitchesTheLight(stack, kitchen);
  });

  it('the-acl-keeps-a-satellite-to-its-own-topics-and-the-hub-ignores-it', async () => {
    const victim = await readyLink(stack, kitchen);
    const sessions: string[] = [];
    stack.hub.onSessionEnd((r) => sessions.push(r.satelliteId));
    const intruder = await rawClient(stack, 'bedroom', passwords.bedroom, 'bedroom-x');
    // Mosquitto grants the subscription but delivers nothing its ACL does not allow to read.
    const overheard: string[] = [];
    intruder.on('message', (topic) => overheard.push(topic));
    await intruder.subscribeAsync(satelliteTopics('kitchen').down, { qos: 1 });
    // Mosquitto drops the publish (MQTT 3.1.1 has no way to say so): the hub never sees it.
    await intruder.publishAsync(
      satelliteTopics('kitchen').up,
      encodeEvent({ type: 'wake', name: 'hey_jarvis', score: 0.99, timeMs: Date.now() }),
      { qos: 1 },
    );
    await intruder.publishAsync(
      satelliteTopics('kitchen').status,
      encodeStatus({ online: false, timeMs: Date.now() + 60_000 }),
      STATUS_PUBLISH_OPTIONS,
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(victim.events.some((e) => e.type === 'listening')).toBe(false);
    expect(sessions).toEqual([]);
    await answersPing(victim, 9);
    expect(overheard).toEqual([]);
    await intruder.endAsync();
    await victim.link.stop();
  });

  it('a-satellite-that-stayed-on-the-broker-is-taken-back-after-a-hub-restart', async () => {
    // A broker of its own: a second hub on the shared one would answer the satellite too.
    const own = await startSatelliteMosquitto(hubUser, [
      { id: 'attic', password: passwords.attic },
    ]);
    const dataDir = await mkdtemp(join(tmpdir(), 'jarvis-mqtt-restart-'));
    const mqtt = { mqtt: { url: own.url, ...hubUser } };
    let first: Stack | undefined = await startStack({ dataDir, config: mqtt });
    let second: Stack | undefined;
    try {
      const sat = { ...(await first.enroll('attic', 'attic')), mqttPassword: passwords.attic };
      const link = mqttLinkFor(first, sat);
      let readies = 0;
      link.on('ready', () => readies++);
      link.start();
      await until(() => readies === 1);
      await first.close();
      first = undefined;
      // The broker kept the satellite's session: it never saw the hub go.
      second = await startStack({ dataDir, config: mqtt });
      const hub = second.hub;
      await until(() => readies === 2, 8000); // the new hub asked it for hello
      await until(async () => (await gauge(hub.metrics.satellitesOnline)) === 1);
      await link.stop();
    } finally {
      await first?.close();
      await second?.close();
      await own.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('a-broker-user-that-is-not-an-enrolled-satellite-is-refused', async () => {
    const ghost = mqttLinkFor(stack, { ...kitchen, id: 'ghost', mqttPassword: passwords.ghost });
    const refused = new Promise<number>((resolve) => ghost.once('refused', (s) => resolve(s)));
    ghost.start();
    expect(await refused).toBe(401);
    expect(ghost.ready).toBe(false);
    await ghost.stop();
  });
});
