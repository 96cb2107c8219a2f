import { AsyncQueue, MAX_SLOT_VALUE_CHARS, single, type DownEvent } from '@jarvis/protocol';
import type { Logger } from 'pino';
import type { DeviceRegistry } from '../devices/registry.js';
import type {
  AudioChunk,
  EngineContext,
  EngineFallback,
  SttEngine,
  SttEvent,
  TtsEngine,
  VadEngine,
} from '../engines/types.js';
import { AppError, toAppError } from '../errors.js';
import { handleIntent, type IntentOutcome, type TimerRequest } from '../intents/handle.js';
import { normalise, type IntentMatch, type IntentMatcher } from '../intents/intents.js';
import { REPLIES } from '../intents/replies.js';
import type { Announcer } from '../announcements/announcements.js';
import type { HubMetrics, Stage } from '../metrics/metrics.js';
import type { MqttBus } from '../mqtt/bus.js';
import type { SatelliteRecord } from '../storage/satellites.js';
import type { SessionOutcome, SessionRecord, SessionTimings } from '../storage/sessions.js';
import type { ConversationActions, Conversations } from './conversation.js';
import { Endpoint, type EndpointPolicy, type EndpointStep } from './endpoint.js';
import type { AuditLog } from '../audit/audit-log.js';
import { freeFormReply, type MemoryService } from './free-form.js';
import { recallReply, rememberReply } from '../memory/utterance.js';
import { RateConformer } from './speech-out.js';
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
  /** After a question, how long the satellite listens on without the wake word (0: never). */
  readonly followUpMs?: number;
  /** The command each satellite's last question was about, for the answer that follows. */
  readonly questions?: Map<string, string>;
  readonly endpointing: EndpointPolicy;
  /** Remember/recall; absent, such requests go to the language model (or get an apology). */
  readonly memory?: MemoryService | undefined;
  /** The language model's conversations; absent, free-form requests get an honest apology. */
  readonly conversations?: Conversations | undefined;
  /** Each satellite's last spoken reply, for "repeat that". */
  readonly lastReplies?: Map<string, string>;
  /** Each satellite's speaker volume as the hub last set it (100 when never set). */
  readonly volumes?: Map<string, number>;
  /** Sets, cancels and reports timers; absent, timer requests get an apology. */
  readonly timers?: { handle(request: TimerRequest, satelliteId: string): Promise<string> };
  /** Speaks "tell the kitchen …" requests on other satellites; absent, they get an apology. */
  readonly announcer?: Pick<Announcer, 'targets' | 'announceTo'> | undefined;
  readonly timeZone?: string | undefined;
  /** Where device commands are recorded. */
  readonly audit?: AuditLog | undefined;
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
  /** Opened without a wake word, to hear the answer to the previous session's question. */
  readonly followUp?: boolean;
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
  /** Stream time of the first chunk: a hub-side wake-up starts mid-stream. */
  private streamBaseMs: number | undefined;
  /** Stream ms recorded before the wake word fired, as the satellite announced. */
  private preRollMs = 0;
  private readonly endpointer: Endpoint;
  private onFirstSpeech: () => void = () => undefined;
  private cancelCode: string | undefined;
  private lostFrames = 0;
  /** The reply asked a question: the satellite listens on for the answer. */
  private asked = false;
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
    this.endpointer = new Endpoint(
      deps.endpointing,
      (text) => deps.matcher.match(text) !== undefined,
      () => this.preRollMs,
    );
    this.done = this.run();
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Microphone audio from the satellite, in order. Session time starts at its first chunk. */
  pushAudio(input: AudioChunk): void {
    if (this.utteranceEnded) return;
    this.streamBaseMs ??= input.timestampMs;
    const chunk =
      this.streamBaseMs === 0
        ? input
        : { ...input, timestampMs: input.timestampMs - this.streamBaseMs };
    this.timeline.audioArrived(chunk);
    this.vadIn.push(chunk);
    this.sttIn.push(chunk);
    this.step(
      this.endpointer.audioUntil(chunk.timestampMs + (chunk.pcm.length * 1000) / chunk.rate),
    );
  }

  /** Acts on what the endpointer decided. */
  private step(step: EndpointStep): void {
    if (step === 'first-speech') this.onFirstSpeech();
    else if (step === 'end') {
      this.timeline.speechEnded(this.endpointer.speechEndMs ?? 0);
      this.endUtterance('speech-end');
    }
  }

  /** The satellite's microphone stream began, `preRollMs` of it from before the wake word. */
  startAudio(preRollMs: number): void {
    this.preRollMs = preRollMs;
  }

  /** Microphone frames lost on the way to the hub during this session (kept in its record). */
  countLostFrames(frames: number): void {
    this.lostFrames += frames;
  }

  /** The satellite stopped streaming. */
  endAudio(): void {
    this.endUtterance('audio-stop');
  }

  /** Stops every stage; `code` is recorded (e.g. `stood-down` when another satellite answers). */
  cancel(reason: string, code?: string): void {
    if (this.abort.signal.aborted) return;
    this.log.info({ reason }, 'session cancelled');
    this.cancelCode = code;
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
      engines: {},
      audioFramesLost: 0,
    };
    const fallbacks: EngineFallback[] = [];
    const ctx: EngineContext = {
      signal: this.abort.signal,
      log: this.log,
      sessionId: this.id,
      onFallback: (f) => fallbacks.push(f),
    };
    let outcome: SessionOutcome = 'error';
    const followUpMs = this.deps.followUpMs ?? 0;
    const question = this.deps.questions?.get(satellite.id);
    this.deps.questions?.delete(satellite.id);
    const noSpeech = setTimeout(
      () => {
        if (!this.endpointer.speechStarted) this.endUtterance('no-speech');
      },
      this.start.followUp && followUpMs > 0 ? followUpMs : this.deps.noSpeechTimeoutMs,
    );
    let tooLong: NodeJS.Timeout | undefined;
    try {
      io.send({ type: 'listening', sessionId: this.id, active: true });
      this.onFirstSpeech = () => {
        tooLong ??= setTimeout(() => this.endUtterance('too-long'), this.deps.maxUtteranceMs);
      };
      const vadDone = this.runVad(ctx);
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
      record.engines.stt = final.engine ?? this.deps.stt.id;
      this.log.debug({ transcript: final.text, source: final.source }, 'final transcript');
      // Nothing but the wake phrase: the user said "hey jarvis" and no more.
      if (normalise(final.text, this.deps.matcher.language) === '') {
        outcome = 'no-speech';
        return record;
      }
      // An answer to "which light?" makes sense with the question's command before it.
      const match =
        this.deps.matcher.match(final.text) ??
        (this.start.followUp && question
          ? this.deps.matcher.match(`${question} ${final.text}`)
          : undefined);
      const result = handleIntent(match, {
        devices: this.deps.devices,
        satelliteRoom: satellite.room,
        now: new Date(),
        timeZone: this.deps.timeZone,
        language: this.deps.matcher.language,
      });
      this.timeline.mark('intent');
      this.recordIntent(record, match, result);
      if (!match) {
        // Outside the templates: semantic memory, then the language model, if there are any.
        const free = await freeFormReply(
          final.text,
          { ...this.deps, language: this.deps.matcher.language },
          satellite,
          this.actions(record, ctx),
          ctx,
        );
        this.timeline.mark('action');
        record.intent = free.via === 'none' ? null : free.via;
        const spoken = await this.speak(free.reply, ctx);
        record.reply = spoken.text;
        record.engines.tts = spoken.engine;
        this.deps.lastReplies?.set(satellite.id, spoken.text);
        this.askedIf(spoken.text, final.text);
        outcome =
          record.outcome === 'error' ? 'error' : free.via === 'none' ? 'not-understood' : 'ok';
        return record;
      }
      const reply = await this.act(result, record);
      this.timeline.mark('action');
      if (reply === '') {
        // "Stop": nothing to say.
        outcome = 'ok';
        return record;
      }
      const spoken = await this.speak(reply, ctx);
      record.reply = spoken.text;
      record.engines.tts = spoken.engine;
      this.deps.lastReplies?.set(satellite.id, spoken.text);
      this.askedIf(spoken.text, final.text);
      outcome = record.outcome === 'error' ? 'error' : result.outcome;
      return record;
    } catch (err) {
      const e = toAppError(err);
      if (this.abort.signal.aborted) {
        outcome = 'cancelled';
        if (this.cancelCode) record.errorCode = this.cancelCode;
      } else {
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
      record.audioFramesLost = this.lostFrames;
      if (fallbacks.length > 0) record.engines.fallbacks = fallbacks;
      this.deps.metrics.sessions.inc({ outcome });
      const listenOn = this.asked && outcome !== 'cancelled' && followUpMs > 0;
      io.send({
        type: 'session-end',
        sessionId: this.id,
        outcome,
        ...(listenOn ? { followUpMs } : {}),
      });
      this.log.info({ outcome, timings: record.timings }, 'session ended');
    }
  }

  /** A reply that ends in a question opens the way for an answer without the wake word. */
  private askedIf(reply: string, transcript: string): void {
    if (!/[?？]\s*$/.test(reply) || (this.deps.followUpMs ?? 0) <= 0) return;
    this.asked = true;
    this.deps.questions?.set(this.start.satellite.id, transcript);
  }

  private async runVad(ctx: {
    signal: AbortSignal;
    log: Logger;
    sessionId: string;
  }): Promise<void> {
    try {
      for await (const ev of this.deps.vad.detect(this.vadIn, ctx)) {
        this.step(this.endpointer.vad(ev));
        if (this.utteranceEnded) break;
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
          this.step(this.endpointer.partialTranscript(ev.text));
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
      // The wire caps a slot's length; free text (an announcement) may be longer.
      const slots = Object.fromEntries(
        Object.entries(match.slots).map(([k, v]) => [
          k,
          typeof v === 'string' ? v.slice(0, MAX_SLOT_VALUE_CHARS) : v,
        ]),
      );
      this.start.io.send({ type: 'intent', sessionId: this.id, name: match.name, slots });
    }
    if (result.action)
      record.action = { topic: result.action.topic, payload: result.action.payload };
  }

  /** Publishes the device command; a broker failure becomes a spoken apology, not a silent error. */
  private async act(result: IntentOutcome, record: SessionRecord): Promise<string> {
    const satelliteId = this.start.satellite.id;
    if (result.repeat)
      return this.deps.lastReplies?.get(satelliteId) ?? "I haven't said anything yet.";
    if (result.satellite?.kind === 'mute') this.start.io.send({ type: 'mute', muted: true });
    if (result.satellite?.kind === 'volume') {
      const volumes = this.deps.volumes;
      const now = volumes?.get(satelliteId) ?? 100;
      const { change } = result.satellite;
      const volume =
        change === 'up'
          ? Math.min(100, now + 20)
          : change === 'down'
            ? Math.max(10, now - 20)
            : change;
      volumes?.set(satelliteId, volume);
      this.start.io.send({ type: 'set-volume', volume });
    }
    if (result.announce) {
      const { text, room } = result.announce;
      const targets = (this.deps.announcer?.targets({ room }) ?? []).filter(
        (t) => t.satellite.id !== satelliteId,
      );
      if (targets.length === 0) return REPLIES[this.deps.matcher.language].noListener(room);
      // Not awaited: the asker hears the confirmation while the others hear the message.
      void this.deps.announcer?.announceTo(targets, text);
      return result.reply;
    }
    if (result.timer) {
      if (!this.deps.timers) return REPLIES[this.deps.matcher.language].timersUnavailable;
      try {
        return await this.deps.timers.handle(result.timer, this.start.satellite.id);
      } catch (err) {
        record.outcome = 'error';
        record.errorCode = 'storage-failed';
        this.log.warn({ err: (err as Error).message }, 'timer request failed');
        return REPLIES[this.deps.matcher.language].timerFailed;
      }
    }
    if (!result.action) return result.reply;
    try {
      await this.deps.bus.publish(result.action.topic, result.action.payload, { qos: 1 });
      this.log.info(
        { topic: result.action.topic, payload: result.action.payload },
        'device command published',
      );
      this.auditCommand(result.action, 'ok');
      return result.reply;
    } catch (err) {
      this.auditCommand(result.action, 'failed');
      record.outcome = 'error';
      record.errorCode = 'action-failed';
      this.deps.metrics.error('action', 'action-failed');
      this.log.warn({ err: (err as Error).message }, 'device command failed');
      return "Sorry, I couldn't reach that device.";
    }
  }

  /** What the language model may do: the same device and timer actions as the fast path. */
  /** Device commands go to the audit log, not awaited: the reply should not wait on it. */
  private auditCommand(action: { topic: string; payload: string }, outcome: 'ok' | 'failed'): void {
    void this.deps.audit?.record({
      action: 'device-command',
      outcome,
      actor: `satellite:${this.start.satellite.id}`,
      target: action.topic,
      details: { payload: action.payload.slice(0, 200), session: this.id },
    });
  }

  /** What the language model's tools act through: the fast path's intents, and memory. */
  private actions(record: SessionRecord, ctx: EngineContext): ConversationActions {
    const { satellite } = this.start;
    const language = this.deps.matcher.language;
    const memory = this.deps.memory;
    return {
      intent: async (match) => {
        const result = handleIntent(match, {
          devices: this.deps.devices,
          satelliteRoom: satellite.room,
          now: new Date(),
          timeZone: this.deps.timeZone,
          language,
        });
        if (result.action)
          record.action = { topic: result.action.topic, payload: result.action.payload };
        return (await this.act(result, record)) || result.reply;
      },
      ...(memory
        ? {
            remember: async (fact: string) => {
              const kept = await memory.remember(fact, { ...ctx, satelliteId: satellite.id });
              return rememberReply(kept.text, language);
            },
            recall: async (question: string) => {
              const found = await memory.recall(question, ctx);
              return found ? recallReply(found.text, language) : 'nothing remembered about that';
            },
          }
        : {}),
    };
  }

  /**
   * Streams the spoken reply (one text, or sentences as they come, each also sent as a `reply`
   * event); returns what was said and the engine that said it (the last, after fallbacks).
   */
  private async speak(
    reply: string | AsyncIterable<string>,
    ctx: EngineContext,
  ): Promise<{ text: string; engine: string }> {
    const { io } = this.start;
    const said: string[] = [];
    const sessionId = this.id;
    async function* pieces(): AsyncIterable<string> {
      for await (const piece of typeof reply === 'string' ? single(reply) : reply) {
        said.push(piece);
        io.send({ type: 'reply', sessionId, text: piece });
        yield piece;
      }
    }
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
    let engine = this.deps.tts.id;
    const out = new RateConformer(rate);
    const speakCtx: EngineContext = {
      ...ctx,
      onFallback: (f) => {
        engine = f.to;
        ctx.onFallback?.(f);
      },
    };
    try {
      for await (const chunk of this.deps.tts.synthesize(pieces(), speakCtx)) {
        if (first) {
          this.timeline.mark('first-audio');
          first = false;
        }
        io.sendAudio(stream, out.conform(chunk));
      }
      return { text: said.join(' '), engine };
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
