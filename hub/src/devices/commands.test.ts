import { describe, expect, it } from 'vitest';
import { DeviceRegistry } from './registry.js';
import { handleIntent } from '../intents/handle.js';
import { IntentMatcher } from '../intents/intents.js';
import type { CapableDevice } from './commands.js';

// As Zigbee2MQTT and Tasmota-style discovery configs come out of discovery.ts.
const bulb: CapableDevice = {
  id: 'bulb',
  name: 'Lamp',
  room: 'Lounge',
  commandTopic: 'zigbee2mqtt/lamp/set',
  component: 'light',
  commandFormat: 'json',
  brightness: { scale: 254 },
  color: { modes: ['xy', 'color_temp'] },
};
const dimmer: CapableDevice = {
  id: 'dimmer',
  name: 'Spot',
  room: 'Hall',
  commandTopic: 'cmnd/spot/POWER',
  component: 'light',
  commandFormat: 'plain',
  brightness: { scale: 100, commandTopic: 'cmnd/spot/Dimmer' },
};
const blinds: CapableDevice = {
  id: 'blinds',
  name: 'Blinds',
  room: 'Lounge',
  commandTopic: 'home/blinds/set',
  payloadOn: 'OPEN',
  payloadOff: 'CLOSE',
  component: 'cover',
  position: { setTopic: 'home/blinds/position/set', open: 100, closed: 0 },
};
const heating: CapableDevice = {
  id: 'heating',
  name: 'Thermostat',
  room: 'Lounge',
  commandTopic: 'home/heating/power',
  component: 'climate',
  temperature: { commandTopic: 'home/heating/target/set', min: 10, max: 28 },
};
const plug: CapableDevice = {
  id: 'plug',
  name: 'Kettle',
  room: 'Kitchen',
  commandTopic: 'home/kettle',
};

const devices = new DeviceRegistry([]);
devices.replaceDiscovered([bulb, dimmer, blinds, heating, plug]);
const matcher = new IntentMatcher(devices);
const say = (text: string, room = 'lounge') =>
  handleIntent(matcher.match(text), { devices, satelliteRoom: room, now: new Date() });

describe('device commands beyond on/off', () => {
  it('dims-a-json-light-on-its-own-scale-and-a-plain-one-on-its-brightness-topic', () => {
    expect(say('set the lamp to 50%').action).toMatchObject({
      topic: 'zigbee2mqtt/lamp/set',
      payload: '{"state":"ON","brightness":127}',
    });
    expect(say('dim the spot to twenty percent').action).toMatchObject({
      topic: 'cmnd/spot/Dimmer',
      payload: '20',
    });
  });

  it('colours-a-light-in-the-mode-it-supports', () => {
    const out = say('turn the lamp red');
    expect(out.reply).toBe('Turning the lounge lamp red.');
    const color = (JSON.parse(out.action!.payload) as { color: { x: number; y: number } }).color;
    expect(color.x).toBeCloseTo(0.7006, 3);
    expect(color.y).toBeCloseTo(0.2993, 3);
  });

  it('moves-a-cover-and-opens-or-closes-it', () => {
    expect(say('open the blinds to 30 percent').action).toMatchObject({
      topic: 'home/blinds/position/set',
      payload: '30',
    });
    // "Set … to N %" on a cover means its position.
    expect(say('set the blinds to 75%').action).toMatchObject({ payload: '75' });
    expect(say('close the blinds')).toMatchObject({
      reply: 'Closing the lounge blinds.',
      action: { topic: 'home/blinds/set', payload: 'CLOSE' },
    });
  });

  it('sets-a-thermostat-within-its-range-named-or-by-room', () => {
    expect(say('set the thermostat to 21 degrees').action).toMatchObject({
      topic: 'home/heating/target/set',
      payload: '21',
    });
    expect(say('set the temperature to 19 degrees').action).toMatchObject({ payload: '19' });
    expect(say('set the thermostat to 40 degrees')).toEqual({
      reply: 'I can set between 10 and 28 degrees.',
      outcome: 'not-understood',
    });
  });

  it('says-so-when-a-device-cannot-do-it', () => {
    expect(say('set the kettle to 50 percent', 'kitchen')).toEqual({
      reply: "Sorry, I can't dim the kitchen kettle.",
      outcome: 'not-understood',
    });
    expect(say('turn the spot blue').reply).toBe(
      "Sorry, I can't change the colour of the hall spot.",
    );
  });
});
