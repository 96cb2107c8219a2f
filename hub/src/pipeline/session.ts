import { AsyncQueue, type DownEvent } from '@jarvis/protocol';
import type { Logger } from 'pino';
import type { DeviceRegistry } from '../devices/registry.js';
import type { AudioChunk, SttEngine, SttEvent, TtsEngine, VadEngine } from '../engines/types.js';
import { AppError, toAppError } from '../errors.js';
import { handleIntent, type IntentOutcome } from '../intents/handle.js';
import { normalise, type IntentMatch, type IntentMatcher } from '../intents/intents.js';
import type { HubMetrics, Stage } from '../metrics/metrics.js';
import type { MqttBus } from '../mqtt/bus.js';
import type { SatelliteRecord } from '../storage/satellites.js';
import type { SessionOutcome, SessionRecord, SessionTimings } from '../storage/sessions.js';
import { Timeline } from './timeline.js';

/** What a session needs from the hub; engines are shared, per-session state lives here. */
export interface SessionDeps {
  readonly stt: SttEngine;
  readonly tts: TtsEngine;
  readonly vad: VadEngine;
  readonly matcher: IntentMatcher;
  readonly devices: DeviceRegistry;
  readonly bus: MqttBus;
  readonly metrics: HubMetrics;
  readonly log: Logger;
  readonly noSpeechTimeoutMs: number;
  readonly maxUtteranceMs: number;
  readonly timeZone?: string | undefined;
  readonly now?: () => number;
}

/** How a session talks back to its satellite (WebSocket or MQTT). */
export interface SessionIo {
  send(event: DownEvent): void;
  /** Sends one chunk of reply audio on `stream`. */
  sendAudio(stream: number, chunk: AudioChunk): void;
  /** A fresh stream id for reply audio. */
  nextStream(): number;
}

export interface SessionStart {
  readonly id: string;
  readonly satellite: SatelliteRecord;
  readonly wake: { readonly name: string; readonly score: number };
  readonly io: SessionIo;
}

/**
 * One wake-up: VAD endpointing → STT → intent → action → reply → TTS.
 * Every stage stops when `cancel` is called; the record is produced whatever happens.
 */
export class VoiceSession {
  readonly id: string;
  readonly done: Promise<SessionRecord>;
  private readonly abort = new AbortController();
  private readonly vadIn = new AsyncQueue<AudioChunk>();
  private readonly sttIn = new AsyncQueue<AudioChunk>();
  private readonly timeline: Timeline;
  private readonly log: Logger;
  private speechStarted = false;
  /** Stream ms recorded before the wake word fired, as the satellite announced. */
  private preRollMs = 0;
  private utteranceEnded = false;
  private resolveEndpoint!: (
    reason: 'speech-end' | 'audio-stop' | 'no-speech' | 'too-long',
  ) => void;
  private readonly endpoint = new Promise<'speech-end' | 'audio-stop' | 'no-speech' | 'too-long'>(
    (r) => (this.resolveEndpoint = r),
  );

  constructor(
    private readonly deps: SessionDeps,
    private readonly start: SessionStart,
  ) {
    this.id = start.id;
    this.log = deps.log.child({ sessionId: start.id, satelliteId: start.satellite.id });
    this.timeline = new Timeline(deps.now ?? Date.now);
    this.done = this.run();
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Microphone audio from the satellite, in order. */
  pushAudio(chunk: AudioChunk): void {
    if (this.utteranceEnded) return;
    this.timeline.audioArrived(chunk);
    this.vadIn.push(chunk);
    this.sttIn.push(chunk);
  }

  /** The satellite's microphone stream began, `preRollMs` of it from before the wake word. */
  startAudio(preRollMs: number): void {
    this.preRollMs = preRollMs;
  }

  /** The satellite stopped streaming. */
  endAudio(): void {
    this.endUtterance('audio-stop');
  }

  cancel(reason: string): void {
    if (this.abort.signal.aborted) return;
    this.log.info({ reason }, 'session cancelled');
    this.abort.abort(new AppError('internal', `cancelled: ${reason}`));
    this.endUtterance('audio-stop');
  }

  private endUtterance(reason: 'speech-end' | 'audio-stop' | 'no-speech' | 'too-long'): void {
    if (this.utteranceEnded) return;
    this.utteranceEnded = true;
    this.timeline.mark('endpoint');
    this.vadIn.end();
    this.sttIn.end();
    this.resolveEndpoint(reason);
  }

  private async run(): Promise<SessionRecord> {
    const { io, satellite, wake } = this.start;
    const startedAt = new Date();
    const record: SessionRecord = {
      id: this.id,
      satelliteId: satellite.id,
      startedAt,
      endedAt: null,
      wakeWord: wake.name,
      wakeScore: wake.score,
      transcript: null,
      sttSource: null,
      intent: null,
      slots: null,
      action: null,
      reply: null,
      outcome: null,
      errorCode: null,
      timings: {},
    };
    const ctx = { signal: this.abort.signal, log: this.log, sessionId: this.id };
    let outcome: SessionOutcome = 'error';
    const noSpeech = setTimeout(() => {
      if (!this.speechStarted) this.endUtterance('no-speech');
    }, this.deps.noSpeechTimeoutMs);
    let tooLong: NodeJS.Timeout | undefined;
    try {
      io.send({ type: 'listening', sessionId: this.id, active: true });
      const vadDone = this.runVad(ctx, () => {
        tooLong ??= setTimeout(() => this.endUtterance('too-long'), this.deps.maxUtteranceMs);
      });
      const sttDone = this.runStt(ctx);
      // Awaited below unless the session ends first; then its failure must not go unhandled.
      sttDone.catch(() => undefined);
      const why = await this.endpoint;
      io.send({ type: 'listening', sessionId: this.id, active: false });
      await vadDone;
      if (this.abort.signal.aborted) throw this.abort.signal.reason;
      if (why === 'no-speech') {
        outcome = 'no-speech';
        return record;
      }
      const final = await sttDone;
      this.timeline.mark('stt');
      record.transcript = final.text;
      record.sttSource = final.source;
      this.log.debug({ transcript: final.text, source: final.source }, 'final transcript');
      // Nothing but the wake phrase: the user said "hey jarvis" and no more.
      if (normalise(final.text) === '') {
        outcome = 'no-speech';
        return record;
      }
      const match = this.deps.matcher.match(final.text);
      const result = handleIntent(match, {
        devices: this.deps.devices,
        satelliteRoom: satellite.room,
        now: new Date(),
        timeZone: this.deps.timeZone,
      });
      this.timeline.mark('intent');
      this.recordIntent(record, match, result);
      const reply = await this.act(result, record);
      this.timeline.mark('action');
      record.reply = reply;
      io.send({ type: 'reply', sessionId: this.id, text: reply });
      await this.speak(reply, ctx);
      outcome = record.outcome === 'error' ? 'error' : result.outcome;
      return record;
    } catch (err) {
      const e = toAppError(err);
      if (this.abort.signal.aborted) outcome = 'cancelled';
      else {
        record.errorCode = e.code;
        this.deps.metrics.error('session', e.code);
        this.log.error({ code: e.code, err: e.message }, 'session failed');
        io.send({ type: 'error', sessionId: this.id, ...e.toWire() });
      }
      return record;
    } finally {
      clearTimeout(noSpeech);
      clearTimeout(tooLong);
      this.endUtterance('audio-stop');
      if (!this.abort.signal.aborted) this.abort.abort(new AppError('internal', 'session ended'));
      record.outcome = outcome;
      record.endedAt = new Date();
      record.timings = this.finishTimings();
      this.deps.metrics.sessions.inc({ outcome });
      io.send({ type: 'session-end', sessionId: this.id, outcome });
      this.log.info({ outcome, timings: record.timings }, 'session ended');
    }
  }

  private async runVad(
    ctx: { signal: AbortSignal; log: Logger; sessionId: string },
    onSpeech: () => void,
  ): Promise<void> {
    try {
      for await (const ev of this.deps.vad.detect(this.vadIn, ctx)) {
        if (ev.type === 'speech-start' && !this.speechStarted) {
          this.speechStarted = true;
          onSpeech();
        } else if (
          ev.type === 'speech-end' &&
          this.speechStarted &&
          ev.timestampMs <= this.preRollMs
        ) {
          // Only the wake phrase (in the pre-roll) has ended: the request may follow a pause.
          this.speechStarted = false;
        } else if (ev.type === 'speech-end' && this.speechStarted) {
          this.timeline.speechEnded(ev.timestampMs);
          this.endUtterance('speech-end');
          break;
        }
      }
    } catch (err) {
      if (!ctx.signal.aborted) this.deps.metrics.error('vad', toAppError(err).code);
      this.endUtterance('audio-stop');
    }
  }

  private async runStt(ctx: {
    signal: AbortSignal;
    log: Logger;
    sessionId: string;
  }): Promise<Extract<SttEvent, { type: 'final' }>> {
    let final: Extract<SttEvent, { type: 'final' }> | undefined;
    try {
      for await (const ev of this.deps.stt.transcribe(this.sttIn, ctx)) {
        if (ev.type === 'partial') {
          this.start.io.send({
            type: 'transcript',
            sessionId: this.id,
            text: ev.text,
            final: false,
          });
        } else final = ev;
      }
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      throw new AppError('stt-failed', 'speech recognition failed', true, { cause: err });
    }
    if (!final) throw new AppError('stt-failed', 'speech recognition gave no result', true);
    this.start.io.send({ type: 'transcript', sessionId: this.id, text: final.text, final: true });
    return final;
  }

  private recordIntent(
    record: SessionRecord,
    match: IntentMatch | undefined,
    result: IntentOutcome,
  ): void {
    if (match) {
      record.intent = match.name;
      record.slots = { ...match.slots };
      this.start.io.send({
        type: 'intent',
        sessionId: this.id,
        name: match.name,
        slots: { ...match.slots },
      });
    }
    if (result.action)
      record.action = { topic: result.action.topic, payload: result.action.payload };
  }

  /** Publishes the device command; a broker failure becomes a spoken apology, not a silent error. */
  private async act(result: IntentOutcome, record: SessionRecord): Promise<string> {
    if (!result.action) return result.reply;
    try {
      await this.deps.bus.publish(result.action.topic, result.action.payload, { qos: 1 });
      this.log.info(
        { topic: result.action.topic, payload: result.action.payload },
        'device command published',
      );
      return result.reply;
    } catch (err) {
      record.outcome = 'error';
      record.errorCode = 'action-failed';
      this.deps.metrics.error('action', 'action-failed');
      this.log.warn({ err: (err as Error).message }, 'device command failed');
      return "Sorry, I couldn't reach that device.";
    }
  }

  private async speak(
    text: string,
    ctx: { signal: AbortSignal; log: Logger; sessionId: string },
  ): Promise<void> {
    const { io } = this.start;
    const stream = io.nextStream();
    const rate = this.deps.tts.sampleRate;
    io.send({ type: 'tts-start', sessionId: this.id, stream });
    io.send({
      type: 'audio-start',
      stream,
      kind: 'tts',
      rate,
      width: 2,
      channels: 1,
      sessionId: this.id,
    });
    this.timeline.mark('tts-start');
    let first = true;
    try {
      for await (const chunk of this.deps.tts.synthesize(once(text), ctx)) {
        if (first) {
          this.timeline.mark('first-audio');
          first = false;
        }
        io.sendAudio(stream, chunk);
      }
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      throw new AppError('tts-failed', 'speech synthesis failed', true, { cause: err });
    } finally {
      io.send({ type: 'audio-stop', stream });
      io.send({ type: 'tts-stop', sessionId: this.id, stream });
    }
  }

  private finishTimings(): SessionTimings {
    const t = this.timeline.timings();
    const observe: [Stage, number | undefined][] = [
      ['wake_to_stream', t.wakeToStreamMs],
      ['endpoint', t.endpointMs],
      ['stt', t.sttMs],
      ['intent', t.intentMs],
      ['action', t.actionMs],
      ['tts_first_audio', t.ttsFirstAudioMs],
      ['speech_end_to_first_audio', t.speechEndToFirstAudioMs],
    ];
    for (const [stage, ms] of observe) if (ms !== undefined) this.deps.metrics.observe(stage, ms);
    return t;
  }
}

async function* once(text: string): AsyncIterable<string> {
  yield text;
}
