import { Type, type Static } from '@sinclair/typebox';
import { EpochMs, Name, SessionId, strict } from './common.js';

/** Satellite → hub: the wake word was heard; the hub opens a session. */
export const Wake = Type.Object(
  {
    type: Type.Literal('wake'),
    name: Name,
    score: Type.Number({ minimum: 0, maximum: 1 }),
    timeMs: EpochMs,
    /**
     * Loudness of the wake phrase in dBFS (RMS): with the score, how the hub picks one
     * satellite when several heard the same words.
     */
    energyDb: Type.Optional(Type.Number({ minimum: -200, maximum: 0 })),
    /**
     * No wake word: the satellite listens on after a question the hub asked (`session-end`
     * with `followUpMs`).
     */
    followUp: Type.Optional(Type.Boolean()),
  },
  strict,
);

/** Satellite → hub: stop the current session (button, "stop"). */
export const Cancel = Type.Object(
  { type: Type.Literal('cancel'), sessionId: Type.Optional(SessionId) },
  strict,
);

/**
 * Hub → satellite: another satellite heard the same wake-up better; stop streaming, flash
 * briefly and stay quiet (no session follows).
 */
export const StandDown = Type.Object(
  {
    type: Type.Literal('stand-down'),
    reason: Type.Union([Type.Literal('another-satellite')]),
    sessionId: Type.Optional(SessionId),
  },
  strict,
);

export type WakeEvent = Static<typeof Wake>;
export type CancelEvent = Static<typeof Cancel>;
export type StandDownEvent = Static<typeof StandDown>;
