import { randomUUID } from 'node:crypto';
import {
  decodeAudioFrame,
  decodeUpEvent,
  encodeAudioFrame,
  encodeEvent,
  negotiateVersion,
  ProtocolError,
  type DownEvent,
  type UpEvent,
  type WakeEvent,
} from '@jarvis/protocol';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { AudioChunk } from '../engines/types.js';
import type { SatelliteRecord } from '../storage/satellites.js';
import type { SessionIo } from '../pipeline/session.js';
import type { HubMetrics } from '../metrics/metrics.js';
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

/** Only 16 kHz mono s16 microphone audio is accepted: what the VAD and STT engines take. */
const MIC_RATE = 16000;
/** More messages than this per second means a broken or hostile peer. */
const MAX_MESSAGES_PER_S = 200;
const HELLO_TIMEOUT_MS = 10_000;

export interface ConnectionHooks {
  readonly hubId: string;
  readonly log: Logger;
  /** Microphone transport counters; none in tests that do not look. */
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
  onCancel(conn: SatelliteConnection): void;
  onReady(conn: SatelliteConnection): void;
  onClose(conn: SatelliteConnection): void;
}

/**
 * One authenticated satellite on the WebSocket gateway: validates every frame, answers
 * hello/ping, tracks the microphone stream, and carries a session's replies back.
 */
export class SatelliteConnection implements SessionIo {
  readonly connectionId = randomUUID();
  sessionId: string | undefined;
  /** The satellite asked the hub to listen for its wake word (hello capability). */
  wakeOnHub = false;
  /** What its hello said about it, for the dashboard. */
  about: { software: string | null; wakeWords: readonly string[]; leds: boolean } | undefined;
  private version: number | undefined;
  private mic: { stream: number; samples: number; stats: MicStreamStats } | undefined;
  private ttsStream = 0;
  private ttsSequence = 0;
  private windowStart = Date.now();
  private windowCount = 0;
  private readonly helloTimer: NodeJS.Timeout;
  private readonly log: Logger;

  constructor(
    /** Replaced when an admin renames or moves the satellite. */
    public satellite: SatelliteRecord,
    private readonly ws: WebSocket,
    private readonly hooks: ConnectionHooks,
  ) {
    this.log = hooks.log.child({ satelliteId: satellite.id, connectionId: this.connectionId });
    this.helloTimer = setTimeout(
      () => this.close(CLOSE.helloTimeout, 'no hello'),
      HELLO_TIMEOUT_MS,
    );
    ws.on('message', (data, isBinary) => this.onMessage(toBytes(data), isBinary));
    ws.on('close', () => {
      clearTimeout(this.helloTimer);
      hooks.onClose(this);
    });
    ws.on('error', (err) => this.log.warn({ err: err.message }, 'websocket error'));
  }

  get ready(): boolean {
    return this.version !== undefined;
  }

  send(event: DownEvent): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(encodeEvent(event));
  }

  nextStream(): number {
    this.ttsStream = (this.ttsStream + 1) & 0xffff;
    this.ttsSequence = 0;
    return this.ttsStream;
  }

  sendAudio(stream: number, chunk: AudioChunk): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    const frame = encodeAudioFrame({
      kind: 'tts',
      stream,
      sequence: this.ttsSequence++,
      timestampMs: Math.round(chunk.timestampMs),
      pcm: chunk.pcm,
    });
    this.ws.send(frame);
  }

  /** Sends a coded error; the connection stays open. */
  sendError(code: string, message: string, retryable = false, sessionId?: string): void {
    this.send({ type: 'error', code, message, retryable, ...(sessionId ? { sessionId } : {}) });
  }

  close(code: number, reason: string): void {
    this.log.info({ code, reason }, 'closing satellite connection');
    this.ws.close(code, reason);
  }

  private onMessage(bytes: Uint8Array, isBinary: boolean): void {
    if (this.flooding()) {
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
          this.mic = { stream: event.stream, samples: 0, stats: new MicStreamStats() };
          this.hooks.onAudioStart(this, event.preRollMs ?? 0);
        }
        return;
      case 'audio-stop':
        if (this.mic?.stream === event.stream) {
          this.mic = undefined;
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

  private onAudioFrame(bytes: Uint8Array): void {
    const frame = decodeAudioFrame(bytes);
    if (!this.ready) {
      this.sendError('hello-required', 'send hello before audio');
      return;
    }
    if (frame.kind !== 'mic' || !this.mic || frame.stream !== this.mic.stream) {
      this.sendError('audio-before-start', `audio on stream ${frame.stream} without audio-start`);
      return;
    }
    // Timestamps come from our own sample count: a satellite's clock is not trusted.
    const chunk: AudioChunk = {
      pcm: frame.pcm,
      rate: MIC_RATE,
      timestampMs: (this.mic.samples * 1000) / MIC_RATE,
    };
    const metrics = this.hooks.metrics;
    if (metrics) {
      const { stats } = this.mic;
      metrics.audioFrames.inc();
      const missing = stats.missingBefore(frame.sequence);
      if (missing > 0) metrics.audioFramesMissing.inc(missing);
      metrics.audioFrameLag.observe(stats.lagMs(chunk.timestampMs, performance.now()) / 1000);
    }
    this.mic.samples += frame.pcm.length;
    this.hooks.onAudio(this, chunk);
  }
}

function toBytes(data: unknown): Uint8Array {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data as Buffer[]);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return Buffer.from(String(data));
}
