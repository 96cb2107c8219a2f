import { Type, type Static } from '@sinclair/typebox';
import { SessionId, strict, Text } from './common.js';

/** Hub → satellite: stream microphone audio (active) or stop (end of speech found). */
export const Listening = Type.Object(
  { type: Type.Literal('listening'), sessionId: SessionId, active: Type.Boolean() },
  strict,
);

/** Hub → satellite: what was heard so far (partial) or in the end (final). */
export const Transcript = Type.Object(
  { type: Type.Literal('transcript'), sessionId: SessionId, text: Text, final: Type.Boolean() },
  strict,
);

export type ListeningEvent = Static<typeof Listening>;
export type TranscriptEvent = Static<typeof Transcript>;
