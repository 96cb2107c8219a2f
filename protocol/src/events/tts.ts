import { Type, type Static } from '@sinclair/typebox';
import { SessionId, strict, Uint16 } from './common.js';

/** Hub → satellite: a spoken reply begins on audio stream `stream`. */
export const TtsStart = Type.Object(
  { type: Type.Literal('tts-start'), sessionId: SessionId, stream: Uint16 },
  strict,
);
export const TtsStop = Type.Object(
  { type: Type.Literal('tts-stop'), sessionId: SessionId, stream: Uint16 },
  strict,
);

export type TtsStartEvent = Static<typeof TtsStart>;
export type TtsStopEvent = Static<typeof TtsStop>;
