/**
 * Hostile MQTT clients against the embedded broker: wrong passwords, a device credential
 * publishing or subscribing outside its topics, a satellite reaching for another satellite's
 * topics or replaying its login token, revoked credentials (here and by another process), and
 * password guessing. The hub keeps serving.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFirstAdmin, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let admin: string;
let watcher: mqtt.MqttClient;
const seen: string[] = [];

beforeAll(async () => {
  // Guessing tests fail many logins from this one address: its own brake is raised.
  stack = await startStack({
    config: { auth: { loginMaxFailuresPerIp: 100 } },
    revocationCheckMs: 200,
  });
  admin = await createFirstAdmin(stack);
  // A whole-broker user from the config (the simulated light's) watches what gets through.
  watcher = await mqtt.connectAsync(stack.mqtt.url, {
    username: stack.mqtt.username,
    password: stack.mqtt.password,
    reconnectPeriod: 0,
  });
  await watcher.subscribeAsync('#');
  watcher.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
});
afterAll(async () => {
  await watcher?.endAsync();
  await stack?.close();
});

async function newCredential(body: Record<string, unknown>) {
  const res = await fetch(`${stack.hub.url()}/v1/mqtt/credentials`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Devices and satellites connect with their own name as client id (or "<name>-…"). */
const connect = (username: string, password: string, clientId = `${username}-1`) =>
  mqtt.connectAsync(stack.mqtt.url, {
    username,
    password,
    clientId,
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });

/** Granted QoS per filter; 128 is a refusal. */
async function subscribe(client: mqtt.MqttClient, filter: string): Promise<number> {
  try {
    const granted = await client.subscribeAsync(filter, { qos: 1 });
    return granted[0]!.qos;
  } catch (err) {
    // mqtt.js turns a SUBACK refusal (0x80) into an error.
    if (/Subscribe error/.test(String(err))) return 128;
    throw err;
  }
}

const settle = () => new Promise((r) => setTimeout(r, 300));

describe('device credentials', () => {
  it('keep-a-device-within-its-topics-and-disconnect-it-when-it-strays', async () => {
    const made = await newCredential({
      username: 'desk-lamp',
      publish: ['zigbee2mqtt/desk_lamp'],
      subscribe: ['zigbee2mqtt/desk_lamp/set', 'zigbee2mqtt/desk_lamp/set/+'],
    });
    expect(made.status).toBe(201);
    const password = made.body['password'] as string;
    expect(password).toMatch(/^[\w-]{32}$/);

    await expect(connect('desk-lamp', 'not-the-password')).rejects.toThrow(
      /Bad username or password|Not authorized/i,
    );
    await expect(connect('nobody', password)).rejects.toThrow();

    // Another client's id (the bridge's) is not the lamp's to take.
    await expect(connect('desk-lamp', password, 'zigbee2mqtt')).rejects.toThrow();
    const lamp = await connect('desk-lamp', password);
    expect(await subscribe(lamp, 'zigbee2mqtt/desk_lamp/set')).toBe(1);
    for (const filter of [
      '#',
      'zigbee2mqtt/#',
      'zigbee2mqtt/+/set',
      'home/kitchen/light/set',
      '$SYS/#',
    ])
      expect(await subscribe(lamp, filter), filter).toBe(128);
    await lamp.publishAsync('zigbee2mqtt/desk_lamp', '{"state":"ON"}', { qos: 1 });
    await settle();
    expect(seen).toContain('zigbee2mqtt/desk_lamp {"state":"ON"}');

    // Switching another device: dropped, and the broker closes the connection.
    const closed = new Promise<void>((resolve) => lamp.once('close', () => resolve()));
    lamp.publish('home/kitchen/light/set', 'ON', { qos: 0 });
    await closed;
    await settle();
    expect(seen.some((m) => m.startsWith('home/kitchen/light/set'))).toBe(false);
    expect(stack.light.received).toEqual([]);
    await lamp.endAsync(true);
  });

  it('refuses-bad-filters-and-names-and-revokes-at-once', async () => {
    for (const bad of [
      { username: 'x1', publish: ['a/#/b'], subscribe: ['a'] },
      { username: 'x2', publish: ['$SYS/#'], subscribe: ['a'] },
      { username: 'x3', publish: ['a+b'], subscribe: ['a'] },
      { username: 'x4', publish: [], subscribe: ['a'] },
      { username: '../etc', publish: ['a'], subscribe: ['a'] },
      { username: "x' OR 1=1", publish: ['a'], subscribe: ['a'] },
    ])
      expect((await newCredential(bad)).status, JSON.stringify(bad)).toBe(400);
    // A config user's name is not up for grabs.
    expect(
      (await newCredential({ username: stack.mqtt.username, publish: ['a'], subscribe: ['a'] }))
        .status,
    ).toBe(409);

    const made = await newCredential({
      username: 'plug',
      publish: ['home/plug'],
      subscribe: ['home/plug/set'],
    });
    const plug = await connect('plug', made.body['password'] as string);
    const closed = new Promise<void>((resolve) => plug.once('close', () => resolve()));
    const revoked = await fetch(`${stack.hub.url()}/v1/mqtt/credentials/plug`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(revoked.status).toBe(204);
    await closed;
    await expect(connect('plug', made.body['password'] as string)).rejects.toThrow();
    await plug.endAsync(true);
  });
});

describe('satellites on MQTT', () => {
  it('log-in-with-their-own-token-and-reach-only-their-own-topics', async () => {
    const sat = await stack.enroll('attic', 'attic');
    const other = await stack.enroll('cellar', 'cellar');
    const token = await sat.signer.sign();
    const client = await connect('attic', token);
    expect(await subscribe(client, 'jarvis/v1/satellite/attic/down')).toBe(1);
    expect(await subscribe(client, 'jarvis/v1/satellite/+/down')).toBe(128);
    expect(await subscribe(client, 'jarvis/v1/satellite/cellar/#')).toBe(128);
    await client.publishAsync('jarvis/v1/satellite/attic/status', '{"online":true}', { qos: 1 });
    await settle();
    expect(seen).toContain('jarvis/v1/satellite/attic/status {"online":true}');
    // The same token again (a replay), another satellite's id with this token, a forged one.
    await expect(connect('attic', token)).rejects.toThrow();
    await expect(connect('cellar', await sat.signer.sign())).rejects.toThrow();
    await expect(connect('attic', await other.signer.sign())).rejects.toThrow();
    // Speaking for the cellar: disconnected, nothing delivered.
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish('jarvis/v1/satellite/cellar/up', '{"type":"wake"}', { qos: 0 });
    await closed;
    await settle();
    expect(seen.some((m) => m.startsWith('jarvis/v1/satellite/cellar/'))).toBe(false);
    await client.endAsync(true);
    expect((await fetch(`${stack.hub.url()}/health`)).status).toBe(200);
  });
});

describe('revocations made by another process, and guessing', () => {
  it('drop-a-device-and-a-satellite-on-mqtt-within-one-check', async () => {
    const made = await newCredential({ username: 'fan', publish: ['home/fan'], subscribe: ['a'] });
    const fan = await connect('fan', made.body['password'] as string);
    const sat = await stack.enroll('loft', 'loft');
    const loft = await connect('loft', await sat.signer.sign());
    const closed = (c: mqtt.MqttClient) => new Promise<void>((r) => c.once('close', () => r()));
    const gone = Promise.all([closed(fan), closed(loft)]);
    // As another replica (or `jarvis-hub revoke`) would: straight in the shared database.
    await stack.hub.db.query(
      "UPDATE mqtt_credentials SET revoked_at = now() WHERE username = 'fan'",
    );
    await stack.hub.db.query("UPDATE satellites SET revoked_at = now() WHERE id = 'loft'");
    await gone;
    await Promise.all([fan.endAsync(true), loft.endAsync(true)]);
  });

  it('brakes-password-guessing-per-client-name-and-address', async () => {
    const made = await newCredential({ username: 'kettle', publish: ['home/k'], subscribe: ['a'] });
    const password = made.body['password'] as string;
    for (let i = 0; i < 5; i++)
      await expect(connect('kettle', `wrong password ${i}`)).rejects.toThrow(
        /Bad username|Not authorized|Connection refused/i,
      );
    // Paused now, even with the right password; another client's login is unaffected.
    await expect(connect('kettle', password)).rejects.toThrow();
    const other = await newCredential({
      username: 'toaster',
      publish: ['home/t'],
      subscribe: ['a'],
    });
    const toaster = await connect('toaster', other.body['password'] as string);
    await toaster.endAsync();
    expect((await fetch(`${stack.hub.url()}/health`)).status).toBe(200);
  });
});
