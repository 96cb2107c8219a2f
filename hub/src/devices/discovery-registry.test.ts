import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { topicMatches } from '../mqtt/bus.js';
import {
  DiscoveredDevices,
  type DiscoveredDevicesOptions,
  type DiscoveryBus,
  type DiscoveryChange,
} from './discovery-registry.js';
import type { DiscoveryError } from './discovery.js';
import { DeviceRegistry, type Device } from './registry.js';

/** A broker in miniature: retained messages are replayed to each new subscription. */
class FakeBus implements DiscoveryBus {
  readonly filters: string[] = [];
  private readonly retained = new Map<string, Buffer>();
  private readonly subs: { filter: string; handler: (t: string, p: Buffer) => void }[] = [];

  subscribe(filter: string, handler: (t: string, p: Buffer) => void): Promise<void> {
    this.filters.push(filter);
    this.subs.push({ filter, handler });
    for (const [t, p] of this.retained) if (topicMatches(filter, t)) handler(t, p);
    return Promise.resolve();
  }

  publish(topic: string, payload: unknown, retain = false): void {
    const buf = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
    if (retain) {
      if (buf.length === 0) this.retained.delete(topic);
      else this.retained.set(topic, buf);
    }
    for (const s of [...this.subs]) if (topicMatches(s.filter, topic)) s.handler(topic, buf);
  }
}

interface Harness {
  bus: FakeBus;
  reg: DiscoveredDevices;
  changes: DiscoveryChange[];
  invalid: DiscoveryError[];
}

async function harness(options: Partial<DiscoveredDevicesOptions> = {}): Promise<Harness> {
  const bus = new FakeBus();
  const reg = new DiscoveredDevices({ bus, log: pino({ level: 'silent' }), ...options });
  const changes: DiscoveryChange[] = [];
  const invalid: DiscoveryError[] = [];
  reg.on('change', (c) => changes.push(c));
  reg.on('invalid', (e) => invalid.push(e));
  await reg.start();
  return { bus, reg, changes, invalid };
}

const relay = (n: number) => ({
  name: `Relay ${n}`,
  cmd_t: `~cmnd/POWER${n}`,
  stat_t: '~tele/STATE',
  val_tpl: `{{value_json.POWER${n}}}`,
  avty_t: '~tele/LWT',
  pl_avail: 'Online',
  pl_not_avail: 'Offline',
  uniq_id: `A1B2C3_RL_${n}`,
  dev: { ids: ['A1B2C3'], name: 'Garage Board', sa: 'Garage' },
  '~': 'garage/',
});
const relayTopic = (n: number) => `homeassistant/switch/A1B2C3_RL_${n}/config`;

describe('DiscoveredDevices', () => {
  it('subscribes-to-the-discovery-tree-as-home-assistant-does', async () => {
    const { bus } = await harness({ prefix: 'ha' });
    expect(bus.filters).toEqual(['ha/+/+/config', 'ha/+/+/+/config']);
  });

  it('adds-a-retained-device-and-tracks-its-templated-state', async () => {
    const bus = new FakeBus();
    bus.publish(relayTopic(1), relay(1), true);
    bus.publish('garage/tele/LWT', 'Online', true);
    bus.publish('garage/tele/STATE', { POWER1: 'ON' }, true);
    const reg = new DiscoveredDevices({ bus, log: pino({ level: 'silent' }) });
    const changes: DiscoveryChange[] = [];
    reg.on('change', (c) => changes.push(c));
    await reg.start();

    expect(reg.devices().map((d) => [d.id, d.name, d.room])).toEqual([
      ['A1B2C3_RL_1', 'Relay 1', 'Garage'],
    ]);
    expect(reg.state('A1B2C3_RL_1')).toMatchObject({ available: true, value: 'ON', power: 'ON' });

    bus.publish('garage/tele/STATE', { POWER1: 'OFF' });
    expect(reg.state('A1B2C3_RL_1')?.power).toBe('OFF');
    bus.publish('garage/tele/LWT', 'Offline');
    expect(reg.state('A1B2C3_RL_1')?.available).toBe(false);
    expect(changes.map((c) => c.type)).toEqual(['added', 'state', 'state', 'state', 'state']);
  });

  it('gives-a-late-entity-on-a-shared-topic-the-last-known-state', async () => {
    const { bus, reg } = await harness();
    bus.publish(relayTopic(1), relay(1));
    bus.publish('garage/tele/STATE', { POWER1: 'ON', POWER2: 'OFF' }); // live, not retained
    bus.publish(relayTopic(2), relay(2));
    expect(reg.state('A1B2C3_RL_2')).toMatchObject({ value: 'OFF', power: 'OFF' });
  });

  it('re-reads-state-when-a-config-changes-and-ignores-identical-repeats', async () => {
    const { bus, reg, changes } = await harness();
    bus.publish(relayTopic(1), relay(1));
    bus.publish('garage/tele/STATE', { POWER1: 'ON', POWER2: 'OFF' });
    bus.publish(relayTopic(1), relay(1)); // a reconnect's retained replay
    expect(changes.filter((c) => c.type === 'updated')).toHaveLength(0);

    bus.publish(relayTopic(1), { ...relay(1), val_tpl: '{{value_json.POWER2}}' });
    expect(changes.filter((c) => c.type === 'updated')).toHaveLength(1);
    expect(reg.state('A1B2C3_RL_1')?.power).toBe('OFF');
  });

  it('removes-a-device-on-an-empty-config-and-stops-tracking-it', async () => {
    const { bus, reg, changes } = await harness();
    bus.publish(relayTopic(1), relay(1));
    bus.publish(relayTopic(1), '');
    expect(reg.devices()).toEqual([]);
    expect(reg.state('A1B2C3_RL_1')).toBeUndefined();
    expect(changes.at(-1)).toMatchObject({ type: 'removed', device: { id: 'A1B2C3_RL_1' } });
    const before = changes.length;
    bus.publish('garage/tele/STATE', { POWER1: 'ON' });
    bus.publish('homeassistant/light/A1B2C3_LI_1/config', ''); // Tasmota clearing unused slots
    expect(changes).toHaveLength(before);
  });

  it('skips-unhandled-components-quietly', async () => {
    const { bus, reg, invalid, changes } = await harness();
    bus.publish('homeassistant/device_automation/0x01/action_single/config', {
      automation_type: 'trigger',
      topic: 'zigbee2mqtt/Button/action',
    });
    expect(invalid).toEqual([]);
    expect(changes).toEqual([]);
    expect(reg.entities()).toEqual([]);
  });

  it('keeps-the-old-config-when-an-update-is-invalid', async () => {
    const { bus, reg, invalid } = await harness();
    bus.publish(relayTopic(1), relay(1));
    expect(() => bus.publish(relayTopic(1), '{not json')).not.toThrow();
    expect(invalid.map((e) => e.code)).toEqual(['bad-json']);
    expect(reg.find('A1B2C3_RL_1')?.commandTopic).toBe('garage/cmnd/POWER1');
  });

  it('refuses-a-second-config-topic-with-the-same-unique-id', async () => {
    const { bus, reg, invalid } = await harness();
    bus.publish(relayTopic(1), relay(1));
    bus.publish('homeassistant/switch/other/config', relay(1));
    expect(invalid.map((e) => e.code)).toEqual(['duplicate-unique-id']);
    expect(reg.find('A1B2C3_RL_1')?.configTopic).toBe(relayTopic(1));
  });

  it('follows-availability-mode-all-and-is-unavailable-until-told', async () => {
    const { bus, reg } = await harness();
    bus.publish('homeassistant/light/0xabc/light/config', {
      availability: [
        { topic: 'zigbee2mqtt/bridge/state', value_template: '{{ value_json.state }}' },
        { topic: 'zigbee2mqtt/Lamp/availability', value_template: '{{ value_json.state }}' },
      ],
      availability_mode: 'all',
      command_topic: 'zigbee2mqtt/Lamp/set',
      state_topic: 'zigbee2mqtt/Lamp',
      schema: 'json',
      brightness: true,
      brightness_scale: 254,
      name: null,
      device: { name: 'Lamp', identifiers: ['zigbee2mqtt_0xabc'] },
      unique_id: '0xabc_light_zigbee2mqtt',
    });
    const id = '0xabc_light_zigbee2mqtt';
    expect(reg.state(id)?.available).toBe(false); // HA: unavailable until a payload says so
    bus.publish('zigbee2mqtt/bridge/state', { state: 'online' });
    expect(reg.state(id)?.available).toBe(false); // the device itself has not spoken
    bus.publish('zigbee2mqtt/Lamp/availability', { state: 'online' });
    expect(reg.state(id)?.available).toBe(true);
    bus.publish('zigbee2mqtt/bridge/state', { state: 'offline' });
    expect(reg.state(id)?.available).toBe(false);
    bus.publish('zigbee2mqtt/bridge/state', { state: 'online' });
    bus.publish('zigbee2mqtt/Lamp', { state: 'ON', brightness: 127 });
    expect(reg.state(id)).toMatchObject({ available: true, power: 'ON', brightnessPercent: 50 });
  });

  it('is-available-without-availability-topics', async () => {
    const { bus, reg } = await harness();
    bus.publish('homeassistant/switch/pump/config', { cmd_t: 'pump/set', uniq_id: 'pump' });
    expect(reg.state('pump')?.available).toBe(true);
  });

  it('reads-cover-position-climate-and-sensor-values', async () => {
    const { bus, reg } = await harness();
    bus.publish('homeassistant/cover/node/blinds/config', {
      name: 'Blinds',
      cmd_t: 'node/cover/blinds/command',
      pos_t: 'node/cover/blinds/position/state',
      set_pos_t: 'node/cover/blinds/position/command',
      uniq_id: 'blinds',
    });
    bus.publish('node/cover/blinds/position/state', '30');
    expect(reg.state('blinds')).toMatchObject({ positionPercent: 30, power: 'ON' });
    bus.publish('node/cover/blinds/position/state', '0');
    expect(reg.state('blinds')).toMatchObject({ positionPercent: 0, power: 'OFF' });

    bus.publish('homeassistant/climate/trv/config', {
      uniq_id: 'trv',
      mode_stat_t: 'trv/mode',
      temp_stat_t: 'trv/target',
      curr_temp_t: 'trv/state',
      curr_temp_tpl: '{{ value_json.local_temperature }}',
    });
    bus.publish('trv/mode', 'heat');
    bus.publish('trv/target', '21.5');
    bus.publish('trv/state', { local_temperature: 19.25 });
    expect(reg.state('trv')).toMatchObject({
      mode: 'heat',
      power: 'ON',
      targetTemperature: 21.5,
      currentTemperature: 19.25,
    });

    bus.publish('homeassistant/sensor/0x01/temperature/config', {
      state_topic: 'zigbee2mqtt/Bedroom Sensor',
      json_attributes_topic: 'zigbee2mqtt/Bedroom Sensor',
      value_template: '{{ value_json.temperature | round(1) }}',
      unique_id: 'bedroom_temperature',
      unit_of_measurement: '°C',
    });
    bus.publish('zigbee2mqtt/Bedroom Sensor', { temperature: 20.46, battery: 97 });
    expect(reg.state('bedroom_temperature')).toMatchObject({
      value: '20.5',
      attributes: { temperature: 20.46, battery: 97 },
    });
    expect(reg.state('bedroom_temperature')?.power).toBeUndefined();
    // A climate whose target can be set is a device without a power topic; sensors and
    // read-only climates are entities only.
    bus.publish('homeassistant/climate/trv2/config', {
      uniq_id: 'trv2',
      name: 'Radiator',
      temp_cmd_t: 'trv2/target/set',
    });
    expect(reg.devices().map((d) => [d.id, d.commandTopic])).toEqual([
      ['blinds', 'node/cover/blinds/command'],
      ['trv2', undefined],
    ]);
    expect(reg.entities().map((d) => d.id)).toEqual([
      'blinds',
      'trv',
      'bedroom_temperature',
      'trv2',
    ]);
  });

  it('puts-devices-in-mapped-suggested-or-unassigned-rooms', async () => {
    const { bus, reg } = await harness({
      areas: { pump: 'garden', 'Garage Board': 'workshop' },
    });
    bus.publish('homeassistant/switch/pump/config', { cmd_t: 'pump/set', uniq_id: 'pump' });
    bus.publish('homeassistant/switch/fan/config', { cmd_t: 'fan/set', uniq_id: 'fan' });
    bus.publish(relayTopic(1), relay(1)); // suggests Garage, mapped by device name
    bus.publish('homeassistant/switch/lamp/config', {
      cmd_t: 'lamp/set',
      uniq_id: 'lamp',
      dev: { sa: 'Study' },
    });
    const rooms = Object.fromEntries(reg.devices().map((d) => [d.id, d.room]));
    expect(rooms).toEqual({
      pump: 'garden',
      fan: 'unassigned',
      A1B2C3_RL_1: 'workshop',
      lamp: 'Study',
    });
  });

  it('hands-entries-the-existing-device-registry-can-use', async () => {
    const { bus, reg } = await harness();
    bus.publish('homeassistant/light/0xabc/light/config', {
      command_topic: 'zigbee2mqtt/Kitchen Ceiling/set',
      state_topic: 'zigbee2mqtt/Kitchen Ceiling',
      schema: 'json',
      name: null,
      device: { name: 'Ceiling Light', suggested_area: 'Kitchen' },
      unique_id: 'ceiling',
    });
    const devices: Device[] = reg.devices();
    const registry = new DeviceRegistry(devices);
    expect(registry.rooms()).toEqual(['kitchen']);
    expect(registry.resolve('kitchen ceiling light', undefined, 'hall').map((d) => d.id)).toEqual([
      'ceiling',
    ]);
  });

  it('survives-a-throwing-listener-and-a-failing-subscription', async () => {
    const bus = new FakeBus();
    let fail = true;
    const flaky: DiscoveryBus = {
      subscribe: (f, h) =>
        f.includes('config') || !fail ? bus.subscribe(f, h) : Promise.reject(new Error('nope')),
    };
    const reg = new DiscoveredDevices({ bus: flaky, log: pino({ level: 'silent' }) });
    await reg.start();
    reg.on('change', () => {
      throw new Error('listener bug');
    });
    expect(() => bus.publish(relayTopic(1), relay(1))).not.toThrow();
    await Promise.resolve(); // let the rejected subscription settle
    fail = false;
    reg.removeAllListeners('change');
    bus.publish(relayTopic(2), relay(2)); // same topics: subscribing is tried again
    bus.publish('garage/tele/STATE', { POWER2: 'ON' });
    expect(reg.state('A1B2C3_RL_2')?.power).toBe('ON');
  });
});
