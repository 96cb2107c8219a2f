import {
  brightnessCommand,
  colorCommand,
  positionCommand,
  temperatureCommand,
  openCloseCommand,
  type CapableDevice,
  type MqttCommand,
} from '../devices/commands.js';
import type { Device, DeviceRegistry } from '../devices/registry.js';
import { devicePhrase } from './french.js';
import type { IntentMatch, SlotValue } from './intents.js';
import type { Language } from './numbers.js';
import { REPLIES, type Replies } from './replies.js';
import { COLOR_RGB } from './slot-types.js';

/** What the pipeline should do for an understood or misunderstood request. */
export interface IntentOutcome {
  readonly reply: string;
  readonly outcome: 'ok' | 'not-understood';
  /** The MQTT message to publish, when the intent controls a device. */
  readonly action?: {
    readonly topic: string;
    readonly payload: string;
    readonly deviceId?: string;
  };
  /** A timer to set, cancel or ask about; the timer service then words the reply. */
  readonly timer?: TimerRequest;
  /** Something the satellite itself should do: volume, mute. */
  readonly satellite?: SatelliteRequest;
  /** Say the previous reply again. */
  readonly repeat?: true;
  /** Speak a text on the satellites of a room (all satellites when no room). */
  readonly announce?: { readonly text: string; readonly room?: string | undefined };
}

export type SatelliteRequest =
  { readonly kind: 'volume'; readonly change: 'up' | 'down' | number } | { readonly kind: 'mute' };

export type TimerRequest =
  | { readonly kind: 'set'; readonly durationMs: number; readonly name?: string | undefined }
  | { readonly kind: 'cancel'; readonly name?: string | undefined }
  | { readonly kind: 'remaining'; readonly name?: string | undefined };

export const NOT_UNDERSTOOD = REPLIES.en.notUnderstood;

export interface IntentContext {
  readonly devices: DeviceRegistry;
  readonly satelliteRoom: string;
  readonly now: Date;
  /** IANA time zone for spoken times; the hub's own when absent. */
  readonly timeZone?: string | undefined;
  /** Language of the replies; English when absent. */
  readonly language?: Language | undefined;
}

/** A device as replies name it: "kitchen light", "la lumière de la cuisine". */
const describe = (d: Device, language: Language): string => {
  const name = d.name.toLowerCase();
  const room = d.room.toLowerCase();
  if (language === 'fr') return devicePhrase(name, room);
  if (room === '' || name.includes(room)) return name;
  return `${room} ${name}`;
};

const str = (v: SlotValue | undefined): string | undefined =>
  v === undefined ? undefined : String(v);
const num = (v: SlotValue | undefined): number | undefined =>
  typeof v === 'number' ? v : undefined;

export function handleIntent(match: IntentMatch | undefined, ctx: IntentContext): IntentOutcome {
  const say = REPLIES[ctx.language ?? 'en'];
  if (!match) return { reply: say.notUnderstood, outcome: 'not-understood' };
  const s = match.slots;
  if (match.custom) return customIntent(match);
  switch (match.name) {
    case 'get_time':
      return { reply: say.time(ctx.now, ctx.timeZone), outcome: 'ok' };
    case 'get_date':
      return { reply: say.date(ctx.now, ctx.timeZone), outcome: 'ok' };
    case 'set_timer': {
      const durationMs = num(s['duration']);
      if (durationMs === undefined) return { reply: say.forHowLong, outcome: 'not-understood' };
      return { reply: '', outcome: 'ok', timer: { kind: 'set', durationMs, name: str(s['name']) } };
    }
    case 'cancel_timer':
      return { reply: '', outcome: 'ok', timer: { kind: 'cancel', name: str(s['name']) } };
    case 'timer_remaining':
      return { reply: '', outcome: 'ok', timer: { kind: 'remaining', name: str(s['name']) } };
    case 'stop':
      // Nothing to say: the user wants quiet.
      return { reply: '', outcome: 'ok' };
    case 'repeat':
      return { reply: '', outcome: 'ok', repeat: true };
    case 'mute':
      return { reply: say.muted, outcome: 'ok', satellite: { kind: 'mute' } };
    case 'volume': {
      const level = num(s['level']);
      if (level !== undefined) {
        if (level < 0 || level > 100) return { reply: say.volumeRange, outcome: 'not-understood' };
        return {
          reply: say.volume(level),
          outcome: 'ok',
          satellite: { kind: 'volume', change: level },
        };
      }
      const up = s['direction'] === 'up';
      return {
        reply: up ? say.louder : say.quieter,
        outcome: 'ok',
        satellite: { kind: 'volume', change: up ? 'up' : 'down' },
      };
    }
    case 'announce': {
      const text = str(s['message']) ?? '';
      const room = str(s['room']);
      return { reply: say.announced(room), outcome: 'ok', announce: { text, room } };
    }
    case 'set_temperature':
      if (s['device'] === undefined) return thermostatInRoom(match, ctx, say);
      break;
    case 'turn_on':
    case 'turn_off':
    case 'toggle':
    case 'get_state':
    case 'set_brightness':
    case 'set_color':
    case 'set_position':
    case 'open':
    case 'close':
      break; // they name a device: below
  }
  const found = findDevice(match, ctx, say);
  if ('reply' in found) return found;
  return deviceIntent(match, found.device, ctx, say);
}

/** Intents that act on one named device. */
function deviceIntent(
  match: IntentMatch,
  device: CapableDevice,
  ctx: IntentContext,
  say: Replies,
): IntentOutcome {
  const language = ctx.language ?? 'en';
  const name = describe(device, language);
  const s = match.slots;
  const cover = device.component === 'cover';
  switch (match.name) {
    case 'turn_on':
    case 'turn_off':
    case 'open':
    case 'close': {
      const on = match.name === 'turn_on' || match.name === 'open';
      if (cover) return openOrClose(device, on, say, name);
      const reply =
        match.name === 'open' || match.name === 'close'
          ? say.opening(name, on)
          : say.turning(name, on);
      return switchDevice(device, on, reply, cannot(say, name, 'power'));
    }
    case 'toggle':
      // Unknown state: turning on is the likelier wish.
      return toggle(device, ctx, say, name, cover);
    case 'get_state': {
      const state = ctx.devices.stateOf(device.id);
      if (state === undefined) return { reply: say.stateUnknown(name), outcome: 'ok' };
      return { reply: say.state(name, state === 'ON', cover), outcome: 'ok' };
    }
    case 'set_brightness':
    case 'set_position': {
      const percent = num(s['brightness'] ?? s['position']) ?? 0;
      // "Set the blinds to 50 percent" reads as brightness; a cover takes it as its position,
      // a thermostat as degrees.
      if (cover || match.name === 'set_position') {
        const cmd = positionCommand(device, percent);
        return cmd ? act(device, cmd, say.position(name, percent)) : cannot(say, name, 'position');
      }
      if (device.component === 'climate') return setTemperature(device, percent, say, name);
      const cmd = brightnessCommand(device, percent);
      return cmd
        ? act(device, cmd, say.brightness(name, percent))
        : cannot(say, name, 'brightness');
    }
    case 'set_color': {
      const color = str(s['color']) ?? '';
      const rgb = COLOR_RGB[color];
      const cmd = rgb ? colorCommand(device, rgb) : undefined;
      return cmd ? act(device, cmd, say.color(name, color)) : cannot(say, name, 'color');
    }
    case 'set_temperature':
      return setTemperature(device, num(s['temperature']) ?? Number.NaN, say, name);
    case 'get_time':
    case 'get_date':
    case 'set_timer':
    case 'cancel_timer':
    case 'timer_remaining':
    case 'volume':
    case 'mute':
    case 'stop':
    case 'repeat':
    case 'announce':
      break; // handled before a device is looked for
  }
  return { reply: say.notUnderstood, outcome: 'not-understood' };
}

function toggle(
  device: CapableDevice,
  ctx: IntentContext,
  say: Replies,
  name: string,
  cover: boolean,
): IntentOutcome {
  const on = ctx.devices.stateOf(device.id) !== 'ON';
  if (cover) return openOrClose(device, on, say, name);
  return switchDevice(device, on, say.turning(name, on), cannot(say, name, 'power'));
}

/** A cover opened or closed by its payloads, or by position when it has no command topic. */
function openOrClose(
  device: CapableDevice,
  open: boolean,
  say: Replies,
  name: string,
): IntentOutcome {
  const cmd = openCloseCommand(device, open);
  return cmd ? act(device, cmd, say.opening(name, open)) : cannot(say, name, 'position');
}

function setTemperature(
  device: CapableDevice,
  degrees: number,
  say: Replies,
  name: string,
): IntentOutcome {
  const cmd = temperatureCommand(device, degrees);
  if (!cmd) return cannot(say, name, 'temperature');
  if ('outOfRange' in cmd)
    return { reply: say.temperatureRange(...cmd.outOfRange), outcome: 'not-understood' };
  return act(device, cmd, say.temperature(name, degrees));
}

/** "Set the temperature to 20 degrees": the thermostat of the named room, else of this one. */
function thermostatInRoom(match: IntentMatch, ctx: IntentContext, say: Replies): IntentOutcome {
  const room = str(match.slots['room']) ?? ctx.satelliteRoom;
  const inRoom = (d: CapableDevice): boolean => d.room.toLowerCase() === room.toLowerCase();
  const all: readonly CapableDevice[] = ctx.devices.devices;
  const climates = all.filter((d) => d.component === 'climate');
  const here = climates.filter(inRoom);
  const pick = here.length === 1 ? here[0] : climates.length === 1 ? climates[0] : undefined;
  if (!pick) return { reply: say.noThermostat(room), outcome: 'not-understood' };
  const name = describe(pick, ctx.language ?? 'en');
  return setTemperature(pick, num(match.slots['temperature']) ?? Number.NaN, say, name);
}

function customIntent(match: IntentMatch): IntentOutcome {
  const fill = (t: string): string =>
    t.replace(/\{([a-z_]+)\}/g, (_, k: string) => str(match.slots[k]) ?? '');
  const { reply, mqtt } = match.custom ?? {};
  return {
    reply: reply ? fill(reply) : '',
    outcome: 'ok',
    ...(mqtt ? { action: { topic: mqtt.topic, payload: fill(mqtt.payload) } } : {}),
  };
}

const cannot = (
  say: Replies,
  name: string,
  what: Parameters<Replies['cannot']>[1],
): IntentOutcome => ({ reply: say.cannot(name, what), outcome: 'not-understood' });

const act = (device: Device, cmd: MqttCommand, reply: string): IntentOutcome => ({
  reply,
  outcome: 'ok',
  action: { ...cmd, deviceId: device.id },
});

/** The one device a request names, or the reply that says why there is none. */
function findDevice(
  match: IntentMatch,
  ctx: IntentContext,
  say: Replies,
): { device: CapableDevice } | IntentOutcome {
  const phrase = str(match.slots['device']) ?? '';
  const room = str(match.slots['room']);
  const found = ctx.devices.resolve(phrase, room, ctx.satelliteRoom);
  if (found.length === 0) return { reply: say.notFound(phrase, room), outcome: 'not-understood' };
  if (found.length > 1) {
    // Ambiguous: ask, don't guess.
    const rooms = found.map((d) => d.room.toLowerCase());
    return { reply: say.which(phrase, rooms), outcome: 'not-understood' };
  }
  return { device: found[0]! };
}

function switchDevice(
  device: Device,
  on: boolean,
  reply: string,
  /** The answer when it has no on/off topic. */
  cannotSwitch: IntentOutcome,
): IntentOutcome {
  if (device.commandTopic === undefined) return cannotSwitch;
  return act(
    device,
    {
      topic: device.commandTopic,
      payload: on ? (device.payloadOn ?? 'ON') : (device.payloadOff ?? 'OFF'),
    },
    reply,
  );
}
