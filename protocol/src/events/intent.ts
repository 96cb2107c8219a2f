import { Type, type Static } from '@sinclair/typebox';
import { Name, SessionId, strict, Text } from './common.js';

export const Intent = Type.Object(
  {
    type: Type.Literal('intent'),
    sessionId: SessionId,
    name: Name,
    slots: Type.Record(
      Type.String({ pattern: '^[a-z_]{1,32}$' }),
      Type.String({ maxLength: 200 }),
      {
        maxProperties: 16,
      },
    ),
  },
  strict,
);

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
export const SessionEnd = Type.Object(
  {
    type: Type.Literal('session-end'),
    sessionId: SessionId,
    outcome: Type.Union(SESSION_OUTCOMES.map((o) => Type.Literal(o))),
  },
  strict,
);

export type IntentEvent = Static<typeof Intent>;
export type ReplyEvent = Static<typeof Reply>;
export type SessionEndEvent = Static<typeof SessionEnd>;
