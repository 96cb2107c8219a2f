/**
 * A client for one Wyoming service at `tcp://host:port`. Each request gets its own TCP
 * connection, as Home Assistant does: a stream dropped mid-request can never leave stale events
 * for the next request, and "reconnecting" is simply the next request's connect.
 */
import { connect, type Socket } from 'node:net';
import { AppError } from '../../errors.js';
import { encodeRaw, WyomingDecoder, type DecoderLimits } from './codec.js';
import {
  checkEvent,
  type EventData,
  type EventType,
  type InfoData,
  type KnownEvent,
} from './events.js';

export type WyomingService = 'stt' | 'tts' | 'wake';

export interface WyomingClientOptions {
  /** `tcp://host:port`. */
  readonly url: string;
  /** What the service is for; names it in error messages ("wyoming stt at tcp://…"). */
  readonly service: WyomingService;
  /** Longest wait for the server's next event while an answer is due, in ms. */
  readonly timeoutMs: number;
  /** Longest wait for the TCP connection, in ms (default: the smaller of timeoutMs and 5000). */
  readonly connectTimeoutMs?: number;
  readonly limits?: DecoderLimits;
}

/** Parses `tcp://host:port` (IPv6 hosts in brackets); throws AppError('config-invalid'). */
export function parseWyomingUrl(url: string): { host: string; port: number } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppError(
      'config-invalid',
      `wyoming url "${url}" is not a URL (want tcp://host:port)`,
    );
  }
  const port = Number(parsed.port);
  if (parsed.protocol !== 'tcp:' || parsed.hostname === '' || !(port > 0 && port < 65536)) {
    throw new AppError('config-invalid', `wyoming url "${url}" must look like tcp://host:port`);
  }
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

/**
 * One open connection: send events, read them back in order. Any failure (timeout, protocol
 * error, peer gone, abort) ends the connection and is what every later call rejects with.
 */
export class WyomingConnection {
  private readonly queue: KnownEvent[] = [];
  private waiter: { resolve: () => void } | undefined;
  private failure: Error | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private idleMs: number | undefined;
  private readonly decoder: WyomingDecoder;
  private onClosed!: () => void;
  /** Resolves (never rejects) once the connection is over, for whatever reason. */
  readonly closed = new Promise<void>((resolve) => (this.onClosed = resolve));

  constructor(
    private readonly socket: Socket,
    readonly label: string,
    limits: DecoderLimits | undefined,
  ) {
    this.decoder = new WyomingDecoder(limits);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (err) => this.fail(unavailable(this.label, 'connection failed', err)));
    socket.on('close', () =>
      this.fail(unavailable(this.label, 'closed the connection before answering')),
    );
  }

  private receive(chunk: Buffer): void {
    try {
      for (const raw of this.decoder.push(chunk)) {
        const event = checkEvent(raw);
        if (event === undefined) continue; // unknown types are ignored, as the python client does
        if ('problem' in event) throw protocol(this.label, event.problem);
        this.queue.push(event);
      }
    } catch (err) {
      const what = err instanceof AppError ? err.message : 'undecodable answer';
      this.fail(protocol(this.label, what, err));
      return;
    }
    if (this.queue.length > 0) {
      this.restartIdleTimer();
      this.wake();
    }
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve();
  }

  /** Ends the connection with `err` as the reason every pending and later call rejects with. */
  fail(err: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = err instanceof Error ? err : new Error(String(err));
    clearTimeout(this.idleTimer);
    this.socket.destroy();
    this.onClosed();
    this.wake();
  }

  /** Closes the connection; pending reads reject. */
  close(): void {
    this.fail(unavailable(this.label, 'connection closed by the client'));
  }

  /**
   * From now on, fail with engine-timeout whenever the server stays silent for `ms` while a
   * read is pending or queued events are not yet consumed; `undefined` disarms it.
   */
  setIdleTimeout(ms: number | undefined): void {
    this.idleMs = ms;
    this.restartIdleTimer();
  }

  private restartIdleTimer(): void {
    clearTimeout(this.idleTimer);
    if (this.idleMs === undefined || this.failure !== undefined) return;
    const ms = this.idleMs;
    this.idleTimer = setTimeout(
      () =>
        this.fail(new AppError('engine-timeout', `${this.label} sent nothing for ${ms} ms`, true)),
      ms,
    );
  }

  async send<K extends EventType>(
    type: K,
    data?: EventData<K>,
    payload?: Uint8Array,
  ): Promise<void> {
    this.throwIfFailed();
    const bytes = encodeRaw(type, data, payload);
    if (this.socket.write(bytes)) return;
    // Backpressure: wait until the kernel took it, or the connection ended.
    await Promise.race([new Promise((resolve) => this.socket.once('drain', resolve)), this.closed]);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** The next known event from the server; rejects once the connection has failed. */
  async next(): Promise<KnownEvent> {
    for (;;) {
      const event = this.queue.shift();
      if (event !== undefined) return event;
      if (this.failure !== undefined) throw this.failure;
      await new Promise<void>((resolve) => (this.waiter = { resolve }));
    }
  }
}

function unavailable(label: string, what: string, cause?: unknown): AppError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new AppError('engine-unavailable', `${label} ${what}${detail}`, true, { cause });
}

function protocol(label: string, what: string, cause?: unknown): AppError {
  return new AppError('engine-protocol', `${label}: ${what}`, false, { cause });
}

/** The failure code for an `error` event answered by a service of this kind. */
const FAILED = { stt: 'stt-failed', tts: 'tts-failed', wake: 'wake-failed' } as const;

export class WyomingClient {
  readonly label: string;
  readonly timeoutMs: number;
  private readonly host: string;
  private readonly port: number;
  private readonly connectTimeoutMs: number;

  constructor(private readonly options: WyomingClientOptions) {
    ({ host: this.host, port: this.port } = parseWyomingUrl(options.url));
    this.label = `wyoming ${options.service} at ${options.url}`;
    this.timeoutMs = options.timeoutMs;
    this.connectTimeoutMs = options.connectTimeoutMs ?? Math.min(options.timeoutMs, 5000);
  }

  /** Opens a fresh connection; `signal` aborting closes it at any time. */
  connect(signal?: AbortSignal): Promise<WyomingConnection> {
    const label = this.label;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const socket = connect({ host: this.host, port: this.port });
      socket.setNoDelay(true); // small audio chunks should leave now, not after Nagle's delay
      const done = (err?: unknown): void => {
        clearTimeout(timer);
        socket.off('error', done);
        signal?.removeEventListener('abort', onAbort);
        if (err === undefined) return;
        socket.destroy();
        reject(err instanceof AppError ? err : unavailable(label, 'unreachable', err));
      };
      const onAbort = (): void => done(signal?.reason);
      const timer = setTimeout(
        () =>
          done(unavailable(label, `unreachable: no connection within ${this.connectTimeoutMs} ms`)),
        this.connectTimeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('error', done);
      socket.once('connect', () => {
        done();
        const conn = new WyomingConnection(socket, label, this.options.limits);
        if (signal) {
          const abort = (): void => conn.fail(signal.reason);
          signal.addEventListener('abort', abort, { once: true });
          void conn.closed.then(() => signal.removeEventListener('abort', abort));
        }
        resolve(conn);
      });
    });
  }

  /** Turns an `error` event from the server into an AppError with this service's failure code. */
  serverError(data: EventData<'error'>): AppError {
    const code = data.code ? ` (${data.code})` : '';
    return new AppError(
      FAILED[this.options.service],
      `${this.label} answered: ${data.text}${code}`,
    );
  }

  /** Asks the service what it offers (`describe` → `info`). */
  async describe(signal?: AbortSignal): Promise<InfoData> {
    const conn = await this.connect(signal);
    try {
      conn.setIdleTimeout(this.timeoutMs);
      await conn.send('describe');
      for (;;) {
        const event = await conn.next();
        if (event.type === 'info') return event.data;
        if (event.type === 'error') throw this.serverError(event.data);
      }
    } finally {
      conn.close();
    }
  }
}
