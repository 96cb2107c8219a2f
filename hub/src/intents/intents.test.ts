import { describe, expect, it } from 'vitest';
import { DeviceRegistry } from '../devices/registry.js';
import { handleIntent, NOT_UNDERSTOOD } from './handle.js';
import { IntentMatcher, normalise } from './intents.js';
import { parseTemplate, TemplateError } from './template.js';

const devices = new DeviceRegistry([
  {
    id: 'kitchen-light',
    name: 'Light',
    room: 'Kitchen',
    commandTopic: 'home/kitchen/light/set',
    stateTopic: 'home/kitchen/light/state',
  },
  { id: 'bedroom-light', name: 'Light', room: 'Bedroom', commandTopic: 'home/bedroom/light/set' },
  { id: 'desk-lamp', name: 'Desk Lamp', room: 'Office', commandTopic: 'home/office/lamp/set' },
]);
const matcher = new IntentMatcher(devices);
const at = (room: string) => ({
  devices,
  satelliteRoom: room,
  now: new Date('2026-11-25T15:05:00Z'),
  timeZone: 'UTC',
});

describe('intent matching', () => {
  it.each([
    ['turn on the kitchen light', 'turn_on', { device: 'kitchen light' }],
    ['Hey Jarvis, turn on the kitchen light.', 'turn_on', { device: 'kitchen light' }],
    ['jarvis turn off the light in the bedroom', 'turn_off', { device: 'light', room: 'bedroom' }],
    ['switch the desk lamp off', 'turn_off', { device: 'desk lamp' }],
    ['turn the light on please', 'turn_on', { device: 'light' }],
    ['what time is it', 'get_time', {}],
    ['set a timer for five minutes', 'set_timer', { duration: 300_000 }],
    [
      'hey jarvis start a timer for an hour and twenty five minutes',
      'set_timer',
      { duration: 5_100_000 },
    ],
    ['set a pasta timer for 10 minutes', 'set_timer', { name: 'pasta', duration: 600_000 }],
    ['cancel the pasta timer', 'cancel_timer', { name: 'pasta' }],
    ['set the desk lamp to 40%', 'set_brightness', { device: 'desk lamp', brightness: 40 }],
    [
      'turn the light in the kitchen red',
      'set_color',
      { device: 'light', room: 'kitchen', color: 'red' },
    ],
    [
      'tell the kitchen dinner is ready',
      'announce',
      { room: 'kitchen', message: 'dinner is ready' },
    ],
    ['could you please turn on the kitchen light', 'turn_on', { device: 'kitchen light' }],
    ['turn off the lights in the bedroom', 'turn_off', { device: 'lights', room: 'bedroom' }],
    ['cancel the timer', 'cancel_timer', {}],
    ['how long is left on my timer', 'timer_remaining', {}],
    ['how much time is left', 'timer_remaining', {}],
    ['toggle the desk lamp', 'toggle', { device: 'desk lamp' }],
    [
      'is the light in the bedroom on',
      'get_state',
      { device: 'light', room: 'bedroom', condition: 'on' },
    ],
    ["what's the date today", 'get_date', {}],
    ['what day is it', 'get_date', {}],
    ['turn the volume up', 'volume', { direction: 'up' }],
    ['turn down the volume', 'volume', { direction: 'down' }],
    ['set the volume to forty percent', 'volume', { level: 40 }],
    ['speak louder', 'volume', { direction: 'up' }],
    ['stop listening', 'mute', {}],
    ['never mind', 'stop', {}],
    ['stop', 'stop', {}],
    ['say that again', 'repeat', {}],
  ])('understands "%s"', (text, name, slots) => {
    expect(matcher.match(text)).toEqual({ name, slots });
  });

  it.each(['tell me a joke', 'turn on the garage door', 'turn on', '', 'what is the weather'])(
    'rejects "%s"',
    (text) => {
      expect(matcher.match(text)).toBeUndefined();
    },
  );

  it('strips-the-wake-word-tail-left-by-the-pre-roll', () => {
    expect(normalise('hey jarvis jarvis what time is it')).toBe('what time is it');
    expect(normalise('k jarvis')).toBe('');
    expect(normalise('and jarvis turn on the light')).toBe('turn on the light');
    // "jarvis" later in a sentence is not the wake phrase.
    expect(normalise('tell me about the jarvis project')).toBe('tell me about the jarvis project');
  });
});

describe('intent handling', () => {
  it('the-light-means-the-satellites-own-room', () => {
    const out = handleIntent(matcher.match('turn on the light'), at('bedroom'));
    expect(out.action).toEqual({
      topic: 'home/bedroom/light/set',
      payload: 'ON',
      deviceId: 'bedroom-light',
    });
    expect(out.reply).toBe('Turning on the bedroom light.');
  });

  it('an-explicit-room-wins-over-the-satellites-room', () => {
    const out = handleIntent(matcher.match('turn off the light in the kitchen'), at('bedroom'));
    expect(out.action?.topic).toBe('home/kitchen/light/set');
    expect(out.action?.payload).toBe('OFF');
  });

  it('asks-which-when-ambiguous-from-a-room-without-one', () => {
    const out = handleIntent(matcher.match('turn on the light'), at('office'));
    expect(out.outcome).toBe('not-understood');
    expect(out.action).toBeUndefined();
    expect(out.reply).toMatch(/Which light/);
  });

  it('says-the-time', () => {
    expect(handleIntent(matcher.match('what time is it'), at('kitchen')).reply).toBe(
      'It is 3:05 PM.',
    );
  });

  it('says-sorry-when-nothing-matched', () => {
    expect(handleIntent(undefined, at('kitchen'))).toEqual({
      reply: NOT_UNDERSTOOD,
      outcome: 'not-understood',
    });
  });
});

describe('grammar', () => {
  it('lists-every-device-phrase-and-room', () => {
    const g = matcher.grammar();
    expect(g).toMatch(/^#JSGF V1.0;/);
    expect(g).toContain(
      '<device> = ( light | kitchen light | bedroom light | desk lamp | office desk lamp );',
    );
    expect(g).toContain('<room> = ( kitchen | bedroom | office );');
    expect(g).toContain('what time is it');
  });

  it('drops-device-templates-when-there-are-no-devices', () => {
    const g = new IntentMatcher(new DeviceRegistry([])).grammar();
    expect(g).not.toContain('<device>');
    expect(g).toContain('what time is it');
  });

  it('rejects-malformed-templates', () => {
    expect(() => parseTemplate('turn [on')).toThrow(TemplateError);
    expect(() => parseTemplate('turn on]')).toThrow(TemplateError);
    expect(() => parseTemplate('turn $on')).toThrow(TemplateError);
  });
});

describe('plurals', () => {
  it('the-lights-mean-the-light-of-the-room', () => {
    expect(handleIntent(matcher.match('turn off the lights'), at('bedroom')).action).toMatchObject({
      topic: 'home/bedroom/light/set',
      payload: 'OFF',
    });
  });
});

describe('rooms with a satellite', () => {
  it('can-be-named-without-a-device-in-them', () => {
    const m = new IntentMatcher(devices);
    expect(m.match('tell the nursery dinner is ready')).toBeUndefined();
    m.setSatelliteRooms(['Nursery', 'Kitchen', '']);
    m.rebuild();
    expect(m.match('tell the nursery dinner is ready')).toMatchObject({
      name: 'announce',
      slots: { room: 'nursery', message: 'dinner is ready' },
    });
    expect(m.grammar()).toContain('<room> = ( kitchen | bedroom | office | nursery );');
  });
});

describe('timer requests', () => {
  it('turns-a-spoken-duration-into-a-timer-request', () => {
    const match = matcher.match('set a timer for one hour and ten minutes');
    expect(handleIntent(match, at('kitchen'))).toEqual({
      reply: '',
      outcome: 'ok',
      timer: { kind: 'set', durationMs: 4_200_000 },
    });
    expect(handleIntent(matcher.match('cancel my timer'), at('kitchen')).timer).toEqual({
      kind: 'cancel',
    });
  });

  it('puts-timer-phrases-in-the-recogniser-grammar', () => {
    const g = matcher.grammar();
    expect(g).toMatch(
      /<duration> = \( \( a \| an \| one \|.* twenty five .*\) \( second \| seconds /,
    );
    expect(g).toMatch(/timer for <duration>/);
    // Named timers take free words, which only the general model can hear.
    expect(g).not.toContain('<text>');
    // Brightness and the like come only with devices that can do them: these cannot.
    expect(g).not.toContain('brightness');
    expect(matcher.match('set the desk lamp brightness to 10%')?.name).toBe('set_brightness');
  });
});

describe('household requests', () => {
  it('says-the-date', () => {
    expect(handleIntent(matcher.match('what is the date'), at('kitchen')).reply).toBe(
      'It is Wednesday, November 25.',
    );
  });

  it('answers-a-device-state-from-what-it-reported', () => {
    expect(handleIntent(matcher.match('is the kitchen light on'), at('office')).reply).toBe(
      "I don't know whether the kitchen light is on.",
    );
    devices.recordState('home/kitchen/light/state', 'ON');
    expect(handleIntent(matcher.match('is the light on'), at('kitchen')).reply).toBe(
      'The kitchen light is on.',
    );
    expect(handleIntent(matcher.match('toggle the light'), at('kitchen')).action).toMatchObject({
      topic: 'home/kitchen/light/set',
      payload: 'OFF',
    });
  });

  it('asks-which-device-rather-than-guess', () => {
    expect(handleIntent(matcher.match('toggle the light'), at('office')).reply).toBe(
      'Which light? The kitchen or the bedroom?',
    );
  });

  it('turns-volume-requests-into-satellite-requests', () => {
    expect(handleIntent(matcher.match('volume up'), at('kitchen')).satellite).toEqual({
      kind: 'volume',
      change: 'up',
    });
    expect(
      handleIntent(matcher.match('set the volume to twenty five'), at('kitchen')),
    ).toMatchObject({ reply: 'Volume 25.', satellite: { kind: 'volume', change: 25 } });
    expect(handleIntent(matcher.match('stop'), at('kitchen'))).toEqual({
      reply: '',
      outcome: 'ok',
    });
  });
});
