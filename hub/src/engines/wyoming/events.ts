/**
 * Wyoming event shapes (rhasspy/wyoming, README "Event Types" and the python modules audio.py,
 * asr.py, tts.py, wake.py, info.py, error.py), one TypeBox schema per event `data`; the types are
 * derived from the schemas. Objects accept unknown extra fields: newer peers add fields
 * (`context`, `speaker`, `version`…) and the spec says nothing about rejecting them.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';

/** Written in every header we send; the python library writes its own package version there. */
export const WYOMING_VERSION = '1.7.2';

const MAX_TEXT = 10_000;
const MAX_NAME = 256;

const Text = Type.String({ maxLength: MAX_TEXT });
const Name = Type.String({ maxLength: MAX_NAME });
/** The python library writes `None` for absent optional fields (e.g. `timestamp` in audio.py). */
const OptionalOrNull = <T extends TSchema>(schema: T) =>
  Type.Optional(Type.Union([schema, Type.Null()]));

// --- audio (audio.py) -------------------------------------------------------------------------

const AudioFormat = {
  /** Hertz. */
  rate: Type.Integer({ minimum: 1, maximum: 384_000 }),
  /** Bytes per sample. */
  width: Type.Integer({ minimum: 1, maximum: 4 }),
  channels: Type.Integer({ minimum: 1, maximum: 16 }),
  /** Milliseconds. */
  timestamp: OptionalOrNull(Type.Number()),
};
export const AudioStartData = Type.Object(AudioFormat);
/** Data of `audio-chunk`; the PCM itself is the payload. */
export const AudioChunkData = Type.Object(AudioFormat);
export const AudioStopData = Type.Object({ timestamp: OptionalOrNull(Type.Number()) });
export type AudioStartData = Static<typeof AudioStartData>;
export type AudioChunkData = Static<typeof AudioChunkData>;

// --- info (info.py) ---------------------------------------------------------------------------

const Attribution = Type.Object({ name: Name, url: Type.String({ maxLength: 2048 }) });
const Artifact = {
  name: Name,
  attribution: Attribution,
  installed: Type.Boolean(),
  description: OptionalOrNull(Text),
  version: OptionalOrNull(Name),
};
const Languages = Type.Array(Name, { maxItems: 1000 });
const AsrModel = Type.Object({ ...Artifact, languages: Languages });
const AsrProgram = Type.Object({
  ...Artifact,
  models: Type.Array(AsrModel, { maxItems: 10_000 }),
  /** Wyoming 1.7: the program answers with transcript-start / transcript-chunk… / transcript-stop. */
  supports_transcript_streaming: Type.Optional(Type.Boolean()),
});
const TtsVoice = Type.Object({
  ...Artifact,
  languages: Languages,
  speakers: OptionalOrNull(Type.Array(Type.Object({ name: Name }), { maxItems: 10_000 })),
});
const TtsProgram = Type.Object({
  ...Artifact,
  voices: Type.Array(TtsVoice, { maxItems: 10_000 }),
  supports_synthesize_streaming: Type.Optional(Type.Boolean()),
});
const WakeModel = Type.Object({ ...Artifact, languages: Languages, phrase: OptionalOrNull(Name) });
const WakeProgram = Type.Object({
  ...Artifact,
  models: Type.Array(WakeModel, { maxItems: 10_000 }),
});
export const DescribeData = Type.Object({});
/** `info`: every list optional (README: "asr - list speech recognition services (optional)"). */
export const InfoData = Type.Object({
  asr: Type.Optional(Type.Array(AsrProgram, { maxItems: 100 })),
  tts: Type.Optional(Type.Array(TtsProgram, { maxItems: 100 })),
  wake: Type.Optional(Type.Array(WakeProgram, { maxItems: 100 })),
});
export type InfoData = Static<typeof InfoData>;
export type AsrProgram = Static<typeof AsrProgram>;
export type TtsProgram = Static<typeof TtsProgram>;
export type WakeProgram = Static<typeof WakeProgram>;

// --- asr (asr.py) -----------------------------------------------------------------------------

export const TranscribeData = Type.Object({
  name: OptionalOrNull(Name),
  language: OptionalOrNull(Name),
});
export const TranscriptData = Type.Object({ text: Text, language: OptionalOrNull(Name) });
export const TranscriptStartData = Type.Object({ language: OptionalOrNull(Name) });
/** Streaming piece of the transcript: text to append to what came before. */
export const TranscriptChunkData = Type.Object({ text: Text });
export const TranscriptStopData = Type.Object({});

// --- tts (tts.py) -----------------------------------------------------------------------------

export const SynthesizeData = Type.Object({
  text: Text,
  voice: OptionalOrNull(
    Type.Object({
      name: OptionalOrNull(Name),
      language: OptionalOrNull(Name),
      speaker: OptionalOrNull(Name),
    }),
  ),
});

// --- wake (wake.py) ---------------------------------------------------------------------------

export const DetectData = Type.Object({
  /** Names of models to detect; absent or null means any. */
  names: OptionalOrNull(Type.Array(Name, { maxItems: 100 })),
});
export const DetectionData = Type.Object({
  name: OptionalOrNull(Name),
  /** Milliseconds: timestamp of the audio chunk with the detection. */
  timestamp: OptionalOrNull(Type.Number()),
});
export const NotDetectedData = Type.Object({});

// --- error (error.py) -------------------------------------------------------------------------

export const ErrorData = Type.Object({ text: Text, code: OptionalOrNull(Name) });

/** Every event type this module understands, with the schema of its `data`. */
export const EVENT_SCHEMAS = {
  describe: DescribeData,
  info: InfoData,
  'audio-start': AudioStartData,
  'audio-chunk': AudioChunkData,
  'audio-stop': AudioStopData,
  transcribe: TranscribeData,
  transcript: TranscriptData,
  'transcript-start': TranscriptStartData,
  'transcript-chunk': TranscriptChunkData,
  'transcript-stop': TranscriptStopData,
  synthesize: SynthesizeData,
  detect: DetectData,
  detection: DetectionData,
  'not-detected': NotDetectedData,
  error: ErrorData,
} as const;

export type EventType = keyof typeof EVENT_SCHEMAS;
export type EventData<K extends EventType> = Static<(typeof EVENT_SCHEMAS)[K]>;

/** One decoded event before its data is checked against a schema. */
export interface RawEvent {
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** Empty when the event had no payload. */
  readonly payload: Buffer;
}

/** An event whose `type` is known and whose `data` matched its schema. */
export type KnownEvent = {
  [K in EventType]: { readonly type: K; readonly data: EventData<K>; readonly payload: Buffer };
}[EventType];

const CHECKS = Object.fromEntries(
  Object.entries(EVENT_SCHEMAS).map(([type, schema]) => [type, TypeCompiler.Compile(schema)]),
) as { [K in EventType]: TypeCheck<(typeof EVENT_SCHEMAS)[K]> };

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_SCHEMAS, type);
}

/**
 * Checks a raw event against its schema. Returns the typed event, `undefined` for a type this
 * module does not know, or a short reason for data that does not match.
 */
export function checkEvent(event: RawEvent): KnownEvent | undefined | { problem: string } {
  if (!isEventType(event.type)) return undefined;
  const check = CHECKS[event.type];
  if (check.Check(event.data)) return event as KnownEvent;
  const first = check.Errors(event.data).First();
  const where = first?.path === '' || first === undefined ? '' : ` at ${first.path}`;
  return { problem: `invalid ${event.type} data${where}: ${first?.message ?? 'schema mismatch'}` };
}
