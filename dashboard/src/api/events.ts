/**
 * The hub's live event socket (`/v1/events`): authenticates with the access token after open,
 * re-authenticates after each token refresh, and reconnects with backoff when it drops.
 */
import type { HubEvent } from './types';

/**
 * `ready` answers a good auth frame (listeners refetch on it, as events may have been missed);
 * `error` precedes a refusal, which closes the socket with 4001.
 */
export type StreamEvent =
  HubEvent | { type: 'ready' } | { type: 'error'; code: string; message: string };
export type EventStatus = 'idle' | 'connecting' | 'live' | 'offline';

/** The close code the hub uses for a missing or bad token. */
export const CLOSE_UNAUTHORIZED = 4001;
const OPEN = 1; // WebSocket.OPEN, spelled out so that a test double need not define it

export interface EventStreamOptions {
  /** The current access token, refreshed first when needed; null when logged out. */
  getToken: () => Promise<string | null>;
  /** After a 4001 close: refresh the tokens; false means the session is over. */
  refresh: () => Promise<boolean>;
  url?: () => string;
  WebSocket?: typeof WebSocket;
  initialRetryMs?: number;
  maxRetryMs?: number;
}

/** Same host as the page, `wss:` under `https:`. */
export function eventsUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/events`;
}

export class EventStream {
  #socket: WebSocket | null = null;
  #wanted = false;
  #retryMs: number;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #status: EventStatus = 'idle';
  readonly #listeners = new Set<(event: StreamEvent) => void>();
  readonly #statusListeners = new Set<(status: EventStatus) => void>();

  constructor(private readonly options: EventStreamOptions) {
    this.#retryMs = options.initialRetryMs ?? 1000;
  }

  get status(): EventStatus {
    return this.#status;
  }

  /** Connects (once) and keeps reconnecting until stop(). */
  start(): void {
    if (this.#wanted) return;
    this.#wanted = true;
    void this.#connect();
  }

  stop(): void {
    this.#wanted = false;
    clearTimeout(this.#retryTimer);
    const socket = this.#socket;
    this.#socket = null;
    socket?.close(1000, 'logged out');
    this.#setStatus('idle');
  }

  subscribe(listener: (event: StreamEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onStatus(listener: (status: EventStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  /** Sends a refreshed token on the open socket, as the hub expects after a refresh. */
  reauthenticate(token: string): void {
    if (this.#socket?.readyState === OPEN) this.#sendAuth(this.#socket, token);
  }

  async #connect(): Promise<void> {
    this.#setStatus('connecting');
    let token: string | null;
    try {
      token = await this.options.getToken();
    } catch {
      this.#retryLater();
      return;
    }
    if (!this.#wanted) return;
    if (token === null) {
      this.stop();
      return;
    }
    const Socket = this.options.WebSocket ?? WebSocket;
    const socket = new Socket(this.options.url?.() ?? eventsUrl(window.location));
    this.#socket = socket;
    socket.onopen = () => this.#sendAuth(socket, token);
    socket.onmessage = (message: MessageEvent) => this.#receive(message.data);
    socket.onclose = (event: CloseEvent) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.#setStatus('offline');
      if (event.code === CLOSE_UNAUTHORIZED) void this.#reauthorize();
      else this.#retryLater();
    };
  }

  #sendAuth(socket: WebSocket, token: string): void {
    socket.send(JSON.stringify({ type: 'auth', token }));
  }

  #receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let event: StreamEvent;
    try {
      event = JSON.parse(data) as StreamEvent;
    } catch {
      return;
    }
    if (event.type === 'ready') {
      this.#retryMs = this.options.initialRetryMs ?? 1000;
      this.#setStatus('live');
    }
    for (const listener of this.#listeners) listener(event);
  }

  async #reauthorize(): Promise<void> {
    try {
      if (await this.options.refresh()) this.#retryLater(0);
      else this.stop();
    } catch {
      this.#retryLater();
    }
  }

  #retryLater(delayMs = this.#retryMs): void {
    if (!this.#wanted) return;
    this.#setStatus('offline');
    clearTimeout(this.#retryTimer);
    // Jitter, so that many tabs do not reconnect in step after a hub restart.
    const jitteredMs = delayMs * (0.8 + Math.random() * 0.4);
    this.#retryTimer = setTimeout(() => void this.#connect(), jitteredMs);
    this.#retryMs = Math.min(this.options.maxRetryMs ?? 30_000, this.#retryMs * 2);
  }

  #setStatus(status: EventStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    for (const listener of this.#statusListeners) listener(status);
  }
}
