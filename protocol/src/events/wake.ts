import { Type, type Static } from '@sinclair/typebox';
import { EpochMs, Name, SessionId, strict } from './common.js';

/** Satellite → hub: the wake word was heard; the hub opens a session. */
export const Wake = Type.Object(
  {
    type: Type.Literal('wake'),
    name: Name,
    score: Type.Number({ minimum: 0, maximum: 1 }),
    timeMs: EpochMs,
  },
  strict,
);

/** Satellite → hub: stop the current session (button, "stop"). */
export const Cancel = Type.Object(
  { type: Type.Literal('cancel'), sessionId: Type.Optional(SessionId) },
  strict,
);

export type WakeEvent = Static<typeof Wake>;
export type CancelEvent = Static<typeof Cancel>;
