import { EventEmitter } from 'node:events';
import {
  decodeAudioFrame,
  decodeDownEvent,
  encodeAudioFrame,
  encodeEvent,
  PROTOCOL_VERSION,
  ProtocolError,
  type HelloEvent,
  type UpEvent,
} from '@jarvis/protocol';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { Backoff } from './backoff.js';
import type { SatelliteLink, SatelliteLinkEvents } from './link.js';
import type { TokenSigner } from './token.js';

export interface HubLinkOptions {
  /** ws:// or wss:// base URL of the hub. */
  readonly hubUrl: string;
  readonly signer: TokenSigner;
  readonly hello: Omit<HelloEvent, 'type' | 'versions'>;
  readonly log: Logger;
  readonly backoff?: Backoff;
  /** PEM of the CA the hub's certificate must chain to (the hub's local CA), for wss://. */
  readonly ca?: string | undefined;
}

/** The same events as every link's. */
export type HubLinkEvents = SatelliteLinkEvents;

/**
 * The satellite's WebSocket to the hub: a fresh token per connection, hello/welcome,
 * validated inbound frames, and reconnection with capped, jittered backoff.
 */
export class HubLink extends EventEmitter<HubLinkEvents> implements SatelliteLink {
  private ws: WebSocket | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private isReady = false;

  constructor(private readonly options: HubLinkOptions) {
    super();
    this.backoff = options.backoff ?? new Backoff();
  }

  get ready(): boolean {
    return this.isReady;
  }

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  send(event: UpEvent): boolean {
    if (!this.isReady || this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(encodeEvent(event));
    return true;
  }

  sendAudio(frame: Parameters<typeof encodeAudioFrame>[0]): boolean {
    if (!this.isReady || this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(encodeAudioFrame(frame));
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const ws = this.ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close(1000, 'satellite stopping');
      });
    }
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const url = `${this.options.hubUrl.replace(/^http/, 'ws').replace(/\/$/, '')}/v1/satellite`;
    let token: string;
    try {
      token = await this.options.signer.sign();
    } catch (err) {
      this.options.log.error({ err: (err as Error).message }, 'cannot sign token');
      return this.retry('token');
    }
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${token}` },
      ...(this.options.ca ? { ca: this.options.ca } : {}),
      maxPayload: 256 * 1024,
    });
    this.ws = ws;
    ws.on('open', () => {
      ws.send(encodeEvent({ type: 'hello', versions: [PROTOCOL_VERSION], ...this.options.hello }));
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        this.options.log.error({ status: res.statusCode, body }, 'hub refused the connection');
        this.emit('refused', res.statusCode ?? 0, body);
        ws.terminate();
      });
    });
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('error', (err) => this.options.log.warn({ err: err.message }, 'hub link error'));
    ws.on('close', (code, reason) => {
      const wasReady = this.isReady;
      this.isReady = false;
      if (wasReady) this.emit('down', `${code} ${reason.toString()}`);
      this.retry(`closed ${code}`);
    });
  }

  private retry(why: string): void {
    if (this.stopped) return;
    const ms = this.backoff.next();
    this.options.log.info({ why, retryInMs: ms }, 'reconnecting to hub');
    this.timer = setTimeout(() => void this.connect(), ms);
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    try {
      if (isBinary) {
        this.emit('audio', decodeAudioFrame(data));
        return;
      }
      const event = decodeDownEvent(data);
      if (event.type === 'welcome') {
        this.isReady = true;
        this.backoff.reset();
        this.emit('ready', event);
      }
      this.emit('event', event);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.options.log.warn({ code: err.code, err: err.message }, 'invalid message from hub');
    }
  }
}
