import { Type, type Static } from '@sinclair/typebox';
import {
  MAX_ERROR_CODE_CHARS,
  MAX_ERROR_MESSAGE_CHARS,
  MAX_OFFERED_VERSIONS,
  MAX_SOFTWARE_CHARS,
  MAX_WAKE_WORDS,
} from '../limits.js';
import { EpochMs, Name, SatelliteId, SessionId, strict, Uint32, Version } from './common.js';

/** Satellite → hub, first message: who it is, what it speaks, what it can do. */
export const Hello = Type.Object(
  {
    type: Type.Literal('hello'),
    satelliteId: SatelliteId,
    versions: Type.Array(Version, { minItems: 1, maxItems: MAX_OFFERED_VERSIONS }),
    software: Type.Optional(Type.String({ maxLength: MAX_SOFTWARE_CHARS })),
    capabilities: Type.Object(
      {
        wakeWords: Type.Array(Name, { maxItems: MAX_WAKE_WORDS }),
        audioIn: Type.Object(
          {
            rate: Type.Integer({ minimum: 8000, maximum: 48000 }),
            width: Type.Literal(2),
            channels: Type.Integer({ minimum: 1, maximum: 2 }),
          },
          strict,
        ),
        audioOut: Type.Boolean(),
        leds: Type.Boolean(),
        /**
         * The satellite runs no wake word engine (too small for one): it streams speech-gated
         * audio and the hub listens for the wake word.
         */
        wakeOnHub: Type.Optional(Type.Boolean()),
      },
      strict,
    ),
  },
  strict,
);

/** Hub → satellite: the agreed version and how the hub knows this satellite. */
export const Welcome = Type.Object(
  {
    type: Type.Literal('welcome'),
    version: Version,
    hubId: Name,
    satellite: Type.Object({ id: SatelliteId, name: Name, room: Name }, strict),
  },
  strict,
);

/** Either way: liveness check; the peer answers with a `pong` carrying the same `id`. */
export const Ping = Type.Object(
  { type: Type.Literal('ping'), id: Uint32, timeMs: EpochMs },
  strict,
);
export const Pong = Type.Object(
  { type: Type.Literal('pong'), id: Uint32, timeMs: EpochMs },
  strict,
);

/** Either way: a coded problem; the connection stays up. */
export const ErrorEvent = Type.Object(
  {
    type: Type.Literal('error'),
    code: Type.String({ minLength: 1, maxLength: MAX_ERROR_CODE_CHARS }),
    message: Type.String({ maxLength: MAX_ERROR_MESSAGE_CHARS }),
    retryable: Type.Boolean(),
    sessionId: Type.Optional(SessionId),
  },
  strict,
);

export type HelloEvent = Static<typeof Hello>;
export type WelcomeEvent = Static<typeof Welcome>;
export type PingEvent = Static<typeof Ping>;
export type PongEvent = Static<typeof Pong>;
/** The `error` event (`ErrorEvent` is its schema). */
export type ErrorEventT = Static<typeof ErrorEvent>;
