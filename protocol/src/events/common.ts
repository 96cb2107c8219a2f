import { Type } from '@sinclair/typebox';
import {
  MAX_EPOCH_MS,
  MAX_NAME_CHARS,
  MAX_TEXT_CHARS,
  SATELLITE_ID_PATTERN,
  SESSION_ID_PATTERN,
} from '../limits.js';

/** Building blocks shared by the event schemas; every string and number is bounded. */
export const SatelliteId = Type.String({ pattern: SATELLITE_ID_PATTERN });
export const SessionId = Type.String({ minLength: 1, maxLength: 64, pattern: SESSION_ID_PATTERN });
export const Name = Type.String({ minLength: 1, maxLength: MAX_NAME_CHARS });
export const Text = Type.String({ maxLength: MAX_TEXT_CHARS });
export const Uint16 = Type.Integer({ minimum: 0, maximum: 0xffff });
export const Uint32 = Type.Integer({ minimum: 0, maximum: 0xffffffff });
/** Milliseconds since the Unix epoch. */
export const EpochMs = Type.Number({ minimum: 0, maximum: MAX_EPOCH_MS });
/** Protocol version numbers, as offered in `hello` and chosen in `welcome`. */
export const Version = Type.Integer({ minimum: 1, maximum: 255 });
/** Every object on the wire is closed: unknown keys (including `__proto__`) are rejected. */
export const strict = { additionalProperties: false } as const;
