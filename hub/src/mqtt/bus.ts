import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { loginKeys, type LoginLimiter } from '../auth/login-limiter.js';
import { mayPublish, maySubscribe, type MqttIdentify, type MqttIdentity } from './acl.js';

export type MessageHandler = (topic: string, payload: Buffer) => void;

/** The device-control bus: the embedded aedes broker or an external broker, behind one interface. */
export interface MqttBus {
  readonly kind: 'embedded' | 'external';
  /** host:port of the embedded listener, when there is one. */
  readonly address?: { host: string; port: number } | undefined;
  publish(
    topic: string,
    payload: string | Buffer,
    options?: { retain?: boolean; qos?: 0 | 1 },
  ): Promise<void>;
  /** `filter` may hold MQTT wildcards. */
  subscribe(filter: string, handler: MessageHandler): Promise<void>;
  connected(): boolean;
  /** Embedded broker: closes the clients connected as this identity; how many there were. */
  disconnectIdentity?(name: string): number;
  /** Embedded broker: the identities with a client connected now. */
  connectedIdentities?(): string[];
  close(): Promise<void>;
}

export interface MqttUser {
  readonly username: string;
  readonly password: string;
  /** Topic filters it may publish to / subscribe within; everything when absent. */
  readonly publish?: readonly string[] | undefined;
  readonly subscribe?: readonly string[] | undefined;
}

const digest = (s: string | Buffer): Buffer => createHash('sha256').update(s).digest();

/** MQTT 3.1.1 §4.7: "+" matches one level, "#" the rest. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** `prefix` itself, or `prefix-…`: the client ids an identity may use. */
export const ownsClientId = (clientId: string, prefix: string): boolean =>
  clientId === prefix || clientId.startsWith(`${prefix}-`);

/** The part of aedes' persistence (untyped in its declarations) that holds retained messages. */
interface RetainedStore {
  createRetainedStream(filter: string): AsyncIterable<{ topic: string; payload: string | Buffer }>;
}

const retained = (broker: object): RetainedStore =>
  (broker as { persistence: RetainedStore }).persistence;

/**
 * Users from the config: their passwords compared in constant time; whole-broker access unless
 * the config lists the topics they may publish and subscribe to.
 */
export function configUsers(users: readonly MqttUser[]): MqttIdentify {
  // Compare digests, so the check takes the same time whatever the password's length.
  const byName = new Map(users.map((u) => [u.username, { user: u, digest: digest(u.password) }]));
  return (username, password) => {
    const found = byName.get(username);
    if (!found || !timingSafeEqual(found.digest, digest(password)))
      return Promise.resolve(undefined);
    return Promise.resolve({
      name: `user:${username}`,
      publish: found.user.publish ?? ['#'],
      subscribe: found.user.subscribe ?? ['#'],
    });
  };
}

/**
 * Starts aedes on a TCP listener. Every client must authenticate as an identity (no anonymous
 * clients) and stays within its topics: a publish outside them is dropped and the client
 * disconnected, a subscription outside them refused (SUBACK 0x80).
 */
export async function startEmbeddedBroker(options: {
  host: string;
  port: number;
  identify: MqttIdentify;
  log: Logger;
  /** MQTTS with this key and certificate. */
  tls?: { key: string; cert: string };
  /** Brakes password guessing as logins are braked: per username and address, per address. */
  brake?: LoginLimiter;
}): Promise<MqttBus> {
  const { Aedes } = await import('aedes');
  const identities = new WeakMap<object, MqttIdentity>();
  const clients = new Map<string, Set<{ close(): void }>>();
  const refuse = (clientId: string, username: string | undefined) => {
    options.log.warn({ clientId, username }, 'mqtt client refused: bad username or password');
    return Object.assign(new Error('bad username or password'), { returnCode: 4 as const });
  };
  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      if (username === undefined || password === undefined) {
        done(refuse(client.id, username), false);
        return;
      }
      const ip = (client.conn as { remoteAddress?: string }).remoteAddress ?? 'unknown';
      const keys = loginKeys(username, ip);
      if (options.brake && options.brake.retryAfterS(keys) > 0) {
        options.log.warn({ clientId: client.id, username, ip }, 'mqtt login braked');
        done(refuse(client.id, username), false);
        return;
      }
      // Counted as failed until it succeeds, so a burst of parallel guesses is braked too.
      const attempt = options.brake?.begin(keys);
      options.identify(username, password).then(
        (identity) => {
          if (!identity) return done(refuse(client.id, username), false);
          // A device or satellite may not take another client's id: aedes would drop that
          // client and hand over its queued messages.
          if (
            identity.clientIdPrefix !== undefined &&
            !ownsClientId(client.id, identity.clientIdPrefix)
          ) {
            options.log.warn({ who: identity.name, clientId: client.id }, 'mqtt client id refused');
            return done(refuse(client.id, username), false);
          }
          if (attempt !== undefined) options.brake?.forgive(keys, attempt);
          identities.set(client, identity);
          const set = clients.get(identity.name) ?? new Set();
          set.add(client);
          clients.set(identity.name, set);
          done(null, true);
        },
        (err: unknown) => {
          options.log.error({ err: (err as Error).message }, 'mqtt authentication failed');
          done(refuse(client.id, username), false);
        },
      );
    },
    authorizePublish: (client, packet, done) => {
      if (!client) return done(null); // the hub's own messages
      const identity = identities.get(client);
      if (identity && mayPublish(identity, packet.topic)) return done(null);
      options.log.warn({ who: identity?.name, topic: packet.topic }, 'mqtt publish refused');
      done(new Error("publish outside the client's topics"));
    },
    authorizeSubscribe: (client, sub, done) => {
      if (!client) return done(null, sub);
      const identity = identities.get(client);
      if (identity && maySubscribe(identity, sub.topic)) return done(null, sub);
      options.log.warn({ who: identity?.name, filter: sub.topic }, 'mqtt subscription refused');
      done(null, null);
    },
  });
  broker.on('clientDisconnect', (client) => {
    const identity = identities.get(client);
    if (identity) clients.get(identity.name)?.delete(client);
  });
  // No Nagle: a satellite's events and audio frames are small and each one is urgent (with it,
  // an event behind an unacknowledged one waited for the peer's delayed ACK, ~40 ms).
  const server: Server = options.tls
    ? createTlsServer(options.tls, (socket) => broker.handle(socket.setNoDelay(true)))
    : createServer((socket) => broker.handle(socket.setNoDelay(true)));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new AppError('internal', `mqtt listener: ${err.message}`, false, { cause: err })),
    );
    server.listen(options.port, options.host, resolve);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : options.port;
  return {
    kind: 'embedded',
    address: { host: options.host, port },
    publish: (topic, payload, o = {}) =>
      new Promise<void>((resolve, reject) =>
        broker.publish(
          {
            cmd: 'publish',
            topic,
            payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
            qos: o.qos ?? 1,
            retain: o.retain ?? false,
            dup: false,
          },
          (err) => (err ? reject(err) : resolve()),
        ),
      ),
    subscribe: async (filter, handler) => {
      const deliver = (packet: { topic: string; payload: string | Buffer }): void => {
        try {
          handler(
            packet.topic,
            Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
          );
        } catch (err) {
          options.log.error({ err, topic: packet.topic }, 'mqtt message handler failed');
        }
      };
      // Live messages wait until the retained ones are replayed, so a stale retained message
      // never lands after a newer live one.
      let held: { topic: string; payload: string | Buffer }[] | undefined = [];
      await new Promise<void>((resolve) =>
        broker.subscribe(
          filter,
          (packet, cb) => {
            if (held) held.push(packet);
            else deliver(packet);
            cb();
          },
          resolve,
        ),
      );
      // MQTT 3.1.1 §3.3.1.3: a new subscription receives the retained messages matching it.
      // aedes does that only for network clients, not for in-process subscriptions.
      try {
        for await (const packet of retained(broker).createRetainedStream(filter)) deliver(packet);
      } finally {
        const queued = held;
        held = undefined;
        for (const packet of queued) deliver(packet);
      }
    },
    connected: () => !broker.closed,
    disconnectIdentity: (name) => {
      const open = [...(clients.get(name) ?? [])];
      for (const c of open) c.close();
      clients.delete(name);
      return open.length;
    },
    connectedIdentities: () => [...clients].filter(([, set]) => set.size > 0).map(([name]) => name),
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Connects to an external broker (Mosquitto, a second aedes) as an authenticated client. */
export async function connectExternalBroker(options: {
  url: string;
  username: string;
  password: string;
  clientId: string;
  log: Logger;
  /** Longest wait for the broker's PUBACK before a publish counts as failed (3 s). */
  publishTimeoutMs?: number;
}): Promise<MqttBus> {
  const publishTimeoutMs = options.publishTimeoutMs ?? 3000;
  const mqtt = await import('mqtt');
  const client = mqtt.connect(options.url, {
    username: options.username,
    password: options.password,
    clientId: options.clientId,
    reconnectPeriod: 2000,
    connectTimeout: 5000,
  });
  const handlers: { filter: string; handler: MessageHandler }[] = [];
  client.on('message', (topic, payload) => {
    for (const h of handlers) if (topicMatches(h.filter, topic)) h.handler(topic, payload);
  });
  client.on('error', (err) => options.log.warn({ err: err.message }, 'mqtt client error'));
  client.on('offline', () => options.log.warn('mqtt broker connection lost: reconnecting'));
  client.on('reconnect', () => options.log.debug('mqtt broker: trying to reconnect'));
  // No Nagle on the hub's own link either: replies and reply audio to MQTT satellites.
  client.on('connect', () =>
    (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true),
  );
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error): void => {
      client.end(true);
      reject(
        new AppError('action-failed', `cannot connect to MQTT broker: ${err.message}`, true, {
          cause: err,
        }),
      );
    };
    client.once('connect', () => {
      client.off('error', fail);
      resolve();
    });
    client.once('error', fail);
  });
  return {
    kind: 'external',
    publish: async (topic, payload, o = {}) => {
      // Offline, mqtt.js would queue the message and resolve whenever the broker returns: the
      // speaker would wait, then a light would switch minutes later. Fail now instead.
      if (!client.connected) throw new AppError('action-failed', 'MQTT broker not connected', true);
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          client.publishAsync(topic, payload, { qos: o.qos ?? 1, retain: o.retain ?? false }),
          new Promise<never>((_resolve, reject) => {
            timer = setTimeout(
              () => reject(new AppError('action-failed', 'MQTT broker did not acknowledge', true)),
              publishTimeoutMs,
            );
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    subscribe: async (filter, handler) => {
      handlers.push({ filter, handler });
      // mqtt.js subscribes again after each reconnect (resubscribe), so a restarted broker
      // (which forgot the session) delivers device states again.
      await client.subscribeAsync(filter, { qos: 1 });
    },
    connected: () => client.connected,
    close: async () => {
      await client.endAsync();
    },
  };
}
