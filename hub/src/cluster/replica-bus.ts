/**
 * The replica bus: hub replicas of one hub id talking over Redis pub/sub. One channel per hub id
 * (`jarvis:cluster:<hubId>`), so two households on one Redis never hear each other; each replica
 * has its own id and drops its own echoes; every message is checked on receipt and a bad one is
 * logged and dropped. Pub/sub delivers at most once: whatever must not be lost is either
 * repeated (presence heartbeats) or answered with a timeout (announce, ring).
 */
import { randomUUID } from 'node:crypto';
import { ProtocolError } from '@jarvis/protocol';
import type { Logger } from 'pino';
import { parseEnvelope, type ClusterMessage } from './messages.js';

/** Carries text between replicas: Redis in production, memory in unit tests. */
export interface ClusterTransport {
  publish(text: string): Promise<void>;
  /** Starts delivering every message on the channel, the sender's own included. */
  subscribe(onText: (text: string) => void): Promise<void>;
  /** Whether messages flow now (for /ready and the metrics' dependency check). */
  connected(): boolean;
  close(): Promise<void>;
}

export type MessageOf<T extends ClusterMessage['type']> = Extract<ClusterMessage, { type: T }>;
type Handler = (message: ClusterMessage, from: string) => void;

export class ReplicaBus {
  /** This replica's id, new at each start. */
  readonly replicaId: string;
  private readonly handlers = new Set<Handler>();

  constructor(
    private readonly transport: ClusterTransport,
    private readonly log: Logger,
    replicaId: string = randomUUID(),
  ) {
    this.replicaId = replicaId;
  }

  async start(): Promise<void> {
    await this.transport.subscribe((text) => this.receive(text));
  }

  /** Sends to every other replica. Never rejects: a lost message is logged (see the module note). */
  async publish(message: ClusterMessage): Promise<void> {
    try {
      await this.transport.publish(JSON.stringify({ v: 1, from: this.replicaId, message }));
    } catch (err) {
      this.log.warn({ err: (err as Error).message, type: message.type }, 'replica message lost');
    }
  }

  /** @returns a function that stops the handling. */
  on(handler: Handler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  connected(): boolean {
    return this.transport.connected();
  }

  close(): Promise<void> {
    this.handlers.clear();
    return this.transport.close();
  }

  private receive(text: string): void {
    let from: string;
    let message: ClusterMessage;
    try {
      ({ from, message } = parseEnvelope(text));
    } catch (err) {
      const code = err instanceof ProtocolError ? err.code : 'bad-event';
      this.log.warn({ code, err: (err as Error).message }, 'replica message dropped');
      return;
    }
    if (from === this.replicaId) return; // our own, back from Redis
    // Messages addressed to one replica are for it alone.
    if ('to' in message && message.to !== this.replicaId) return;
    for (const handler of this.handlers) {
      try {
        handler(message, from);
      } catch (err) {
        this.log.error(
          { err: (err as Error).message, type: message.type },
          'replica handler failed',
        );
      }
    }
  }
}

/**
 * Redis pub/sub for the replica bus (node-redis): one connection publishes, a duplicate
 * subscribes, since a subscribed connection can do nothing else (RESP2).
 */
export async function redisTransport(
  url: string,
  hubId: string,
  log: Logger,
): Promise<ClusterTransport> {
  const { createClient } = await import('redis');
  const channel = `jarvis:cluster:${hubId}`;
  const pub = createClient({
    url,
    // A message published while Redis is away fails at once rather than piling up.
    disableOfflineQueue: true,
    socket: { connectTimeout: 2000, reconnectStrategy: (n: number) => Math.min(n * 200, 5000) },
  });
  const sub = pub.duplicate();
  // Only the error's message is logged, never the URL: it carries the password.
  pub.on('error', (err: Error) => log.warn({ err: err.message }, 'redis replica bus error'));
  sub.on('error', (err: Error) => log.warn({ err: err.message }, 'redis replica bus error'));
  await pub.connect();
  try {
    await sub.connect();
  } catch (err) {
    pub.destroy();
    throw err;
  }
  return {
    async publish(text) {
      await pub.publish(channel, text);
    },
    // node-redis re-subscribes by itself after a reconnect.
    subscribe: (onText) => sub.subscribe(channel, (message: string) => onText(message)),
    connected: () => pub.isReady && sub.isReady,
    close() {
      pub.destroy();
      sub.destroy();
      return Promise.resolve();
    },
  };
}

/** An in-process stand-in for Redis pub/sub: what unit tests connect replicas with. */
export class MemoryChannel {
  private readonly subscribers = new Set<(text: string) => void>();

  transport(): ClusterTransport {
    let mine: ((text: string) => void) | undefined;
    return {
      publish: (text) => {
        // Asynchronous, as Redis is.
        for (const s of this.subscribers) queueMicrotask(() => s(text));
        return Promise.resolve();
      },
      subscribe: (onText) => {
        mine = onText;
        this.subscribers.add(onText);
        return Promise.resolve();
      },
      connected: () => true,
      close: () => {
        if (mine) this.subscribers.delete(mine);
        return Promise.resolve();
      },
    };
  }
}
