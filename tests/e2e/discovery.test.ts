/**
 * Home Assistant MQTT discovery end to end: a separate client plays Zigbee2MQTT (retained
 * discovery configs, JSON commands and state), the hub picks its light up, and a spoken command
 * through a real satellite, wake word and recogniser switches it.
 */
import { createOpenWakeWord, type WakeEngine } from '@jarvis/satellite';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type RunningServer } from '../support/servers.js';
import { runExchange, startStack, type Stack } from '../support/stack.js';
import { speak } from '../support/voices.js';

const LAMP_ID = '0x00158d0001a2b3c4_light_zigbee2mqtt';
const LAMP_CONFIG = 'homeassistant/light/0x00158d0001a2b3c4/light/config';
const LAMP_SET = 'zigbee2mqtt/desk_lamp/set';
const LAMP_STATE = 'zigbee2mqtt/desk_lamp';

/** What Zigbee2MQTT announces for a dimmable bulb called "Desk lamp" in the Office area. */
const LAMP = {
  availability: [{ topic: 'zigbee2mqtt/bridge/state', value_template: '{{ value_json.state }}' }],
  brightness: true,
  brightness_scale: 254,
  command_topic: LAMP_SET,
  device: {
    identifiers: ['zigbee2mqtt_0x00158d0001a2b3c4'],
    manufacturer: 'IKEA',
    model: 'TRADFRI bulb E27 WW 806lm',
    name: 'Desk lamp',
    suggested_area: 'Office',
  },
  name: null,
  object_id: 'desk_lamp',
  origin: { name: 'Zigbee2MQTT', sw: '1.39.0' },
  schema: 'json',
  state_topic: LAMP_STATE,
  supported_color_modes: ['brightness'],
  unique_id: LAMP_ID,
};

/** A bulb still under its default friendly name (its IEEE address): no word a recogniser knows. */
const UNNAMED_ID = '0x000b57fffec6a5b2_light_zigbee2mqtt';
const UNNAMED = {
  command_topic: 'zigbee2mqtt/0x000b57fffec6a5b2/set',
  device: { identifiers: ['zigbee2mqtt_0x000b57fffec6a5b2'], name: '0x000b57fffec6a5b2' },
  name: null,
  schema: 'json',
  state_topic: 'zigbee2mqtt/0x000b57fffec6a5b2',
  unique_id: UNNAMED_ID,
};

/** Zigbee2MQTT in miniature: retained configs and state; obeys `{"state":"ON"|"OFF"}`. */
class Zigbee2Mqtt {
  state: 'ON' | 'OFF' = 'OFF';
  readonly commands: string[] = [];

  private constructor(private readonly client: mqtt.MqttClient) {
    client.on('message', (topic, payload) => {
      if (topic !== LAMP_SET) return;
      const text = payload.toString();
      this.commands.push(text);
      const { state } = JSON.parse(text) as { state?: unknown };
      if (state === 'ON' || state === 'OFF') {
        this.state = state;
        void this.publish(LAMP_STATE, { state, brightness: 254 });
      }
    });
  }

  static async connect(broker: { url: string; username: string; password: string }) {
    const client = await mqtt.connectAsync(broker.url, {
      username: broker.username,
      password: broker.password,
      clientId: 'zigbee2mqtt',
      reconnectPeriod: 0,
    });
    await client.subscribeAsync(LAMP_SET, { qos: 1 });
    return new Zigbee2Mqtt(client);
  }

  async announce(): Promise<void> {
    await this.publish('zigbee2mqtt/bridge/state', { state: 'online' });
    await this.publish(LAMP_STATE, { state: this.state, brightness: 254 });
    await this.publish(LAMP_CONFIG, LAMP);
    await this.publish('homeassistant/light/0x000b57fffec6a5b2/light/config', UNNAMED);
  }

  publish(topic: string, payload: unknown): Promise<unknown> {
    return this.client.publishAsync(topic, JSON.stringify(payload), { qos: 1, retain: true });
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }
}

let wake: WakeEngine;
beforeAll(async () => {
  wake = await createOpenWakeWord({});
});
afterAll(async () => {
  await wake?.close();
});

/** Says the command in the office and checks the hub switched the discovered lamp. */
async function switchDeskLampByVoice(stack: Stack, z2m: Zigbee2Mqtt): Promise<void> {
  // Once the lamp is in the registry the recogniser has its grammar too (one step), and its
  // retained state has come through discovery.
  await expect.poll(() => stack.hub.devices.find(LAMP_ID), { timeout: 10_000 }).toBeDefined();
  await expect.poll(() => stack.hub.devices.stateOf(LAMP_ID)).toBe('OFF');
  const sat = await stack.enroll('office', 'office');
  const audio = await speak('hey jarvis, turn on the desk lamp', 'flite', { leadMs: 500 });
  const result = await runExchange(stack, sat, audio, { wake });

  const record = result.record!;
  expect(record).toBeDefined();
  expect(record.outcome).toBe('ok');
  expect(record.intent).toBe('turn_on');
  expect(record.reply).toBe('Turning on the office desk lamp.');
  expect(record.action).toEqual({ topic: LAMP_SET, payload: '{"state":"ON"}' });
  await expect.poll(() => z2m.commands).toEqual(['{"state":"ON"}']);
  expect(z2m.state).toBe('ON');
  // The lamp's report came back through discovery's state tracking.
  await expect.poll(() => stack.hub.devices.stateOf(LAMP_ID)).toBe('ON');
  expect(stack.light.received).toEqual([]);
}

describe('discovery through an external Mosquitto', () => {
  const user = { username: 'jarvis', password: 'discovery-e2e-password' };
  let mosquitto: RunningServer;
  let z2m: Zigbee2Mqtt;
  let stack: Stack;

  beforeAll(async () => {
    mosquitto = await startMosquitto(user);
    z2m = await Zigbee2Mqtt.connect({ url: mosquitto.url, ...user });
    // Retained before the hub starts, as a bridge that has been running for days leaves them.
    await z2m.announce();
    stack = await startStack({ config: { mqtt: { url: mosquitto.url, ...user } } });
  });
  afterAll(async () => {
    await stack?.close();
    await z2m?.close();
    await mosquitto?.stop();
  });

  it('switches-a-retained-zigbee2mqtt-light-by-voice', async () => {
    expect(stack.hub.bus.kind).toBe('external');
    await switchDeskLampByVoice(stack, z2m);
  });

  it('leaves-out-a-device-whose-name-the-recogniser-cannot-say', () => {
    expect(stack.hub.devices.find(UNNAMED_ID)).toBeUndefined();
    expect(stack.hub.devices.find(LAMP_ID)).toBeDefined();
  });
});

describe('discovery on the embedded broker', () => {
  let z2m: Zigbee2Mqtt;
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
    // An authenticated client (a user from mqtt.users) announces the lamp to the running hub.
    z2m = await Zigbee2Mqtt.connect(stack.mqtt);
    await z2m.announce();
  });
  afterAll(async () => {
    await z2m?.close();
    await stack?.close();
  });

  it('switches-a-light-announced-by-an-authenticated-client-by-voice', async () => {
    expect(stack.hub.bus.kind).toBe('embedded');
    await switchDeskLampByVoice(stack, z2m);
  });
});
