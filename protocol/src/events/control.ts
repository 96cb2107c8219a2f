import { Type, type Static } from '@sinclair/typebox';
import { MAX_WAKE_WORDS } from '../limits.js';
import { Name, strict } from './common.js';

/** Hub → satellite: playback volume in percent. */
export const SetVolume = Type.Object(
  { type: Type.Literal('set-volume'), volume: Type.Integer({ minimum: 0, maximum: 100 }) },
  strict,
);
/** Hub → satellite: silence (or restore) the speaker. */
export const Mute = Type.Object({ type: Type.Literal('mute'), muted: Type.Boolean() }, strict);
/** Hub → satellite: change wake settings; absent fields keep their value. */
export const Config = Type.Object(
  {
    type: Type.Literal('config'),
    wakeThreshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    wakeWords: Type.Optional(Type.Array(Name, { maxItems: MAX_WAKE_WORDS })),
  },
  strict,
);

export type SetVolumeEvent = Static<typeof SetVolume>;
export type MuteEvent = Static<typeof Mute>;
export type ConfigEvent = Static<typeof Config>;
