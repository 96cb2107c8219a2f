/**
 * One client connection of the Wyoming server: events are handled one after the other, in the
 * order received. A bad event is answered with an `error` event and the connection goes on; only
 * undecodable bytes (where the framing is lost) end it.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { AsyncQueue, type AudioChunk, type WakeEngine } from '@jarvis/protocol';
import { AppError } from '../../errors.js';
import type { EngineContext, SttEngine, TtsEngine } from '../types.js';
import { bytesToPcm, CHANNELS, pcmToBytes, WIDTH } from './audio.js';
import { encodeEvent, type WyomingDecoder } from './codec.js';
import {
  checkEvent,
  type EventData,
  type EventType,
  type InfoData,
  type KnownEvent,
  type RawEvent,
} from './events.js';

/** What every session of one server shares. */
export interface SessionEngines {
  readonly stt: SttEngine;
  readonly tts: TtsEngine;
  readonly wake: WakeEngine | undefined;
  readonly info: InfoData;
  readonly maxAudioMs: number;
  /** A WakeEngine holds one stream's context, so one detection runs at a time server-wide. */
  wakeBusy: boolean;
}

/** Events waiting to be handled before the socket is paused. */
const MAX_INBOX = 256;

/** An audio stream being fed to an engine: from audio-start to audio-stop. */
interface AudioStream {
  readonly kind: 'asr' | 'wake';
  readonly audio: AsyncQueue<AudioChunk>;
  readonly task: Promise<void>;
  heardMs: number;
  /** Set once the stream was refused (too long, engine failed): its remaining chunks are dropped. */
  failed: boolean;
}

type Next = { kind: 'asr' } | { kind: 'wake'; names: readonly string[] | undefined };

export class WyomingSession {
  private readonly abort = new AbortController();
  private readonly inbox: RawEvent[] = [];
  private wakeUp: (() => void) | undefined;
  private ended = false;
  private paused = false;
  /** What the next audio-start feeds, as set by transcribe/detect (default: transcription). */
  private next: Next = { kind: 'asr' };
  private stream: AudioStream | undefined;
  private requests = 0;

  constructor(
    private readonly socket: Socket,
    private readonly decoder: WyomingDecoder,
    private readonly engines: SessionEngines,
    private readonly log: Logger,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    void this.run();
  }

  /** Ends the session: aborts running engine calls and closes the socket after pending writes. */
  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.log.debug({ reason }, 'wyoming connection ended');
    this.abort.abort(new AppError('bad-request', `wyoming connection ended: ${reason}`));
    this.stream?.audio.end();
    this.socket.end();
    // A peer that never closes its side must not hold the connection (or server.close) forever.
    setTimeout(() => this.socket.destroy(), 1000).unref();
    this.wakeUp?.();
  }

  private receive(chunk: Buffer): void {
    if (this.ended) return;
    try {
      this.inbox.push(...this.decoder.push(chunk));
    } catch (err) {
      // The rest of the stream cannot be framed: say why, then hang up.
      const text = err instanceof AppError ? err.message : 'undecodable input';
      this.log.warn({ err: text }, 'wyoming client sent undecodable bytes');
      this.write('error', { text, code: 'bad-frame' });
      this.end('undecodable input');
      return;
    }
    if (this.inbox.length > MAX_INBOX && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (!this.ended) {
      const raw = this.inbox.shift();
      if (raw === undefined) {
        if (this.paused) {
          this.paused = false;
          this.socket.resume();
        }
        await new Promise<void>((resolve) => (this.wakeUp = resolve));
        this.wakeUp = undefined;
        continue;
      }
      const event = checkEvent(raw);
      if (event === undefined) {
        this.write('error', { text: `unknown event type "${raw.type}"`, code: 'unknown-event' });
      } else if ('problem' in event) {
        this.write('error', { text: event.problem, code: 'bad-event' });
      } else {
        await this.handle(event);
      }
    }
  }

  private async handle(event: KnownEvent): Promise<void> {
    switch (event.type) {
      case 'describe':
        return void this.write('info', this.engines.info);
      case 'transcribe':
        this.next = { kind: 'asr' };
        return;
      case 'detect':
        if (!this.engines.wake) return this.refuse('this server has no wake word detection');
        this.next = { kind: 'wake', names: event.data.names ?? undefined };
        return;
      case 'audio-start':
        return this.startStream(event.data);
      case 'audio-chunk':
        return this.feed(event.data, event.payload);
      case 'audio-stop': {
        const stream = this.stream;
        if (!stream) return this.refuse('audio-stop without audio-start');
        stream.audio.end();
        await stream.task; // the answer goes out before the next event is handled
        this.stream = undefined;
        this.next = { kind: 'asr' };
        return;
      }
      case 'synthesize':
        return this.synthesize(event.data);
      case 'info':
      case 'transcript':
      case 'transcript-start':
      case 'transcript-chunk':
      case 'transcript-stop':
      case 'detection':
      case 'not-detected':
      case 'error':
        return this.refuse(`a client does not send ${event.type}`);
    }
  }

  private refuse(text: string): void {
    this.write('error', { text, code: 'unexpected-event' });
  }

  private context(): EngineContext {
    const sessionId = `wyoming-${++this.requests}`;
    return { signal: this.abort.signal, log: this.log, sessionId };
  }

  private startStream(format: EventData<'audio-start'>): void {
    if (this.stream) return this.refuse('audio-start while an audio stream is open');
    if (format.width !== WIDTH || format.channels !== CHANNELS) {
      return void this.write('error', { text: 'audio must be 16-bit mono', code: 'bad-audio' });
    }
    const audio = new AsyncQueue<AudioChunk>();
    const next = this.next;
    let task: Promise<void>;
    if (next.kind === 'wake') {
      if (this.engines.wakeBusy) {
        this.write('error', { text: 'wake word detection is busy', code: 'busy' });
        task = Promise.resolve();
        this.stream = { kind: 'wake', audio, task, heardMs: 0, failed: true };
        return;
      }
      this.engines.wakeBusy = true;
      task = this.detect(audio, next.names);
    } else {
      task = this.transcribe(audio);
    }
    this.stream = { kind: next.kind, audio, task, heardMs: 0, failed: false };
  }

  private feed(format: EventData<'audio-chunk'>, payload: Buffer): void {
    const stream = this.stream;
    if (!stream) return this.refuse('audio-chunk without audio-start');
    if (stream.failed) return;
    const pcm = bytesToPcm(format, payload);
    if (typeof pcm === 'string') return this.failStream(stream, pcm, 'bad-audio');
    stream.heardMs += (pcm.length * 1000) / format.rate;
    if (stream.heardMs > this.engines.maxAudioMs) {
      return this.failStream(stream, `audio longer than ${this.engines.maxAudioMs} ms`, 'too-long');
    }
    stream.audio.push({ pcm, rate: format.rate, timestampMs: format.timestamp ?? stream.heardMs });
  }

  private failStream(stream: AudioStream, text: string, code: string): void {
    stream.failed = true;
    stream.audio.end();
    this.write('error', { text, code });
  }

  private async transcribe(audio: AsyncQueue<AudioChunk>): Promise<void> {
    const ctx = this.context();
    let sent = '';
    let started = false;
    const start = (): void => {
      if (!started) this.write('transcript-start', {});
      started = true;
    };
    try {
      for await (const result of this.engines.stt.transcribe(audio, ctx)) {
        if (result.type === 'partial') {
          // transcript-chunk text is appended to what came before, so only a partial that
          // extends the text already sent can be streamed; the final transcript settles it.
          if (result.text.length > sent.length && result.text.startsWith(sent)) {
            start();
            this.write('transcript-chunk', { text: result.text.slice(sent.length) });
            sent = result.text;
          }
        } else {
          ctx.log.debug(
            { sessionId: ctx.sessionId, transcript: result.text },
            'wyoming transcript',
          );
          start();
          this.write('transcript', { text: result.text });
          this.write('transcript-stop', {});
        }
      }
    } catch (err) {
      this.engineFailed(err, 'stt-failed', 'speech to text failed');
      if (this.stream) this.stream.failed = true;
    }
  }

  private async detect(
    audio: AsyncQueue<AudioChunk>,
    names: readonly string[] | undefined,
  ): Promise<void> {
    const wake = this.engines.wake!;
    let detected = false;
    try {
      for await (const d of wake.detect(audio, this.abort.signal)) {
        if (names && names.length > 0 && !names.includes(d.name)) continue;
        detected = true;
        this.write('detection', { name: d.name, timestamp: Math.round(d.timestampMs) });
      }
      // README "Wake Word Detection": not-detected only when the stream ended without one.
      if (!detected) this.write('not-detected', {});
    } catch (err) {
      this.engineFailed(err, 'wake-failed', 'wake word detection failed');
    } finally {
      wake.reset();
      this.engines.wakeBusy = false;
    }
  }

  private async synthesize(request: EventData<'synthesize'>): Promise<void> {
    const ctx = this.context();
    let started = false;
    const format = { width: WIDTH, channels: CHANNELS };
    try {
      const text = (async function* () {
        yield request.text;
      })();
      for await (const chunk of this.engines.tts.synthesize(text, ctx)) {
        if (!started) await this.send('audio-start', { rate: chunk.rate, ...format, timestamp: 0 });
        started = true;
        const data = { rate: chunk.rate, ...format, timestamp: Math.round(chunk.timestampMs) };
        await this.send('audio-chunk', data, pcmToBytes(chunk.pcm));
      }
      if (!started) this.write('audio-start', { rate: this.engines.tts.sampleRate, ...format });
      this.write('audio-stop', {});
    } catch (err) {
      this.engineFailed(err, 'tts-failed', 'text to speech failed');
    }
  }

  private engineFailed(err: unknown, code: string, fallback: string): void {
    if (this.abort.signal.aborted) return;
    this.log.warn({ err }, fallback);
    // Only our own coded messages go on the wire, never an internal error's text.
    this.write('error', { text: err instanceof AppError ? err.message : fallback, code });
  }

  private write<K extends EventType>(type: K, data?: EventData<K>, payload?: Uint8Array): boolean {
    if (this.socket.destroyed || !this.socket.writable) return true;
    return this.socket.write(encodeEvent(type, data, payload));
  }

  /** Writes, then waits while the client is slower than the engine (socket backpressure). */
  private async send<K extends EventType>(
    type: K,
    data: EventData<K>,
    payload?: Uint8Array,
  ): Promise<void> {
    if (this.write(type, data, payload)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }
}
