import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Announce } from './announce.js';
import { AudioStart, AudioStop } from './audio.js';
import { Listening, Transcript } from './asr.js';
import { Config, Mute, SetVolume } from './control.js';
import { Intent, Reply, SessionEnd } from './intent.js';
import { ErrorEvent, Hello, Ping, Pong, Welcome } from './session.js';
import { TtsStart, TtsStop } from './tts.js';
import { Cancel, StandDown, Wake } from './wake.js';

export * from './announce.js';
export * from './audio.js';
export * from './asr.js';
export * from './control.js';
export * from './intent.js';
export * from './session.js';
export * from './tts.js';
export * from './wake.js';

/** Every event by its `type`, with the directions it may travel in. */
export const EVENTS = {
  hello: { schema: Hello, up: true, down: false },
  welcome: { schema: Welcome, up: false, down: true },
  wake: { schema: Wake, up: true, down: false },
  cancel: { schema: Cancel, up: true, down: false },
  'audio-start': { schema: AudioStart, up: true, down: true },
  'audio-stop': { schema: AudioStop, up: true, down: true },
  listening: { schema: Listening, up: false, down: true },
  transcript: { schema: Transcript, up: false, down: true },
  intent: { schema: Intent, up: false, down: true },
  reply: { schema: Reply, up: false, down: true },
  'session-end': { schema: SessionEnd, up: false, down: true },
  'tts-start': { schema: TtsStart, up: false, down: true },
  'tts-stop': { schema: TtsStop, up: false, down: true },
  error: { schema: ErrorEvent, up: true, down: true },
  ping: { schema: Ping, up: true, down: true },
  pong: { schema: Pong, up: true, down: true },
  'set-volume': { schema: SetVolume, up: false, down: true },
  mute: { schema: Mute, up: false, down: true },
  config: { schema: Config, up: false, down: true },
  announce: { schema: Announce, up: false, down: true },
  'stand-down': { schema: StandDown, up: false, down: true },
} as const satisfies Record<string, { schema: TSchema; up: boolean; down: boolean }>;

export type EventType = keyof typeof EVENTS;

/** Satellite → hub. */
export const UpEventSchema = Type.Union([
  Hello,
  Wake,
  Cancel,
  AudioStart,
  AudioStop,
  ErrorEvent,
  Ping,
  Pong,
]);
/** Hub → satellite. */
export const DownEventSchema = Type.Union([
  Welcome,
  AudioStart,
  AudioStop,
  Listening,
  Transcript,
  Intent,
  Reply,
  SessionEnd,
  TtsStart,
  TtsStop,
  ErrorEvent,
  Ping,
  Pong,
  SetVolume,
  Mute,
  Config,
  Announce,
  StandDown,
]);

export type UpEvent = Static<typeof UpEventSchema>;
export type DownEvent = Static<typeof DownEventSchema>;
export type JarvisEvent = UpEvent | DownEvent;
