import type { Device, DeviceRegistry } from '../devices/registry.js';
import { countValue, durationMs as durationOf } from './duration.js';
import type { IntentMatch } from './intents.js';

/** What the pipeline should do for an understood or misunderstood request. */
export interface IntentOutcome {
  readonly reply: string;
  readonly outcome: 'ok' | 'not-understood';
  /** The MQTT message to publish, when the intent controls a device. */
  readonly action?: { readonly topic: string; readonly payload: string; readonly deviceId: string };
  /** A timer to set, cancel or ask about; the timer service then words the reply. */
  readonly timer?: TimerRequest;
  /** Something the satellite itself should do: volume, mute. */
  readonly satellite?: SatelliteRequest;
  /** Say the previous reply again. */
  readonly repeat?: true;
}

export type SatelliteRequest =
  { readonly kind: 'volume'; readonly change: 'up' | 'down' | number } | { readonly kind: 'mute' };

export type TimerRequest =
  | { readonly kind: 'set'; readonly durationMs: number }
  | { readonly kind: 'cancel' }
  | { readonly kind: 'remaining' };

export const NOT_UNDERSTOOD = "Sorry, I didn't understand.";

export interface IntentContext {
  readonly devices: DeviceRegistry;
  readonly satelliteRoom: string;
  readonly now: Date;
  /** IANA time zone for spoken times; the hub's own when absent. */
  readonly timeZone?: string | undefined;
}

const describe = (d: Device): string =>
  (d.name.toLowerCase().includes(d.room.toLowerCase())
    ? d.name
    : `${d.room} ${d.name}`
  ).toLowerCase();

export function handleIntent(match: IntentMatch | undefined, ctx: IntentContext): IntentOutcome {
  if (!match) return { reply: NOT_UNDERSTOOD, outcome: 'not-understood' };
  switch (match.name) {
    case 'get_time': {
      const time = ctx.now.toLocaleTimeString('en-US', {
        hour: 'numeric',
        minute: '2-digit',
        timeZone: ctx.timeZone,
      });
      return { reply: `It is ${time}.`, outcome: 'ok' };
    }
    case 'set_timer': {
      const { count, unit, extra_count, extra_unit } = match.slots;
      const parts = [{ count: count ?? '', unit: unit ?? '' }];
      if (extra_count !== undefined && extra_unit !== undefined)
        parts.push({ count: extra_count, unit: extra_unit });
      const durationMs = durationOf(parts);
      if (durationMs === undefined)
        return { reply: 'Sorry, for how long?', outcome: 'not-understood' };
      return { reply: '', outcome: 'ok', timer: { kind: 'set', durationMs } };
    }
    case 'cancel_timer':
      return { reply: '', outcome: 'ok', timer: { kind: 'cancel' } };
    case 'get_date': {
      const date = ctx.now.toLocaleDateString('en-US', {
        weekday: 'long',
        month: 'long',
        day: 'numeric',
        timeZone: ctx.timeZone,
      });
      return { reply: `It is ${date}.`, outcome: 'ok' };
    }
    case 'stop':
      // Nothing to say: the user wants quiet.
      return { reply: '', outcome: 'ok' };
    case 'repeat':
      return { reply: '', outcome: 'ok', repeat: true };
    case 'mute':
      return {
        reply: "OK, I'll stop listening. Press my button to unmute.",
        outcome: 'ok',
        satellite: { kind: 'mute' },
      };
    case 'volume': {
      const { direction, count, louder } = match.slots;
      if (count !== undefined) {
        const level = countValue(count);
        if (level === undefined || level > 100)
          return { reply: 'Volume goes from 0 to 100.', outcome: 'not-understood' };
        return {
          reply: `Volume ${level}.`,
          outcome: 'ok',
          satellite: { kind: 'volume', change: level },
        };
      }
      const up = direction === 'up' || louder === 'louder';
      return {
        reply: up ? 'Louder.' : 'Quieter.',
        outcome: 'ok',
        satellite: { kind: 'volume', change: up ? 'up' : 'down' },
      };
    }
    case 'toggle':
    case 'get_state': {
      const found = findDevice(match, ctx);
      if ('reply' in found) return found;
      const { device } = found;
      const state = ctx.devices.stateOf(device.id);
      if (match.name === 'get_state') {
        if (state === undefined)
          return { reply: `I don't know whether the ${describe(device)} is on.`, outcome: 'ok' };
        return {
          reply: `The ${describe(device)} is ${state === 'ON' ? 'on' : 'off'}.`,
          outcome: 'ok',
        };
      }
      // Unknown state: turning on is the likelier wish.
      return switchDevice(device, state !== 'ON');
    }
    case 'timer_remaining':
      return { reply: '', outcome: 'ok', timer: { kind: 'remaining' } };
    case 'turn_on':
    case 'turn_off': {
      const found = findDevice(match, ctx);
      if ('reply' in found) return found;
      return switchDevice(found.device, match.name === 'turn_on');
    }
  }
}

/** The one device a request names, or the reply that says why there is none. */
function findDevice(match: IntentMatch, ctx: IntentContext): { device: Device } | IntentOutcome {
  const phrase = match.slots['device'] ?? '';
  const found = ctx.devices.resolve(phrase, match.slots['room'], ctx.satelliteRoom);
  const where = match.slots['room'] ? ` in the ${match.slots['room']}` : '';
  if (found.length === 0)
    return { reply: `Sorry, I can't find the ${phrase}${where}.`, outcome: 'not-understood' };
  if (found.length > 1) {
    // Ambiguous: ask, don't guess.
    const rooms = found.map((d) => d.room.toLowerCase()).join(' or the ');
    return { reply: `Which ${phrase}? The ${rooms}?`, outcome: 'not-understood' };
  }
  return { device: found[0]! };
}

function switchDevice(device: Device, on: boolean): IntentOutcome {
  return {
    reply: `Turning ${on ? 'on' : 'off'} the ${describe(device)}.`,
    outcome: 'ok',
    action: {
      topic: device.commandTopic,
      payload: on ? (device.payloadOn ?? 'ON') : (device.payloadOff ?? 'OFF'),
      deviceId: device.id,
    },
  };
}
