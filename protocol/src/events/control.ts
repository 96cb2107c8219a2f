import { Type, type Static } from '@sinclair/typebox';
import { Name, strict } from './common.js';

export const SetVolume = Type.Object(
  { type: Type.Literal('set-volume'), volume: Type.Integer({ minimum: 0, maximum: 100 }) },
  strict,
);
export const Mute = Type.Object({ type: Type.Literal('mute'), muted: Type.Boolean() }, strict);
export const Config = Type.Object(
  {
    type: Type.Literal('config'),
    wakeThreshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    wakeWords: Type.Optional(Type.Array(Name, { maxItems: 8 })),
  },
  strict,
);

export type SetVolumeEvent = Static<typeof SetVolume>;
export type MuteEvent = Static<typeof Mute>;
export type ConfigEvent = Static<typeof Config>;
