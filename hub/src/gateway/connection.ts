import { randomUUID } from 'node:crypto';
import {
  decodeAudioFrame,
  decodeUpEvent,
  encodeAudioFrame,
  encodeEvent,
  negotiateVersion,
  ProtocolError,
  type DownEvent,
  type AudioFrame,
  type UpEvent,
  type WakeEvent,
} from '@jarvis/protocol';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { AudioChunk } from '../engines/types.js';
import type { SatelliteRecord } from '../storage/satellites.js';
import type { SessionIo } from '../pipeline/session.js';
import type { HubMetrics } from '../metrics/metrics.js';
import { ReorderBuffer } from './reorder.js';
import { MicStreamStats } from './stream-stats.js';

/** WebSocket close codes this gateway uses (RFC 6455 §7.4 plus the private 4000 range). */
export const CLOSE = {
  policy: 1008,
  tooBig: 1009,
  replaced: 4000,
  unsupportedVersion: 4001,
  helloTimeout: 4002,
  /** Revoked by an admin: the satellite should not reconnect with this key. */
  revoked: 4003,
} as const;

/**
 * How one satellite's messages travel: a WebSocket ({@link webSocketTransport}) or its MQTT
 * topics (mqtt-gateway.ts). Text is a JSON event, bytes an audio frame, both ways.
 */
export interface SatelliteTransport {
  /** 'websocket' or 'mqtt', for logs and the dashboard. */
  readonly kind: 'websocket' | 'mqtt';
  readonly open: boolean;
  send(data: string | Uint8Array): void;
  /** Ends the link with one of {@link CLOSE}'s codes; `closed` follows. */
  close(code: number, reason: string): void;
  /** Called once by the connection: where inbound messages and the end of the link go. */
  attach(handlers: { message(bytes: Uint8Array, isBinary: boolean): void; closed(): void }): void;
}

/** A WebSocket from the `/v1/satellite` route as a {@link SatelliteTransport}. */
export function webSocketTransport(ws: WebSocket, log?: Logger): SatelliteTransport {
  return {
    kind: 'websocket',
    get open() {
      return ws.readyState === ws.OPEN;
    },
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code, reason),
    attach(handlers) {
      ws.on('message', (data, isBinary) => handlers.message(toBytes(data), isBinary));
      ws.on('close', () => handlers.closed());
      ws.on('error', (err) => log?.warn({ err: err.message }, 'websocket error'));
    },
  };
}

/** Only 16 kHz mono s16 microphone audio is accepted: what the VAD and STT engines take. */
const MIC_RATE = 16000;
/** More messages than this per second means a broken or hostile peer. */
const MAX_MESSAGES_PER_S = 200;
/**
 * Audio frames may come in a burst after the hub itself stalled (the satellite kept
 * streaming in real time meanwhile): up to this many beyond the rate before it counts as a
 * flood — about 20 s of 20 ms frames.
 */
const AUDIO_BURST_FRAMES = 1000;
const HELLO_TIMEOUT_MS = 10_000;

export interface ConnectionHooks {
  readonly hubId: string;
  readonly log: Logger;
  /**
   * Microphone transport counters; none in tests that do not look. `audioFramesMissing` counts
   * the sequence gaps the reorder buffer gave up on.
   */
  readonly metrics?: Pick<HubMetrics, 'audioFrames' | 'audioFramesMissing' | 'audioFrameLag'>;
  /** A wake word was heard: open a session (or refuse with an AppError-like throw). */
  /** `heardAt`: when the satellite heard the wake phrase, by its clock. */
  onWake(
    conn: SatelliteConnection,
    wake: Omit<WakeEvent, 'type' | 'timeMs'> & { heardAt: number },
  ): void;
  onAudioStart(conn: SatelliteConnection, preRollMs: number): void;
  onAudio(conn: SatelliteConnection, chunk: AudioChunk): void;
  onAudioStop(conn: SatelliteConnection): void;
  /** Microphone frames lost on the way (sequence gaps given up on). */
  onAudioGap?(conn: SatelliteConnection, frames: number): void;
  onCancel(conn: SatelliteConnection): void;
  onReady(conn: SatelliteConnection): void;
  onClose(conn: SatelliteConnection): void;
}

/**
 * One authenticated satellite, over a WebSocket or MQTT alike: validates every frame, answers
 * hello/ping, tracks the microphone stream (frames put back in sequence order, duplicates
 * dropped, gaps counted), and carries a session's replies back.
 */
export class SatelliteConnection implements SessionIo {
  readonly connectionId = randomUUID();
  sessionId: string | undefined;
  /** The satellite asked the hub to listen for its wake word (hello capability). */
  wakeOnHub = false;
  /** What its hello said about it, for the dashboard. */
  about: { software: string | null; wakeWords: readonly string[]; leds: boolean } | undefined;
  private version: number | undefined;
  private mic:
    | {
        stream: number;
        samples: number;
        stats: MicStreamStats;
        reorder: ReorderBuffer<AudioFrame>;
      }
    | undefined;
  /** Frames that came before their stream's `audio-start` (MQTT only; see holdEarly). */
  private early: { stream: number; since: number; frames: AudioFrame[] } | undefined;
  /** Microphone frames never received on this connection (sequence gaps), all streams. */
  audioGaps = 0;
  private ttsStream = 0;
  private ttsSequence = 0;
  private windowStart = Date.now();
  private windowCount = 0;
  private audioTokens = AUDIO_BURST_FRAMES;
  private audioRefilledAt = Date.now();
  /** Closed for a flood: what is still queued on the socket is not looked at. */
  private closing = false;
  private readonly helloTimer: NodeJS.Timeout;
  private readonly log: Logger;

  constructor(
    /** Replaced when an admin renames or moves the satellite. */
    public satellite: SatelliteRecord,
    private readonly transport: SatelliteTransport,
    private readonly hooks: ConnectionHooks,
  ) {
    this.log = hooks.log.child({
      satelliteId: satellite.id,
      connectionId: this.connectionId,
      transport: transport.kind,
    });
    this.helloTimer = setTimeout(
      () => this.close(CLOSE.helloTimeout, 'no hello'),
      HELLO_TIMEOUT_MS,
    );
    transport.attach({
      message: (bytes, isBinary) => this.onMessage(bytes, isBinary),
      closed: () => {
        clearTimeout(this.helloTimer);
        if (this.mic) this.endMic();
        hooks.onClose(this);
      },
    });
  }

  /** 'websocket' or 'mqtt'. */
  get transportKind(): SatelliteTransport['kind'] {
    return this.transport.kind;
  }

  /** Hands an inbound message to the connection (tests drive it this way too). */
  receive(bytes: Uint8Array, isBinary: boolean): void {
    this.onMessage(bytes, isBinary);
  }

  get ready(): boolean {
    return this.version !== undefined;
  }

  send(event: DownEvent): void {
    if (this.transport.open) this.transport.send(encodeEvent(event));
  }

  nextStream(): number {
    this.ttsStream = (this.ttsStream + 1) & 0xffff;
    this.ttsSequence = 0;
    return this.ttsStream;
  }

  sendAudio(stream: number, chunk: AudioChunk): void {
    if (!this.transport.open) return;
    const frame = encodeAudioFrame({
      kind: 'tts',
      stream,
      sequence: this.ttsSequence++,
      timestampMs: Math.round(chunk.timestampMs),
      pcm: chunk.pcm,
    });
    this.transport.send(frame);
  }

  /** Sends a coded error; the connection stays open. */
  sendError(code: string, message: string, retryable = false, sessionId?: string): void {
    this.send({ type: 'error', code, message, retryable, ...(sessionId ? { sessionId } : {}) });
  }

  close(code: number, reason: string): void {
    this.log.info({ code, reason }, 'closing satellite connection');
    this.transport.close(code, reason);
  }

  private onMessage(bytes: Uint8Array, isBinary: boolean): void {
    if (this.closing) return;
    if (isBinary ? this.audioFlooding() : this.flooding()) {
      this.closing = true;
      this.close(CLOSE.policy, 'message rate exceeded');
      return;
    }
    try {
      if (isBinary) this.onAudioFrame(bytes);
      else this.onEvent(decodeUpEvent(bytes));
    } catch (err) {
      if (err instanceof ProtocolError) {
        this.log.warn({ code: err.code, err: err.message }, 'invalid message from satellite');
        this.sendError(err.code, err.message);
      } else {
        this.log.error({ err: (err as Error).message }, 'gateway handler failed');
        this.sendError('internal', 'internal error', true);
      }
    }
  }

  /** A token bucket: the real-time rate with room for a backlog, not a fixed window. */
  private audioFlooding(): boolean {
    const now = Date.now();
    this.audioTokens = Math.min(
      AUDIO_BURST_FRAMES,
      this.audioTokens + ((now - this.audioRefilledAt) * MAX_MESSAGES_PER_S) / 1000,
    );
    this.audioRefilledAt = now;
    return --this.audioTokens < 0;
  }

  private flooding(): boolean {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    return ++this.windowCount > MAX_MESSAGES_PER_S;
  }

  private onEvent(event: UpEvent): void {
    if (!this.ready && event.type !== 'hello') {
      this.sendError('hello-required', `send hello before ${event.type}`);
      return;
    }
    switch (event.type) {
      case 'hello': {
        if (event.satelliteId !== this.satellite.id) {
          this.sendError('auth-invalid', 'hello names a different satellite than the token');
          this.close(CLOSE.policy, 'identity mismatch');
          return;
        }
        const version = negotiateVersion(event.versions);
        if (version === null) {
          this.sendError(
            'unsupported-version',
            `no common protocol version in [${event.versions.join(', ')}]`,
          );
          this.close(CLOSE.unsupportedVersion, 'unsupported protocol version');
          return;
        }
        clearTimeout(this.helloTimer);
        this.version = version;
        this.wakeOnHub = event.capabilities.wakeOnHub === true;
        this.about = {
          software: event.software ?? null,
          wakeWords: event.capabilities.wakeWords,
          leds: event.capabilities.leds,
        };
        this.send({
          type: 'welcome',
          version,
          hubId: this.hooks.hubId,
          satellite: {
            id: this.satellite.id,
            name: this.satellite.name,
            room: this.satellite.room,
          },
        });
        this.hooks.onReady(this);
        return;
      }
      case 'wake':
        this.hooks.onWake(this, {
          name: event.name,
          score: event.score,
          heardAt: event.timeMs,
          ...(event.energyDb === undefined ? {} : { energyDb: event.energyDb }),
          ...(event.followUp === undefined ? {} : { followUp: event.followUp }),
        });
        return;
      case 'audio-start':
        if (event.kind !== 'mic') {
          this.sendError('bad-audio-format', 'satellites send only mic audio');
        } else if (event.rate !== MIC_RATE || event.channels !== 1) {
          this.sendError('bad-audio-format', `mic audio must be ${MIC_RATE} Hz mono s16`);
        } else {
          if (this.mic) this.endMic();
          this.mic = {
            stream: event.stream,
            samples: 0,
            stats: new MicStreamStats(),
            reorder: new ReorderBuffer<AudioFrame>(),
          };
          this.hooks.onAudioStart(this, event.preRollMs ?? 0);
          const early = this.early?.stream === event.stream ? this.early.frames : [];
          this.early = undefined;
          for (const frame of early) this.onAudioFrame(frame);
        }
        return;
      case 'audio-stop':
        if (this.mic?.stream === event.stream) {
          // Frames still held for a gap that never filled: the stream is over, so in they go.
          const missingBefore = this.mic.reorder.counts.missing;
          for (const frame of this.mic.reorder.flush()) this.useFrame(frame);
          this.reportGaps(this.mic.reorder.counts.missing - missingBefore);
          this.endMic();
          this.hooks.onAudioStop(this);
        }
        return;
      case 'ping':
        this.send({ type: 'pong', id: event.id, timeMs: Date.now() });
        return;
      case 'pong':
        return;
      case 'cancel':
        this.hooks.onCancel(this);
        return;
      case 'error':
        this.log.warn({ code: event.code, message: event.message }, 'satellite reported an error');
        return;
    }
  }

  private onAudioFrame(data: Uint8Array | AudioFrame): void {
    const frame = data instanceof Uint8Array ? decodeAudioFrame(data) : data;
    if (!this.ready) {
      this.sendError('hello-required', 'send hello before audio');
      return;
    }
    if (frame.kind !== 'mic' || !this.mic || frame.stream !== this.mic.stream) {
      if (frame.kind === 'mic' && this.holdEarly(frame)) return;
      this.sendError('audio-before-start', `audio on stream ${frame.stream} without audio-start`);
      return;
    }
    this.hooks.metrics?.audioFrames.inc();
    const { reorder } = this.mic;
    const missingBefore = reorder.counts.missing;
    for (const ready of reorder.push(frame.sequence, frame)) this.useFrame(ready);
    this.reportGaps(reorder.counts.missing - missingBefore);
  }

  /** Frames given up on: counted in the metrics and in the open session's record. */
  private reportGaps(missing: number): void {
    if (missing <= 0) return;
    this.hooks.metrics?.audioFramesMissing.inc(missing);
    this.hooks.onAudioGap?.(this, missing);
  }

  /**
   * Over MQTT, frames (QoS 0) may overtake the `audio-start` (QoS 1) that announced them: a
   * broker forwards QoS 0 at once while it stores QoS 1 first, so the pre-roll burst lands
   * before its `audio-start`. Such frames wait here (one stream, ≤ 2 s, ≤ 200 frames) for it.
   */
  private holdEarly(frame: AudioFrame): boolean {
    if (this.transport.kind !== 'mqtt') return false;
    const now = Date.now();
    if (!this.early || this.early.stream !== frame.stream || now - this.early.since > 2000)
      this.early = { stream: frame.stream, since: now, frames: [] };
    if (this.early.frames.length >= 200) return false;
    this.early.frames.push(frame);
    return true;
  }

  /** A frame in sequence order: timed by the samples before it and handed to the session. */
  private useFrame(frame: AudioFrame): void {
    if (!this.mic) return;
    // Timestamps come from our own sample count: a satellite's clock is not trusted.
    const chunk: AudioChunk = {
      pcm: frame.pcm,
      rate: MIC_RATE,
      timestampMs: (this.mic.samples * 1000) / MIC_RATE,
    };
    this.hooks.metrics?.audioFrameLag.observe(
      this.mic.stats.lagMs(chunk.timestampMs, performance.now()) / 1000,
    );
    this.mic.samples += frame.pcm.length;
    this.hooks.onAudio(this, chunk);
  }

  /** Logs what the transport did to the stream that ends, when it did anything. */
  private endMic(): void {
    const mic = this.mic;
    this.mic = undefined;
    if (!mic) return;
    const { missing, duplicates, reordered, late } = mic.reorder.counts;
    if (missing + duplicates + reordered + late > 0) {
      this.audioGaps += missing;
      this.log.info(
        { stream: mic.stream, sessionId: this.sessionId, missing, duplicates, reordered, late },
        'mic stream frames missing, repeated or out of order',
      );
    }
  }
}

function toBytes(data: unknown): Uint8Array {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data as Buffer[]);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return Buffer.from(String(data));
}
