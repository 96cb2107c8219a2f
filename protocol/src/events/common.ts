import { Type } from '@sinclair/typebox';
import { MAX_TEXT_CHARS, SATELLITE_ID_PATTERN } from '../limits.js';

export const SatelliteId = Type.String({ pattern: SATELLITE_ID_PATTERN });
export const SessionId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
export const Name = Type.String({ minLength: 1, maxLength: 64 });
export const Text = Type.String({ maxLength: MAX_TEXT_CHARS });
export const Uint16 = Type.Integer({ minimum: 0, maximum: 0xffff });
export const Uint32 = Type.Integer({ minimum: 0, maximum: 0xffffffff });
/** Milliseconds since the Unix epoch. */
export const EpochMs = Type.Number({ minimum: 0, maximum: 1e14 });
export const strict = { additionalProperties: false } as const;
