import { EventEmitter } from 'node:events';
import { AsyncQueue, type AudioChunk, type DownEvent } from '@jarvis/protocol';
import type { Logger } from 'pino';
import type { AudioSink } from './audio/sinks.js';
import type { Leds } from './gpio/leds.js';
import type { HubLink } from './link/hub-link.js';
import type { WakeEngine } from '@jarvis/protocol';
import { SpeechGate, type SpeechGateOptions } from './wake/speech-gate.js';

export interface SatelliteOptions {
  readonly link: HubLink;
  readonly source: AsyncIterable<AudioChunk>;
  readonly sink: AudioSink;
  /** The wake word engine, or 'hub': stream speech-gated audio and let the hub listen. */
  readonly wake: WakeEngine | 'hub';
  /** The level gate used when the hub listens for the wake word. */
  readonly gate?: SpeechGateOptions;
  readonly leds: Leds;
  readonly log: Logger;
  /**
   * Audio sent from before the detection point (default 1.5 s): the whole wake phrase, so the
   * hub hears complete words rather than its tail, and words said right after it are kept.
   */
  readonly preRollMs?: number;
  /** Stop streaming after this long even if the hub never answers. */
  readonly maxStreamMs?: number;
}

export interface SatelliteEvents {
  wake: [detection: { name: string; score: number; timestampMs: number }];
  event: [event: DownEvent];
  /** A reply finished playing. */
  played: [sessionId: string | undefined];
  'session-end': [event: Extract<DownEvent, { type: 'session-end' }>];
}

const MIC_RATE = 16000;
/** Audio sent from before the gate opened, so the first syllable is whole. */
const GATE_PRE_ROLL_MS = 300;

/**
 * The satellite's main loop: microphone → wake word → stream to the hub while a session is
 * open → play the reply. Audio leaves the device only between a wake word and the hub's stop.
 */
export class Satellite extends EventEmitter<SatelliteEvents> {
  private readonly recent: AudioChunk[] = [];
  private streaming:
    { stream: number; sequence: number; startedAt: number; afterMs: number } | undefined;
  private streamId = 0;
  private muted = false;
  private volume = 100;
  private readonly playing = new Set<Promise<void>>();
  private reply:
    | { stream: number; rate: number; queue: AsyncQueue<AudioChunk>; sessionId: string | undefined }
    | undefined;
  private sessionOpen = false;
  private readonly abort = new AbortController();

  constructor(private readonly options: SatelliteOptions) {
    super();
    options.link.on('event', (e) => this.onHubEvent(e));
    options.link.on('audio', (frame) => {
      if (this.reply && frame.kind === 'tts' && frame.stream === this.reply.stream) {
        this.reply.queue.push({
          pcm: this.applyVolume(frame.pcm),
          rate: this.reply.rate,
          timestampMs: frame.timestampMs,
        });
      }
    });
    options.link.on('down', () => this.stopStreaming('hub link down'));
    options.leds.show('idle');
  }

  /** Runs until the audio source ends and the last session has finished; then stops. */
  async run(): Promise<void> {
    const audio = this.tap(this.options.source);
    const { wake } = this.options;
    if (wake === 'hub') await this.watchGate(audio);
    else await this.watchWake(wake, audio);
    this.stopStreaming('audio source ended');
    await this.waitForSession(20_000);
    await Promise.allSettled([...this.playing]);
  }

  stop(): void {
    this.abort.abort();
  }

  /**
   * Passes the microphone through to the wake engine, remembering and streaming each chunk on
   * the way. Pulled by the wake engine, so the pre-roll buffer never runs ahead of detection.
   */
  private async *tap(source: AsyncIterable<AudioChunk>): AsyncIterable<AudioChunk> {
    for await (const chunk of source) {
      if (this.abort.signal.aborted) return;
      this.remember(chunk);
      this.streamChunk(chunk);
      yield chunk;
    }
  }

  /** Nothing is streaming and no session is open: a wake-up may start. */
  private get idle(): boolean {
    return !this.muted && !this.streaming && !this.sessionOpen && this.options.link.ready;
  }

  private async watchWake(wake: WakeEngine, audio: AsyncIterable<AudioChunk>): Promise<void> {
    for await (const detection of wake.detect(audio, this.abort.signal)) {
      if (!this.idle) continue;
      this.options.log.info({ name: detection.name, score: detection.score }, 'wake word');
      this.emit('wake', detection);
      const { link } = this.options;
      link.send({ type: 'wake', name: detection.name, score: detection.score, timeMs: Date.now() });
      const afterMs = Math.max(0, detection.timestampMs - (this.options.preRollMs ?? 1500));
      const first = this.recent.find((c) => c.timestampMs >= afterMs);
      this.startStreaming(
        afterMs,
        Math.max(
          0,
          Math.round(detection.timestampMs - (first?.timestampMs ?? detection.timestampMs)),
        ),
      );
      this.sessionOpen = true;
      this.options.leds.show('listening');
    }
  }

  /** Hub-side wake word: stream whenever there is sound; the hub opens a session if it hears one. */
  private async watchGate(audio: AsyncIterable<AudioChunk>): Promise<void> {
    const gate = new SpeechGate(this.options.gate);
    for await (const chunk of audio) {
      const step = gate.push(chunk);
      // Not while a reply plays: the hub would only hear the satellite's own voice.
      if (step === 'open' && this.idle && this.playing.size === 0)
        this.startStreaming(Math.max(0, chunk.timestampMs - GATE_PRE_ROLL_MS));
      else if (step === 'close' && !this.sessionOpen) this.stopStreaming('silence');
    }
  }

  /** Opens a mic stream from stream time `afterMs` (replaying what is kept from then on). */
  private startStreaming(afterMs: number, preRollMs?: number): void {
    const { link } = this.options;
    const stream = (this.streamId = (this.streamId + 1) & 0xffff);
    link.send({
      type: 'audio-start',
      stream,
      kind: 'mic',
      rate: MIC_RATE,
      width: 2,
      channels: 1,
      ...(preRollMs === undefined ? {} : { preRollMs }),
    });
    this.streaming = { stream, sequence: 0, startedAt: Date.now(), afterMs };
    // Catch up from the pre-roll point: the wake engine may lag behind the microphone.
    for (const chunk of this.recent) this.streamChunk(chunk);
  }

  private streamChunk(chunk: AudioChunk): void {
    const s = this.streaming;
    if (!s || chunk.timestampMs < s.afterMs) return;
    s.afterMs = chunk.timestampMs + 1;
    this.options.link.sendAudio({
      kind: 'mic',
      stream: s.stream,
      sequence: s.sequence++,
      timestampMs: Math.round(chunk.timestampMs),
      pcm: chunk.pcm,
    });
    if (Date.now() - s.startedAt > (this.options.maxStreamMs ?? 15_000))
      this.stopStreaming('stream too long');
  }

  private stopStreaming(why: string): void {
    if (!this.streaming) return;
    this.options.log.debug({ why }, 'mic stream stopped');
    this.options.link.send({ type: 'audio-stop', stream: this.streaming.stream });
    this.streaming = undefined;
  }

  /** Keeps the last few seconds of audio for the pre-roll. */
  private remember(chunk: AudioChunk): void {
    this.recent.push(chunk);
    const keepFrom = chunk.timestampMs - 3000;
    while (this.recent.length > 0 && this.recent[0]!.timestampMs < keepFrom) this.recent.shift();
  }

  private onHubEvent(event: DownEvent): void {
    const { leds, log } = this.options;
    this.emit('event', event);
    switch (event.type) {
      case 'listening':
        if (event.active) {
          // With the wake word on the hub, this is how the satellite learns a session opened.
          this.sessionOpen = true;
          leds.show('listening');
        } else {
          this.stopStreaming('hub stopped listening');
          leds.show('thinking');
        }
        return;
      case 'audio-start':
        if (event.kind === 'tts') this.startReply(event.stream, event.rate, event.sessionId);
        return;
      case 'audio-stop':
        if (this.reply?.stream === event.stream) {
          this.reply.queue.end();
          this.reply = undefined;
        }
        return;
      case 'tts-start':
        leds.show('speaking');
        return;
      case 'session-end':
        this.stopStreaming('session ended');
        this.sessionOpen = false;
        if (this.options.wake !== 'hub') this.options.wake.reset();
        leds.show(this.muted ? 'muted' : 'idle');
        this.emit('session-end', event);
        return;
      case 'error':
        log.warn({ code: event.code, message: event.message }, 'hub reported an error');
        if (!event.sessionId && event.code === 'session-busy') this.stopStreaming('hub busy');
        return;
      case 'mute':
        this.muted = event.muted;
        if (this.muted) this.stopStreaming('muted');
        leds.show(this.muted ? 'muted' : 'idle');
        return;
      case 'set-volume':
        this.volume = event.volume;
        return;
      case 'config':
        log.info({ config: event }, 'config from hub (applies after restart)');
        return;
      case 'announce':
        // The audio follows on its own TTS stream; no session is opened for it.
        log.info({ reason: event.reason }, 'announcement');
        leds.show('speaking');
        return;
      case 'welcome':
      case 'transcript':
      case 'intent':
      case 'reply':
      case 'tts-stop':
      case 'ping':
      case 'pong':
        return;
    }
  }

  private startReply(stream: number, rate: number, sessionId: string | undefined): void {
    this.reply?.queue.end();
    const queue = new AsyncQueue<AudioChunk>();
    this.reply = { stream, rate, queue, sessionId };
    const p = this.options.sink
      .play(queue, this.abort.signal)
      .catch((err: Error) => this.options.log.error({ err: err.message }, 'playback failed'))
      .finally(() => {
        this.playing.delete(p);
        this.emit('played', sessionId);
      });
    this.playing.add(p);
  }

  private applyVolume(pcm: Int16Array): Int16Array {
    if (this.volume >= 100) return pcm;
    const gain = this.volume / 100;
    return pcm.map((s) => Math.round(s * gain));
  }

  private waitForSession(timeoutMs: number): Promise<void> {
    if (!this.sessionOpen) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.once('session-end', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
