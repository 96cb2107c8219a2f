import { Type, type Static } from '@sinclair/typebox';
import { SessionId, strict, Uint16 } from './common.js';

/** Announces a stream of binary audio frames and its format (as Wyoming does). */
export const AudioStart = Type.Object(
  {
    type: Type.Literal('audio-start'),
    stream: Uint16,
    kind: Type.Union([Type.Literal('mic'), Type.Literal('tts')]),
    rate: Type.Integer({ minimum: 8000, maximum: 48000 }),
    width: Type.Literal(2),
    channels: Type.Integer({ minimum: 1, maximum: 2 }),
    sessionId: Type.Optional(SessionId),
    /**
     * Mic only: how many ms at the start of the stream come from before the wake word was
     * detected. Speech that ends inside them is the wake phrase, not the request.
     */
    preRollMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 5000 })),
  },
  strict,
);

export const AudioStop = Type.Object({ type: Type.Literal('audio-stop'), stream: Uint16 }, strict);

export type AudioStartEvent = Static<typeof AudioStart>;
export type AudioStopEvent = Static<typeof AudioStop>;
