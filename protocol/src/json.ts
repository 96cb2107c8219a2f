import type { TSchema } from '@sinclair/typebox';
import type { TypeCheck } from '@sinclair/typebox/compiler';
import { ProtocolError } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Whether `text` is more than `limit` bytes once UTF-8 encoded, found without encoding it and
 * without walking past the limit. A lone surrogate counts as 3 bytes (it is sent as U+FFFD).
 */
export function exceedsUtf8Bytes(text: string, limit: number): boolean {
  // Every UTF-16 code unit is at most 3 UTF-8 bytes, and at least 1.
  if (text.length * 3 <= limit) return false;
  if (text.length > limit) return true;
  let bytes = 0;
  for (let i = 0; i < text.length && bytes <= limit; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes > limit;
}

/**
 * The first two steps of every JSON decoder here: size (in bytes, before any parsing), then
 * UTF-8 and JSON syntax. Throws only ProtocolError ('json-too-large' or 'bad-json').
 */
export function parseBoundedJson(
  input: string | Uint8Array,
  maxBytes: number,
  what: string,
): unknown {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
    throw new ProtocolError('bad-json', `${what} must be text or bytes`);
  }
  const tooLarge =
    typeof input === 'string' ? exceedsUtf8Bytes(input, maxBytes) : input.byteLength > maxBytes;
  if (tooLarge) {
    throw new ProtocolError('json-too-large', `${what} exceeds ${maxBytes} bytes`);
  }
  let text: string;
  try {
    text = typeof input === 'string' ? input : utf8.decode(input);
  } catch {
    throw new ProtocolError('bad-json', `${what} is not valid UTF-8`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ProtocolError('bad-json', `${what} is not valid JSON`, (err as Error).message);
  }
}

/**
 * What is wrong with a value its compiled schema refused, as "<path> <message>": the first
 * problem only, so the text stays short enough for a log line or an error reply.
 */
export function schemaProblem<T extends TSchema>(check: TypeCheck<T>, value: unknown): string {
  const first = check.Errors(value).First();
  return first ? `${first.path || '/'} ${first.message}` : 'does not match its schema';
}
