import type { AudioChunk } from '@jarvis/protocol';
import type { Logger } from 'pino';

export type { AudioChunk };

/** An engine failed within a session and another one took over its work. */
export interface EngineFallback {
  readonly kind: 'stt' | 'tts';
  readonly from: string;
  readonly to: string;
  readonly code: string;
  readonly message: string;
}

/** Handed to every engine call: cancel through `signal`, log through `log`. */
export interface EngineContext {
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly sessionId: string;
  /** Told when a fallback engine takes over, so the session can record it. */
  readonly onFallback?: (fallback: EngineFallback) => void;
}

/** Speech-to-text results, partial while audio streams, one final at the end. */
export type SttEvent =
  | { readonly type: 'partial'; readonly text: string }
  | {
      readonly type: 'final';
      readonly text: string;
      /** Which decoding produced the text: the command grammar, the general model, or a remote engine. */
      readonly source: 'grammar' | 'general' | 'remote';
      /** Milliseconds spent decoding after the last audio chunk arrived. */
      readonly finalizeMs: number;
      /** Id of the engine that produced it, where a wrapper chose among several. */
      readonly engine?: string;
    };

export interface SttEngine {
  readonly id: string;
  /** Replace the command grammar (JSGF text), e.g. after the device list changed. */
  setGrammar(jsgf: string): void;
  transcribe(audio: AsyncIterable<AudioChunk>, ctx: EngineContext): AsyncIterable<SttEvent>;
  close(): Promise<void>;
}

export interface TtsEngine {
  readonly id: string;
  /** Sample rate of the audio it yields, in Hz. */
  readonly sampleRate: number;
  /** Speaks each piece of text as it arrives, sentence by sentence. */
  synthesize(text: AsyncIterable<string>, ctx: EngineContext): AsyncIterable<AudioChunk>;
  close(): Promise<void>;
}

export type VadEvent =
  | { readonly type: 'speech-start'; readonly timestampMs: number }
  | { readonly type: 'speech-end'; readonly timestampMs: number };

export interface VadEngine {
  readonly id: string;
  /** Yields speech-start / speech-end as the audio goes by. */
  detect(audio: AsyncIterable<AudioChunk>, ctx: EngineContext): AsyncIterable<VadEvent>;
  close(): Promise<void>;
}
