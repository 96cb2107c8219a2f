import { describe, expect, it } from 'vitest';
import { DeviceRegistry } from './registry.js';
import { handleIntent } from '../intents/handle.js';
import { IntentMatcher } from '../intents/intents.js';
import { positionCommand, type CapableDevice } from './commands.js';

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

describe('capability intents in the recogniser grammar', () => {
  it('come-only-with-the-devices-that-can-do-them', () => {
    const g = matcher.grammar();
    const rule = (name: string) => new RegExp(`^<${name}> = (.*);$`, 'm').exec(g)?.[1];
    expect(rule('device_set_color')).toBe('( lamp | lounge lamp )');
    // "Set … to n percent" also moves covers.
    expect(rule('device_set_brightness')).toBe(
      '( lamp | lounge lamp | spot | hall spot | blinds | lounge blinds )',
    );
    expect(rule('device_open')).toBe('( blinds | lounge blinds )');
    expect(rule('room_set_temperature')).toBe('( lounge )');
    // Degrees within the thermostat's announced 10–28.
    expect(rule('number_set_temperature')).toMatch(/^\( ten \| eleven \|.* twenty eight \)$/);
    expect(rule('number_set_temperature')).not.toContain('twenty nine');
    // "percent" is required there ("open the garage door" was heard as "open the blinds to
    // one"), optional for the volume.
    expect(rule('percentage_set_position')).toMatch(/ \) percent \)$/);
    expect(rule('percentage')).toMatch(/ \[ percent \] \)$/);
    expect(g).not.toMatch(/_set_\w+> = .*kettle/);
    // The kettle still has on/off.
    expect(rule('device')).toContain('kettle');
  });

  it('leave-out-an-intent-no-device-can-do', () => {
    const plain = new DeviceRegistry([]);
    plain.replaceDiscovered([plug]);
    const g = new IntentMatcher(plain).grammar();
    expect(g).not.toMatch(/_set_|_open|_close|brightness|degrees|raise|lower/);
    expect(g).toContain('<device> = ( kettle | kitchen kettle );');
  });
});

describe('capability grammar edge cases', () => {
  it('keeps-a-roomless-device-and-clamps-degrees-and-opens-a-cover-by-position', () => {
    // A bulb with no area, a freezer down to -25, blinds with only a position topic.
    const roomless: CapableDevice = { ...bulb, id: 'bulb2', name: 'Strip', room: '' };
    const freezer: CapableDevice = {
      ...heating,
      id: 'freezer',
      name: 'Freezer',
      room: 'Garage',
      temperature: { commandTopic: 'garage/freezer/set', min: -25, max: 3 },
    };
    const shade: CapableDevice = {
      id: 'shade',
      name: 'Shade',
      room: 'Study',
      component: 'cover',
      position: { setTopic: 'study/shade/position', open: 100, closed: 0 },
    };
    const home = new DeviceRegistry([]);
    home.replaceDiscovered([roomless, freezer, shade]);
    const m = new IntentMatcher(home);
    const g = m.grammar();
    // No room to name: the template stays, without its "[in the {room}]".
    expect(g).toContain('<device_set_color> = ( strip );');
    expect(g).toContain('( ( set | turn | make ) [ the ] <device_set_color> [ to ] <color> )');
    expect(g).toContain('<number_set_temperature> = ( zero | one | two | three );');
    expect(g).toContain('<device_open> = ( shade | study shade );');
    const out = handleIntent(m.match('open the shade'), {
      devices: home,
      satelliteRoom: 'study',
      now: new Date(),
    });
    expect(out).toMatchObject({
      reply: 'Opening the study shade.',
      action: { topic: 'study/shade/position', payload: '100' },
    });
  });
});

describe('cover position payloads', () => {
  it('fill-a-zigbee2mqtt-set-position-template-and-refuse-one-with-logic', () => {
    const z2m: CapableDevice = {
      ...blinds,
      position: {
        ...blinds.position!,
        setTopic: 'zigbee2mqtt/Blinds/set',
        setTemplate: '{ "position": {{ position }} }',
      },
    };
    expect(positionCommand(z2m, 40)).toEqual({
      topic: 'zigbee2mqtt/Blinds/set',
      payload: '{ "position": 40 }',
    });
    const jinja: CapableDevice = {
      ...blinds,
      position: { ...blinds.position!, setTemplate: '{{ 100 - position }}' },
    };
    expect(positionCommand(jinja, 40)).toBeUndefined();
  });
});
