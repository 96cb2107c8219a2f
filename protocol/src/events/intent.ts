import { Type, type Static } from '@sinclair/typebox';
import { MAX_SLOT_VALUE_CHARS, MAX_SLOTS } from '../limits.js';
import { Name, SessionId, strict, Text } from './common.js';

/**
 * Slot names: snake_case identifiers. The look-ahead refuses the keys that mean something to
 * JavaScript objects (`__proto__`, `constructor`, `prototype`), so a decoded slot map is safe
 * to spread or `Object.assign` into another object.
 */
export const SLOT_NAME_PATTERN = '^(?!(?:__proto__|constructor|prototype)$)[a-z_][a-z0-9_]{0,31}$';

/** Hub → satellite: what the hub understood, for display and logs. */
export const Intent = Type.Object(
  {
    type: Type.Literal('intent'),
    sessionId: SessionId,
    name: Name,
    // additionalProperties false makes the key pattern binding, not merely descriptive.
    slots: Type.Record(
      Type.String({ pattern: SLOT_NAME_PATTERN }),
      // Numbers for number, percentage and duration (ms) slots.
      Type.Union([Type.String({ maxLength: MAX_SLOT_VALUE_CHARS }), Type.Number()]),
      { maxProperties: MAX_SLOTS, additionalProperties: false },
    ),
  },
  strict,
);

/** Hub → satellite: the spoken answer as text (the audio follows as a TTS stream). */
export const Reply = Type.Object(
  { type: Type.Literal('reply'), sessionId: SessionId, text: Text },
  strict,
);

export const SESSION_OUTCOMES = [
  'ok',
  'not-understood',
  'no-speech',
  'cancelled',
  'error',
] as const;
export type SessionOutcome = (typeof SESSION_OUTCOMES)[number];

/** Hub → satellite: the session is over; the satellite returns to wake-word listening. */
export const SessionEnd = Type.Object(
  {
    type: Type.Literal('session-end'),
    sessionId: SessionId,
    outcome: Type.Union(SESSION_OUTCOMES.map((o) => Type.Literal(o))),
    /**
     * The reply was a question: once it has played, listen again without the wake word for
     * this long (continued conversation).
     */
    followUpMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 60_000 })),
  },
  strict,
);

export type IntentEvent = Static<typeof Intent>;
export type ReplyEvent = Static<typeof Reply>;
export type SessionEndEvent = Static<typeof SessionEnd>;
