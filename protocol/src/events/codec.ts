import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { ProtocolError } from '../errors.js';
import { MAX_JSON_BYTES } from '../limits.js';
import { EVENTS, type DownEvent, type EventType, type JarvisEvent, type UpEvent } from './index.js';

const CHECKS = Object.fromEntries(
  Object.entries(EVENTS).map(([type, e]) => [type, TypeCompiler.Compile(e.schema as TSchema)]),
) as Record<EventType, TypeCheck<TSchema>>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Serialises an event to a JSON text frame. */
export function encodeEvent(event: JarvisEvent): string {
  return JSON.stringify(event);
}

/** Decodes a satellite → hub text frame; throws only ProtocolError. */
export function decodeUpEvent(input: string | Uint8Array): UpEvent {
  return decode(input, 'up') as UpEvent;
}

/** Decodes a hub → satellite text frame; throws only ProtocolError. */
export function decodeDownEvent(input: string | Uint8Array): DownEvent {
  return decode(input, 'down') as DownEvent;
}

function decode(input: string | Uint8Array, direction: 'up' | 'down'): JarvisEvent {
  try {
    return decodeUnsafe(input, direction);
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw new ProtocolError('bad-event', 'event could not be decoded', String(err));
  }
}

function decodeUnsafe(input: string | Uint8Array, direction: 'up' | 'down'): JarvisEvent {
  // Size first, before any parsing work: a string's UTF-8 length is at most 3 bytes per code unit.
  const bytes =
    typeof input === 'string'
      ? input.length * 3 > MAX_JSON_BYTES
        ? Buffer.byteLength(input)
        : input.length
      : input.length;
  if (bytes > MAX_JSON_BYTES)
    throw new ProtocolError('json-too-large', `event of ${bytes} bytes exceeds ${MAX_JSON_BYTES}`);
  let text: string;
  try {
    text = typeof input === 'string' ? input : utf8.decode(input);
  } catch {
    throw new ProtocolError('bad-json', 'event is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ProtocolError('bad-json', `event is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError('bad-event', 'event must be a JSON object');
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(EVENTS, type)) {
    throw new ProtocolError(
      'unknown-event',
      `unknown event type ${JSON.stringify(type)?.slice(0, 40) ?? 'undefined'}`,
    );
  }
  const spec = EVENTS[type as EventType];
  if (!spec[direction]) {
    throw new ProtocolError(
      'wrong-direction',
      `${type} is not sent ${direction === 'up' ? 'by a satellite' : 'by the hub'}`,
    );
  }
  const check = CHECKS[type as EventType];
  if (!check.Check(value)) {
    const first = check.Errors(value).First();
    const where = first ? `${first.path || '/'} ${first.message}` : 'invalid';
    throw new ProtocolError('bad-event', `${type}: ${where}`.slice(0, 300));
  }
  return value as JarvisEvent;
}
