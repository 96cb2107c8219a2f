import { Type, type Static } from '@sinclair/typebox';
import { strict, Text, Uint16 } from './common.js';

/**
 * Hub → satellite: speak without a wake-up (a timer that rang, an announcement). The audio
 * follows on TTS stream `stream` (`audio-start` kind tts … `audio-stop`).
 */
export const Announce = Type.Object(
  {
    type: Type.Literal('announce'),
    reason: Type.Union([Type.Literal('timer'), Type.Literal('announcement')]),
    text: Text,
    stream: Uint16,
  },
  strict,
);

export type AnnounceEvent = Static<typeof Announce>;
