import { describe, expect, it } from 'vitest';
import { handleIntent } from '../intents/handle.js';
import { IntentMatcher } from '../intents/intents.js';
import { DeviceRegistry, type Device, type DeviceState } from './registry.js';

const KITCHEN: Device = {
  id: 'kitchen-light',
  name: 'light',
  room: 'kitchen',
  commandTopic: 'home/kitchen/light/set',
  stateTopic: 'home/kitchen/light/state',
};

const DESK: Device = {
  id: 'desk',
  name: 'Desk lamp',
  room: 'Office',
  commandTopic: 'zigbee2mqtt/desk_lamp/set',
  payloadOn: '{"state":"ON"}',
  payloadOff: '{"state":"OFF"}',
};

const ctx = (devices: DeviceRegistry, satelliteRoom: string) => ({
  devices,
  satelliteRoom,
  now: new Date(0),
});

describe('device registry', () => {
  it('adds-discovered-devices-to-the-configured-ones-and-replaces-them-as-a-whole', () => {
    const reg = new DeviceRegistry([KITCHEN]);
    reg.replaceDiscovered([DESK]);
    expect(reg.devices.map((d) => d.id)).toEqual(['kitchen-light', 'desk']);
    expect(reg.rooms()).toEqual(['kitchen', 'office']);
    expect(reg.phrases()).toEqual(['light', 'kitchen light', 'desk lamp', 'office desk lamp']);
    expect(reg.resolve('desk lamp', undefined, 'kitchen')).toEqual([DESK]);
    expect(reg.find('desk')).toBe(DESK);

    reg.replaceDiscovered([]);
    expect(reg.devices).toEqual([KITCHEN]);
    expect(reg.find('desk')).toBeUndefined();
    expect(reg.resolve('desk lamp', undefined, 'kitchen')).toEqual([]);
  });

  it('keeps-the-configured-device-when-a-discovered-one-has-the-same-id', () => {
    const reg = new DeviceRegistry([KITCHEN]);
    reg.replaceDiscovered([{ ...DESK, id: 'kitchen-light' }, DESK]);
    expect(reg.devices).toEqual([KITCHEN, DESK]);
  });

  it('reads-discovered-state-through-the-lookup-and-configured-state-from-reports', () => {
    const reg = new DeviceRegistry([KITCHEN]);
    const power = new Map<string, DeviceState>([
      ['desk', 'ON'],
      ['kitchen-light', 'ON'],
    ]);
    reg.replaceDiscovered([DESK], (id) => power.get(id));
    expect(reg.stateOf('desk')).toBe('ON');
    // A configured device's state comes from its own reports only.
    expect(reg.stateOf('kitchen-light')).toBeUndefined();
    expect(reg.recordState('home/kitchen/light/state', 'off')).toBe(KITCHEN);
    expect(reg.stateOf('kitchen-light')).toBe('OFF');
    power.set('desk', 'OFF');
    expect(reg.stateOf('desk')).toBe('OFF');
    reg.replaceDiscovered([]);
    expect(reg.stateOf('desk')).toBeUndefined();
  });

  it('sends-each-device-its-own-payloads-and-plain-on-off-by-default', () => {
    const reg = new DeviceRegistry([KITCHEN]);
    reg.replaceDiscovered([DESK]);
    const matcher = new IntentMatcher(reg);
    const on = handleIntent(matcher.match('turn on the desk lamp'), ctx(reg, 'office'));
    expect(on.action).toEqual({
      topic: 'zigbee2mqtt/desk_lamp/set',
      payload: '{"state":"ON"}',
      deviceId: 'desk',
    });
    const off = handleIntent(matcher.match('switch off the desk lamp'), ctx(reg, 'kitchen'));
    expect(off.action?.payload).toBe('{"state":"OFF"}');
    const light = handleIntent(matcher.match('turn on the light'), ctx(reg, 'kitchen'));
    expect(light.action).toEqual({
      topic: 'home/kitchen/light/set',
      payload: 'ON',
      deviceId: 'kitchen-light',
    });
  });
});
