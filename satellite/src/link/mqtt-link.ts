import { EventEmitter } from 'node:events';
import {
  decodeAudioFrame,
  decodeDownEvent,
  encodeAudioFrame,
  encodeEvent,
  encodeStatus,
  lastWillStatus,
  PROTOCOL_VERSION,
  ProtocolError,
  satelliteTopics,
  STATUS_PUBLISH_OPTIONS,
  type AudioFrame,
  type HelloEvent,
  type SatelliteTopics,
  type UpEvent,
} from '@jarvis/protocol';
import { connect, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { Backoff } from './backoff.js';
import type { SatelliteLink, SatelliteLinkEvents } from './link.js';
import type { TokenSigner } from './token.js';

export interface MqttLinkOptions {
  /** mqtt:// or mqtts:// URL of the broker the hub listens on. */
  readonly url: string;
  readonly signer: TokenSigner;
  readonly hello: Omit<HelloEvent, 'type' | 'versions'>;
  readonly log: Logger;
  readonly backoff?: Backoff;
  /** PEM of the CA the broker's certificate must chain to, for mqtts://. */
  readonly ca?: string | undefined;
  /**
   * A fixed broker password, for an external broker (Mosquitto) that cannot check the
   * satellite's tokens. Without it the password is a fresh token signed by the satellite's key
   * at every connection (the hub's embedded broker verifies it, once).
   */
  readonly password?: string | undefined;
  /** MQTT keep-alive (default 15 s): the broker publishes the last will within 1.5× of it. */
  readonly keepaliveS?: number;
}

/**
 * The satellite's link over MQTT (README "The wire"): the same events and audio frames as the
 * WebSocket, on its own topics. Username = satellite id, password = a fresh signed token per
 * connection (or the configured password); events up and down at QoS 1, audio at QoS 0; a
 * retained online status, and a last will that turns it offline if the satellite vanishes.
 */
export class MqttLink extends EventEmitter<SatelliteLinkEvents> implements SatelliteLink {
  private client: MqttClient | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private readonly topics: SatelliteTopics;
  private isReady = false;
  /** The reply streams whose `audio-start` came, newest first (a few). */
  private started: number[] = [];
  private early: { stream: number; since: number; frames: AudioFrame[] } | undefined;
  /** When the current connection began: the time its online status and its will carry. */
  private connectedAtMs = 0;

  constructor(private readonly options: MqttLinkOptions) {
    super();
    this.backoff = options.backoff ?? new Backoff();
    this.topics = satelliteTopics(options.hello.satelliteId);
  }

  get ready(): boolean {
    return this.isReady;
  }

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  send(event: UpEvent): boolean {
    if (!this.isReady || !this.client?.connected) return false;
    this.client.publish(this.topics.up, encodeEvent(event), { qos: 1 });
    return true;
  }

  sendAudio(frame: Parameters<typeof encodeAudioFrame>[0]): boolean {
    if (!this.isReady || !this.client?.connected) return false;
    const bytes = encodeAudioFrame(frame);
    // QoS 0: a late audio frame is worth less than the next one (the hub reorders and counts).
    this.client.publish(
      this.topics.audioUp,
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      { qos: 0 },
    );
    return true;
  }

  /** Says offline (a clean disconnect sends no will) and disconnects. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    this.isReady = false;
    if (!client) return;
    if (client.connected) {
      await client
        .publishAsync(
          this.topics.status,
          encodeStatus({ online: false, timeMs: this.connectedAtMs }),
          STATUS_PUBLISH_OPTIONS,
        )
        .catch(() => undefined);
    }
    await client.endAsync(!client.connected).catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const id = this.options.hello.satelliteId;
    let password = this.options.password;
    if (password === undefined) {
      try {
        // A new token each time: the hub refuses a token it has seen (replay).
        password = await this.options.signer.sign();
      } catch (err) {
        this.options.log.error({ err: (err as Error).message }, 'cannot sign token');
        return this.retry('token');
      }
    }
    if (this.stopped) return;
    this.connectedAtMs = Date.now();
    const will = lastWillStatus(id, this.connectedAtMs);
    const client = connect(this.options.url, {
      clientId: id,
      username: id,
      password,
      clean: true,
      protocolVersion: 4,
      // Reconnection is ours: each attempt needs a freshly signed token.
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      keepalive: this.options.keepaliveS ?? 15,
      will: { topic: will.topic, payload: Buffer.from(will.payload), ...will.options },
      ...(this.options.ca ? { ca: this.options.ca } : {}),
    });
    this.client = client;
    client.on('connect', () => void this.onConnect(client));
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    client.on('error', (err) => {
      const code = (err as { code?: unknown }).code;
      // CONNACK 4/5 (MQTT 3.1.1 §3.2.2.3): bad credentials or not authorised.
      if (code === 4 || code === 5) {
        this.options.log.error({ code }, 'broker refused the connection');
        this.emit('refused', code === 5 ? 403 : 401, err.message);
      } else this.options.log.warn({ err: err.message }, 'mqtt link error');
    });
    client.on('close', () => {
      if (this.client !== client) return;
      this.lost('connection closed');
    });
  }

  private async onConnect(client: MqttClient): Promise<void> {
    // No Nagle: with it, an event sent behind an unacknowledged one waited ~40 ms for the
    // broker's delayed ACK (wake → audio-start → first frame took ~85 ms instead of ~5).
    (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    try {
      await client.subscribeAsync({
        [this.topics.down]: { qos: 1 },
        [this.topics.audioDown]: { qos: 0 },
      });
      // Online before hello, both with this connection's time: the hub can tell the will of
      // an older connection, arriving late, from this one's.
      await client.publishAsync(
        this.topics.status,
        encodeStatus({ online: true, timeMs: this.connectedAtMs }),
        STATUS_PUBLISH_OPTIONS,
      );
      this.sendHello(client);
    } catch (err) {
      this.options.log.warn({ err: (err as Error).message }, 'mqtt link setup failed');
      client.end(true);
    }
  }

  /**
   * Reply frames (QoS 0) may overtake their `audio-start` (QoS 1): a broker forwards QoS 0 at
   * once and stores QoS 1 first. They wait here (one stream, ≤ 2 s, ≤ 500 frames) for it.
   */
  private holdEarly(frame: AudioFrame): void {
    const now = Date.now();
    if (!this.early || this.early.stream !== frame.stream || now - this.early.since > 2000)
      this.early = { stream: frame.stream, since: now, frames: [] };
    if (this.early.frames.length < 500) this.early.frames.push(frame);
  }

  private sendHello(client: MqttClient): void {
    client.publish(
      this.topics.up,
      encodeEvent({ type: 'hello', versions: [PROTOCOL_VERSION], ...this.options.hello }),
      { qos: 1 },
    );
  }

  /** The link is down: tell the satellite once, and connect again after a wait. */
  private lost(why: string): void {
    const client = this.client;
    this.client = undefined;
    client?.end(true);
    const wasReady = this.isReady;
    this.isReady = false;
    if (wasReady) this.emit('down', why);
    this.retry(why);
  }

  private retry(why: string): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const ms = this.backoff.next();
    this.options.log.info({ why, retryInMs: ms }, 'reconnecting to hub over mqtt');
    this.timer = setTimeout(() => void this.connect(), ms);
  }

  private onMessage(topic: string, payload: Buffer): void {
    try {
      if (topic === this.topics.audioDown) {
        if (!this.isReady) return;
        const frame = decodeAudioFrame(payload);
        if (this.started.includes(frame.stream)) this.emit('audio', frame);
        else this.holdEarly(frame);
        return;
      }
      if (topic !== this.topics.down) return;
      const event = decodeDownEvent(payload);
      if (event.type === 'audio-start') {
        this.started = [event.stream, ...this.started.slice(0, 3)];
        this.emit('event', event);
        const early = this.early?.stream === event.stream ? this.early.frames : [];
        this.early = undefined;
        for (const frame of early) this.emit('audio', frame);
        return;
      }
      if (event.type === 'welcome') {
        this.isReady = true;
        this.backoff.reset();
        this.emit('ready', event);
      } else if (event.type === 'error' && event.code === 'hello-required') {
        // The hub does not know this connection (it restarted; the broker did not).
        if (this.isReady) {
          this.isReady = false;
          this.emit('down', 'hub forgot the link');
        }
        if (this.client) this.sendHello(this.client);
      } else if (event.type === 'error' && event.code === 'link-closed') {
        this.options.log.warn({ reason: event.message }, 'hub closed the link');
        this.lost(event.message);
        return;
      } else if (
        event.type === 'error' &&
        !this.isReady &&
        (event.code === 'auth-invalid' || event.code === 'satellite-revoked')
      ) {
        this.emit('refused', event.code === 'satellite-revoked' ? 403 : 401, event.message);
        this.lost(event.code);
        return;
      }
      this.emit('event', event);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.options.log.warn({ code: err.code, err: err.message }, 'invalid message from hub');
    }
  }
}
