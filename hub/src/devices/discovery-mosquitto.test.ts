/**
 * End to end against a real Mosquitto: a separate client plays Zigbee2MQTT (retained discovery
 * configs, availability and state), the registry listens through the hub's own external-broker bus.
 */
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type RunningServer } from '../../../tests/support/servers.js';
import { connectExternalBroker, type MqttBus } from '../mqtt/bus.js';
import { DiscoveredDevices, type DiscoveryChange } from './discovery-registry.js';

const log = pino({ level: 'silent' });
const user = { username: 'z2m', password: 'discovery-test-password' };

const LIGHT_CONFIG = 'homeassistant/light/0x000b57fffec6a5b2/light/config';
const LIGHT_ID = '0x000b57fffec6a5b2_light_zigbee2mqtt';
const PLUG_CONFIG = 'homeassistant/switch/0x0c4314fffe9e3a11/switch/config';
const PLUG_ID = '0x0c4314fffe9e3a11_switch_zigbee2mqtt';

const availability = (name: string) => ({
  availability: [
    { topic: 'zigbee2mqtt/bridge/state', value_template: '{{ value_json.state }}' },
    { topic: `zigbee2mqtt/${name}/availability`, value_template: '{{ value_json.state }}' },
  ],
  availability_mode: 'all',
});

const light = {
  ...availability('Reading Lamp'),
  brightness: true,
  brightness_scale: 254,
  command_topic: 'zigbee2mqtt/Reading Lamp/set',
  device: {
    identifiers: ['zigbee2mqtt_0x000b57fffec6a5b2'],
    manufacturer: 'IKEA',
    model: 'TRADFRI bulb E27 WS opal 980lm',
    name: 'Reading Lamp',
    suggested_area: 'Living Room',
  },
  json_attributes_topic: 'zigbee2mqtt/Reading Lamp',
  name: null,
  object_id: 'reading_lamp',
  origin: { name: 'Zigbee2MQTT', sw: '1.39.0', url: 'https://www.zigbee2mqtt.io' },
  schema: 'json',
  state_topic: 'zigbee2mqtt/Reading Lamp',
  supported_color_modes: ['color_temp'],
  unique_id: LIGHT_ID,
};

const plug = {
  ...availability('Kettle Plug'),
  command_topic: 'zigbee2mqtt/Kettle Plug/set',
  device: { identifiers: ['zigbee2mqtt_0x0c4314fffe9e3a11'], name: 'Kettle Plug' },
  name: null,
  object_id: 'kettle_plug',
  payload_off: 'OFF',
  payload_on: 'ON',
  state_topic: 'zigbee2mqtt/Kettle Plug',
  unique_id: PLUG_ID,
  value_template: '{{ value_json.state }}',
};

describe('discovery through Mosquitto', () => {
  let mosquitto: RunningServer;
  let bridge: mqtt.MqttClient;
  let bus: MqttBus;
  let registry: DiscoveredDevices;
  const changes: DiscoveryChange[] = [];

  const publish = (topic: string, payload: unknown, retain = true) =>
    bridge.publishAsync(topic, typeof payload === 'string' ? payload : JSON.stringify(payload), {
      qos: 1,
      retain,
    });

  beforeAll(async () => {
    mosquitto = await startMosquitto(user);
    bridge = await mqtt.connectAsync(mosquitto.url, { ...user, clientId: 'zigbee2mqtt' });
    // Everything the bridge says before the hub starts is retained, as Zigbee2MQTT does.
    await publish('zigbee2mqtt/bridge/state', { state: 'online' });
    await publish('zigbee2mqtt/Reading Lamp/availability', { state: 'online' });
    await publish('zigbee2mqtt/Reading Lamp', { state: 'ON', brightness: 254, linkquality: 120 });
    await publish(LIGHT_CONFIG, light);

    bus = await connectExternalBroker({ url: mosquitto.url, ...user, clientId: 'hub', log });
    registry = new DiscoveredDevices({ bus, log, areas: { 'Kettle Plug': 'Kitchen' } });
    registry.on('change', (c) => changes.push(c));
    await registry.start();
  });

  afterAll(async () => {
    await bridge?.endAsync();
    await bus?.close();
    await mosquitto?.stop();
  });

  it('finds-a-retained-zigbee2mqtt-light-with-its-room-state-and-availability', async () => {
    await expect.poll(() => registry.state(LIGHT_ID)?.power).toBe('ON');
    const [lamp] = registry.devices();
    expect(lamp).toMatchObject({
      id: LIGHT_ID,
      name: 'Reading Lamp',
      room: 'Living Room',
      commandTopic: 'zigbee2mqtt/Reading Lamp/set',
      stateTopic: 'zigbee2mqtt/Reading Lamp',
      commandFormat: 'json',
    });
    await expect.poll(() => registry.state(LIGHT_ID)?.available).toBe(true);
    expect(registry.state(LIGHT_ID)).toMatchObject({
      brightnessPercent: 100,
      attributes: { linkquality: 120 },
    });
  });

  it('follows-state-from-on-to-off', async () => {
    await publish('zigbee2mqtt/Reading Lamp', { state: 'OFF', brightness: 254 });
    await expect.poll(() => registry.state(LIGHT_ID)?.power).toBe('OFF');
    const states = changes.flatMap((c) =>
      c.type === 'state' && c.id === LIGHT_ID && c.state.power ? [c.state.power] : [],
    );
    expect(states.at(-1)).toBe('OFF');
    expect(states).toContain('ON');
  });

  it('adds-a-live-config-and-reads-its-value-json-state', async () => {
    await publish('zigbee2mqtt/Kettle Plug/availability', { state: 'online' });
    await publish(PLUG_CONFIG, plug);
    await expect.poll(() => registry.find(PLUG_ID)?.room).toBe('Kitchen');
    // The registry subscribes to the state topic on discovery without waiting for the SUBACK, so
    // a non-retained report may beat the subscription; a device reports again, and so do we.
    await expect
      .poll(async () => {
        await publish('zigbee2mqtt/Kettle Plug', { state: 'ON', power: 1800 }, false);
        return registry.state(PLUG_ID);
      })
      .toMatchObject({ power: 'ON', value: 'ON' });
    await publish('zigbee2mqtt/Kettle Plug', { state: 'OFF', power: 0 }, false);
    await expect.poll(() => registry.state(PLUG_ID)?.power).toBe('OFF');
    expect(registry.state(PLUG_ID)?.available).toBe(true);
  });

  it('sees-a-device-go-offline', async () => {
    await publish('zigbee2mqtt/Reading Lamp/availability', { state: 'offline' });
    await expect.poll(() => registry.state(LIGHT_ID)?.available).toBe(false);
    expect(registry.state(PLUG_ID)?.available).toBe(true);
    // The bridge going down takes every device with it (availability_mode: all).
    await publish('zigbee2mqtt/bridge/state', { state: 'offline' });
    await expect.poll(() => registry.state(PLUG_ID)?.available).toBe(false);
  });

  it('removes-a-device-on-an-empty-retained-config', async () => {
    await publish(LIGHT_CONFIG, '');
    await expect.poll(() => registry.find(LIGHT_ID)).toBeUndefined();
    expect(registry.devices().map((d) => d.id)).toEqual([PLUG_ID]);
    expect(changes.some((c) => c.type === 'removed' && c.device.id === LIGHT_ID)).toBe(true);
  });
});
