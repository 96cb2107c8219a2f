import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startMosquitto,
  startRestartableMosquitto,
  type RunningServer,
} from '../../../tests/support/servers.js';
import {
  configUsers,
  connectExternalBroker,
  startEmbeddedBroker,
  topicMatches,
  type MqttBus,
} from './bus.js';

const log = pino({ level: 'silent' });
const user = { username: 'light', password: 'correct-horse-battery' };

function nextMessage(client: mqtt.MqttClient, topic: string): Promise<string> {
  return new Promise((resolve) =>
    client.on('message', (t, p) => {
      if (t === topic) resolve(p.toString());
    }),
  );
}

describe('topic filters', () => {
  it.each([
    ['a/+/c', 'a/b/c', true],
    ['a/#', 'a/b/c', true],
    ['a/+', 'a/b/c', false],
    ['a/b', 'a/b', true],
    ['a/b/c', 'a/b', false],
  ])('%s vs %s', (f, t, ok) => expect(topicMatches(f, t)).toBe(ok));
});

describe('embedded broker', () => {
  let bus: MqttBus;
  beforeAll(async () => {
    bus = await startEmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      identify: configUsers([user]),
      log,
    });
  });
  afterAll(async () => {
    await bus?.close();
  });

  it('refuses-anonymous-and-wrong-password-clients', async () => {
    const url = `mqtt://127.0.0.1:${bus.address!.port}`;
    for (const opts of [
      {},
      { username: 'light', password: 'wrong-password-123' },
      { username: 'nobody', password: 'x' },
    ]) {
      const c = mqtt.connect(url, { ...opts, reconnectPeriod: 0 });
      const err = await new Promise<Error>((resolve) => c.once('error', resolve));
      expect(err.message).toMatch(/Bad username or password|Not authorized/i);
      c.end(true);
    }
  });

  it('delivers-hub-commands-to-a-device-and-device-state-to-the-hub', async () => {
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${bus.address!.port}`, user);
    await device.subscribeAsync('home/kitchen/light/set', { qos: 1 });
    const got = nextMessage(device, 'home/kitchen/light/set');
    await bus.publish('home/kitchen/light/set', 'ON');
    expect(await got).toBe('ON');
    const states: string[] = [];
    await bus.subscribe('home/+/light/state', (_t, p) => states.push(p.toString()));
    await device.publishAsync('home/kitchen/light/state', 'ON', { qos: 1 });
    await expect.poll(() => states).toEqual(['ON']);
    await device.endAsync();
  });

  it('replays-retained-messages-published-before-the-hub-subscribed', async () => {
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${bus.address!.port}`, user);
    await device.publishAsync('homeassistant/light/desk/config', '{"name":"Desk"}', {
      qos: 1,
      retain: true,
    });
    await device.publishAsync('homeassistant/switch/plug/config', '{"name":"Plug"}', {
      qos: 1,
      retain: true,
    });
    await device.publishAsync('homeassistant/light/gone/config', 'x', { qos: 1, retain: true });
    await device.publishAsync('homeassistant/light/gone/config', '', { qos: 1, retain: true });
    await device.publishAsync('homeassistant/light/live/config', 'not kept', { qos: 1 });
    await bus.publish('homeassistant/light/hub/config', '{"name":"Hub"}', { retain: true });

    const got: string[] = [];
    await bus.subscribe('homeassistant/+/+/config', (t, p) => got.push(`${t} ${p.toString()}`));
    expect(got.sort()).toEqual([
      'homeassistant/light/desk/config {"name":"Desk"}',
      'homeassistant/light/hub/config {"name":"Hub"}',
      'homeassistant/switch/plug/config {"name":"Plug"}',
    ]);
    // Live messages still arrive after the replay.
    await device.publishAsync('homeassistant/light/desk/config', '{"name":"Desk 2"}', { qos: 1 });
    await expect.poll(() => got.at(-1)).toBe('homeassistant/light/desk/config {"name":"Desk 2"}');
    await device.endAsync();
  });

  it('survives-a-throwing-handler', async () => {
    await bus.publish('home/throw/state', 'x', { retain: true });
    await expect(
      bus.subscribe('home/throw/state', () => {
        throw new Error('handler bug');
      }),
    ).resolves.toBeUndefined();
    const got: string[] = [];
    await bus.subscribe('home/throw/state', (_t, p) => got.push(p.toString()));
    await bus.publish('home/throw/state', 'y');
    await expect.poll(() => got).toEqual(['x', 'y']);
  });
});

describe('external broker (real Mosquitto)', () => {
  let mosquitto: RunningServer;
  beforeAll(async () => {
    mosquitto = await startMosquitto(user);
  });
  afterAll(async () => {
    await mosquitto?.stop();
  });

  it('publishes-and-subscribes-through-mosquitto', async () => {
    const bus = await connectExternalBroker({
      url: mosquitto.url,
      ...user,
      clientId: 'hub-test',
      log,
    });
    const device = await mqtt.connectAsync(mosquitto.url, user);
    await device.subscribeAsync('home/hall/lamp/set', { qos: 1 });
    const got = nextMessage(device, 'home/hall/lamp/set');
    await bus.publish('home/hall/lamp/set', 'OFF');
    expect(await got).toBe('OFF');
    await device.endAsync();
    await bus.close();
  });

  it('fails-clearly-with-bad-credentials', async () => {
    await expect(
      connectExternalBroker({
        url: mosquitto.url,
        username: 'light',
        password: 'nope',
        clientId: 'x',
        log,
      }),
    ).rejects.toMatchObject({ code: 'action-failed' });
  });
});

describe('external broker outage', () => {
  it('fails-a-publish-at-once-while-down-and-resubscribes-after-a-restart', async () => {
    const broker = await startRestartableMosquitto(user);
    const bus = await connectExternalBroker({ url: broker.url, ...user, clientId: 'hub-o', log });
    try {
      const states: string[] = [];
      await bus.subscribe('home/hall/lamp/state', (_t, p) => states.push(p.toString()));
      await broker.pause();
      while (bus.connected()) await new Promise((r) => setTimeout(r, 20));
      const t0 = Date.now();
      await expect(bus.publish('home/hall/lamp/set', 'ON')).rejects.toMatchObject({
        code: 'action-failed',
        retryable: true,
      });
      expect(Date.now() - t0).toBeLessThan(100);
      await broker.resume();
      while (!bus.connected()) await new Promise((r) => setTimeout(r, 50));
      const device = await mqtt.connectAsync(broker.url, user);
      // Retained: delivered whether the hub's SUBSCRIBE lands before or after it.
      await device.publishAsync('home/hall/lamp/state', 'OFF', { qos: 1, retain: true });
      while (states.length === 0) await new Promise((r) => setTimeout(r, 20));
      expect(states).toEqual(['OFF']);
      await device.endAsync();
    } finally {
      await bus.close();
      await broker.stop();
    }
  }, 30_000);
});
