import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { ProtocolError } from '../errors.js';
import { parseBoundedJson, schemaProblem } from '../json.js';
import { MAX_JSON_BYTES } from '../limits.js';
import { EVENTS, type DownEvent, type EventType, type JarvisEvent, type UpEvent } from './index.js';

// Compiled once at load: a check is then a plain function call per message.
const CHECKS = Object.fromEntries(
  Object.entries(EVENTS).map(([type, e]) => [type, TypeCompiler.Compile(e.schema as TSchema)]),
) as Record<EventType, TypeCheck<TSchema>>;

/** Which way a text frame travels: `up` is satellite → hub, `down` is hub → satellite. */
export type Direction = 'up' | 'down';

/** Serialises an event to a JSON text frame (key order as given; no whitespace). */
export function encodeEvent(event: JarvisEvent): string {
  return JSON.stringify(event);
}

/**
 * Decodes a satellite → hub text frame (a WebSocket text message or MQTT `.../up` payload).
 * @throws ProtocolError only: json-too-large, bad-json, unknown-event, wrong-direction, bad-event.
 */
export function decodeUpEvent(input: string | Uint8Array): UpEvent {
  return decode(input, 'up') as UpEvent;
}

/**
 * Decodes a hub → satellite text frame.
 * @throws ProtocolError only: json-too-large, bad-json, unknown-event, wrong-direction, bad-event.
 */
export function decodeDownEvent(input: string | Uint8Array): DownEvent {
  return decode(input, 'down') as DownEvent;
}

/** True when `type` names an event of this protocol version (own keys only: no `toString`). */
export function isEventType(type: unknown): type is EventType {
  return typeof type === 'string' && Object.hasOwn(EVENTS, type);
}

function decode(input: string | Uint8Array, direction: Direction): JarvisEvent {
  try {
    return decodeUnchecked(input, direction);
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    // A decoder bug must still surface as a protocol error, never as a crash of the caller.
    throw new ProtocolError('bad-event', 'event could not be decoded', String(err));
  }
}

function decodeUnchecked(input: string | Uint8Array, direction: Direction): JarvisEvent {
  const value = parseBoundedJson(input, MAX_JSON_BYTES, 'event');
  const type =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as { type?: unknown }).type
      : undefined;
  if (!isEventType(type)) {
    const shown = typeof type === 'string' ? JSON.stringify(type.slice(0, 40)) : typeof type;
    throw new ProtocolError('unknown-event', `not an event with a known type (type: ${shown})`);
  }
  if (!EVENTS[type][direction]) {
    const from = direction === 'up' ? 'a satellite' : 'the hub';
    throw new ProtocolError('wrong-direction', `${type} is never sent by ${from}`);
  }
  const check = CHECKS[type];
  if (!check.Check(value)) {
    throw new ProtocolError('bad-event', `${type}: ${schemaProblem(check, value)}`.slice(0, 300));
  }
  return value as JarvisEvent;
}
