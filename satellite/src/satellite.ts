import { EventEmitter } from 'node:events';
import { AsyncQueue, rmsDb, single, type AudioChunk, type DownEvent } from '@jarvis/protocol';
import type { Logger } from 'pino';
import { EchoGate, type EchoGateOptions } from './audio/echo-gate.js';
import type { AudioSink } from './audio/sinks.js';
import { errorTone } from './audio/tones.js';
import type { Leds } from './gpio/leds.js';
import type { SatelliteLink } from './link/link.js';
import type { WakeEngine } from '@jarvis/protocol';
import { SpeechGate, type SpeechGateOptions } from './wake/speech-gate.js';

export interface SatelliteOptions {
  readonly link: SatelliteLink;
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
  /** How the satellite keeps from hearing its own speaker (see EchoGate); false: it doesn't. */
  readonly echo?: EchoGateOptions | false;
}

export interface SatelliteEvents {
  wake: [detection: { name: string; score: number; timestampMs: number }];
  event: [event: DownEvent];
  /** A reply finished playing. */
  played: [sessionId: string | undefined];
  'session-end': [event: Extract<DownEvent, { type: 'session-end' }>];
  /** Another satellite answers this wake-up. */
  'stand-down': [];
  /** The user spoke the wake word over a reply: playback stopped. */
  'barge-in': [];
  /** The hub went away with a session open or a reply playing. */
  interrupted: [];
}

const MIC_RATE = 16000;
/** Audio sent from before the gate opened, so the first syllable is whole. */
const GATE_PRE_ROLL_MS = 300;
/** How long the LEDs flash when another satellite answers. */
const STAND_DOWN_FLASH_MS = 300;
/** How long the error light stays on after the hub went away mid-answer. */
const ERROR_LIGHT_MS = 2000;

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
  /** Stops whatever is playing now (a barge-in), without stopping the satellite. */
  private playback = new AbortController();
  private sessionOpen = false;
  /** The open session's id, once the hub has named it. */
  private sessionId: string | undefined;
  /** Sessions this satellite walked away from (barge-in, stand-down): their events are stale. */
  private readonly stale = new Set<string>();
  /** The hub asked a question: listen on for this long once the reply has played. */
  private followUpMs: number | undefined;
  private readonly echo: EchoGate | undefined;
  private micEpoch: number | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly options: SatelliteOptions) {
    super();
    this.echo = options.echo === false ? undefined : new EchoGate(options.echo);
    options.link.on('event', (e) => this.onHubEvent(e));
    options.link.on('audio', (frame) => {
      if (this.reply && frame.kind === 'tts' && frame.stream === this.reply.stream) {
        const pcm = this.applyVolume(frame.pcm);
        this.echo?.played(pcm, this.reply.rate);
        this.reply.queue.push({ pcm, rate: this.reply.rate, timestampMs: frame.timestampMs });
      }
    });
    options.link.on('down', () => this.linkLost());
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
    for await (const input of source) {
      if (this.abort.signal.aborted) return;
      // The wall time of stream time 0, from the chunk that came soonest after its capture.
      const epoch = Date.now() - input.timestampMs - (input.pcm.length * 1000) / input.rate;
      this.micEpoch = Math.min(this.micEpoch ?? epoch, epoch);
      // Neither the wake word engine nor the hub should hear the satellite's own voice.
      const chunk = this.echo?.filter(input) ?? input;
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
      // "Hey Jarvis, stop" over a reply: the reply stops now and a new session starts.
      let barged = false;
      if (this.speaking && !this.muted && !this.streaming && this.options.link.ready) {
        this.bargeIn();
        barged = true;
      }
      if (!this.idle) continue;
      this.options.log.info({ name: detection.name, score: detection.score }, 'wake word');
      this.emit('wake', detection);
      const { link } = this.options;
      const heard = this.recent.filter(
        (c) =>
          c.timestampMs >= detection.timestampMs - 1000 && c.timestampMs < detection.timestampMs,
      );
      link.send({
        type: 'wake',
        name: detection.name,
        score: detection.score,
        // When the words were heard, which the hub compares across satellites: detection
        // itself may lag behind on a busy CPU.
        timeMs: Math.min(Date.now(), Math.round((this.micEpoch ?? 0) + detection.timestampMs)),
        energyDb: rmsDb(heard.map((c) => c.pcm)),
      });
      // Over a reply, what came before the wake word is the reply's own echo, more or less
      // cancelled: the hub hears only what follows.
      const preRollMs = barged ? 0 : (this.options.preRollMs ?? 1500);
      const afterMs = Math.max(0, detection.timestampMs - preRollMs);
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

  /** A reply or an announcement is playing. */
  private get speaking(): boolean {
    return this.playing.size > 0 || this.reply !== undefined;
  }

  /** Stops the reply at once and walks away from its session; the wake-up goes on as usual. */
  private bargeIn(): void {
    this.options.log.info({ sessionId: this.sessionId }, 'barge-in: reply stopped');
    this.stopPlayback();
    this.leaveSession();
    this.emit('barge-in');
  }

  /** Forgets the open session (cancelling it on the hub); its later events are ignored. */
  private leaveSession(cancel = true): void {
    if (this.sessionOpen && this.sessionId) {
      if (cancel) this.options.link.send({ type: 'cancel', sessionId: this.sessionId });
      this.stale.add(this.sessionId);
    }
    this.stopStreaming('session left');
    this.sessionOpen = false;
    this.sessionId = undefined;
    this.followUpMs = undefined;
    if (this.options.wake !== 'hub') this.options.wake.reset();
  }

  private stopPlayback(): void {
    this.reply?.queue.end();
    this.reply = undefined;
    this.playback.abort();
    this.playback = new AbortController();
    this.echo?.stopped();
  }

  /** The hub went away: a session in flight ends here, with the error light and tone. */
  private linkLost(): void {
    this.stopStreaming('hub link down');
    const busy = this.sessionOpen || this.speaking;
    this.sessionOpen = false;
    this.sessionId = undefined;
    this.followUpMs = undefined;
    if (!busy) return;
    this.options.log.warn('hub link lost during a session');
    this.stopPlayback();
    if (this.options.wake !== 'hub') this.options.wake.reset();
    const { leds } = this.options;
    leds.show('error');
    this.play(single({ pcm: errorTone(MIC_RATE), rate: MIC_RATE, timestampMs: 0 }), undefined);
    setTimeout(() => {
      if (!this.sessionOpen && !this.speaking) leds.show(this.muted ? 'muted' : 'idle');
    }, ERROR_LIGHT_MS).unref();
    this.emit('interrupted');
  }

  /** After a question, listen for the answer without the wake word once the reply has played. */
  private listenOn(): void {
    if (this.followUpMs === undefined || this.speaking || !this.idle) return;
    this.followUpMs = undefined;
    const { link } = this.options;
    link.send({ type: 'wake', name: 'follow-up', score: 1, timeMs: Date.now(), followUp: true });
    const last = this.recent.at(-1);
    this.startStreaming(last ? last.timestampMs + 1 : 0, 0);
    this.sessionOpen = true;
    this.options.leds.show('listening');
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
    if ('sessionId' in event && event.sessionId !== undefined && this.stale.has(event.sessionId)) {
      if (event.type === 'session-end') this.stale.delete(event.sessionId);
      return;
    }
    switch (event.type) {
      case 'listening':
        if (event.active) {
          // With the wake word on the hub, this is how the satellite learns a session opened.
          this.sessionOpen = true;
          this.sessionId = event.sessionId;
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
        this.sessionId = undefined;
        if (this.options.wake !== 'hub') this.options.wake.reset();
        leds.show(this.muted ? 'muted' : 'idle');
        this.followUpMs = event.followUpMs;
        this.emit('session-end', event);
        this.listenOn();
        return;
      case 'stand-down':
        log.info('another satellite answers');
        this.leaveSession(false);
        if (event.sessionId) this.stale.add(event.sessionId);
        leds.show('wake');
        setTimeout(() => {
          if (this.idle) leds.show('idle');
        }, STAND_DOWN_FLASH_MS).unref();
        this.emit('stand-down');
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
    this.play(queue, sessionId);
  }

  private play(audio: AsyncIterable<AudioChunk>, sessionId: string | undefined): void {
    const signal = AbortSignal.any([this.abort.signal, this.playback.signal]);
    const p = this.options.sink
      .play(audio, signal)
      .catch((err: Error) => this.options.log.error({ err: err.message }, 'playback failed'))
      .finally(() => {
        this.playing.delete(p);
        this.emit('played', sessionId);
        this.listenOn();
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
      const done = () => {
        clearTimeout(t);
        this.off('session-end', done);
        this.off('interrupted', done);
        this.off('stand-down', done);
        resolve();
      };
      const t = setTimeout(done, timeoutMs);
      this.on('session-end', done);
      this.on('interrupted', done);
      this.on('stand-down', done);
    });
  }
}
