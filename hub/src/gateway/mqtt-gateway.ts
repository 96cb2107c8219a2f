/**
 * The satellite gateway's MQTT binding (README "The wire"): a satellite on the broker is one
 * more {@link SatelliteConnection}, with the same hooks as a WebSocket one, so sessions,
 * arbitration, timers, announcements and metrics do not know which way it came.
 *
 * Per satellite `<id>` (protocol mqtt-topics): JSON events on `.../up` and `.../down` (QoS 1),
 * audio frames on `.../audio/up` and `.../audio/down` (QoS 0), and its retained `.../status`,
 * which its last will turns to offline.
 *
 * Who is speaking: the hub reads the id from the topic. The broker is the authority for that:
 * the embedded aedes broker admits a satellite only with a token its own key signed and lets it
 * publish only under its own id (mqtt/acl.ts); an external broker (Mosquitto) must be given the
 * same ACL (`pattern readwrite jarvis/v1/satellite/%u/#`). On top, the hub answers only ids
 * enrolled and not revoked in its store, looked up at each `hello`.
 *
 * Lifecycle: a `hello` on `up` opens a connection (a newer one replaces the older); it ends when
 * the satellite's status turns offline (its clean stop, or the broker's last will), when the hub
 * closes it (revocation, policy), or when the hub stops. An offline status older than the last
 * online one (a stale will arriving after a reconnect) is ignored.
 */
import {
  allSatellites,
  decodeStatus,
  parseSatelliteTopic,
  satelliteTopics,
  type SatelliteTopics,
} from '@jarvis/protocol';
import type { Logger } from 'pino';
import type { MqttBus } from '../mqtt/bus.js';
import type { SatelliteRecord } from '../storage/satellites.js';
import {
  CLOSE,
  SatelliteConnection,
  type ConnectionHooks,
  type SatelliteTransport,
} from './connection.js';

export interface MqttGatewayOptions {
  readonly bus: Pick<MqttBus, 'publish' | 'subscribe' | 'disconnectIdentity'>;
  readonly hooks: ConnectionHooks;
  /** The enrolled record of `id`, or undefined for an unknown id; throws when storage fails. */
  readonly lookup: (id: string) => Promise<SatelliteRecord | undefined>;
  readonly log: Logger;
  /** A satellite the hub would not answer (unknown, revoked, storage down): code for metrics. */
  readonly onRefused?: (satelliteId: string, code: string) => void;
}

export interface MqttGateway {
  /** Satellites connected over MQTT now. */
  connections(): number;
  /** Ends every MQTT connection (the hub is stopping). */
  close(): void;
}

/** The close code's name, sent to the satellite in a `link-closed` error before the hub forgets it. */
const CLOSE_NAMES = new Map<number, string>(Object.entries(CLOSE).map(([k, v]) => [v, k]));

/** How long after an online status its `hello` may take before the hub asks for one. */
const HELLO_GRACE_MS = 1500;
/** "hello-required" to a satellite the hub does not know is sent at most this often. */
const HELLO_REQUIRED_EVERY_MS = 1000;

class MqttTransport implements SatelliteTransport {
  readonly kind = 'mqtt';
  private isOpen = true;
  private handlers: Parameters<SatelliteTransport['attach']>[0] | undefined;

  constructor(
    readonly satelliteId: string,
    private readonly topics: SatelliteTopics,
    private readonly bus: MqttGatewayOptions['bus'],
    private readonly log: Logger,
    private readonly onEnd: (t: MqttTransport) => void,
  ) {}

  get open(): boolean {
    return this.isOpen;
  }

  attach(handlers: Parameters<SatelliteTransport['attach']>[0]): void {
    this.handlers = handlers;
  }

  send(data: string | Uint8Array): void {
    if (!this.isOpen) return;
    this.publish(data);
  }

  deliver(bytes: Uint8Array, isBinary: boolean): void {
    if (this.isOpen) this.handlers?.message(bytes, isBinary);
  }

  /** The hub ends it: the satellite is told why, and a revoked or hostile one is cut off. */
  close(code: number, reason: string): void {
    if (!this.isOpen) return;
    this.publish(
      JSON.stringify({
        type: 'error',
        code: 'link-closed',
        message: `${code} ${CLOSE_NAMES.get(code) ?? ''}: ${reason}`.slice(0, 200),
        retryable: code !== CLOSE.revoked,
      }),
    );
    // On the embedded broker the hub can end the client itself; on an external one, the hub
    // stops answering it (a revoked satellite is refused at its next hello).
    if (code === CLOSE.revoked || code === CLOSE.policy || code === CLOSE.tooBig)
      this.bus.disconnectIdentity?.(`satellite:${this.satelliteId}`);
    this.end();
  }

  /** The satellite went away (offline status) or was replaced: no message to it. */
  end(): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.onEnd(this);
    this.handlers?.closed();
  }

  private publish(data: string | Uint8Array): void {
    const text = typeof data === 'string';
    const payload = text ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.bus
      .publish(text ? this.topics.down : this.topics.audioDown, payload, { qos: text ? 1 : 0 })
      .catch((err: unknown) =>
        this.log.warn(
          { satelliteId: this.satelliteId, err: (err as Error).message },
          'mqtt publish to satellite failed',
        ),
      );
  }
}

interface Entry {
  transport: MqttTransport | undefined;
  /** Messages that arrived while the hello's lookup ran, in order. */
  queue: { bytes: Uint8Array; isBinary: boolean }[] | undefined;
  /** `timeMs` of the latest online status: older offline statuses are stale wills. */
  onlineSinceMs: number;
  helloRequiredAt: number;
  helloCheck?: NodeJS.Timeout | undefined;
}

/** Listens on every satellite's `up`, `audio/up` and `status` topics. */
export async function startMqttGateway(options: MqttGatewayOptions): Promise<MqttGateway> {
  const { bus, hooks, log } = options;
  const entries = new Map<string, Entry>();
  /** The last record read per id, for a database outage (as the token verifier does). */
  const lastRead = new Map<string, SatelliteRecord>();
  let closed = false;

  const entryOf = (id: string): Entry => {
    let e = entries.get(id);
    if (!e) {
      e = { transport: undefined, queue: undefined, onlineSinceMs: 0, helloRequiredAt: 0 };
      entries.set(id, e);
    }
    return e;
  };

  const refuse = (id: string, code: string, message: string, retryable: boolean): void => {
    log.warn({ satelliteId: id, code }, 'mqtt satellite refused');
    options.onRefused?.(id, code);
    void bus
      .publish(
        satelliteTopics(id).down,
        JSON.stringify({ type: 'error', code, message, retryable }),
        { qos: 1 },
      )
      .catch(() => undefined);
  };

  const find = async (id: string): Promise<SatelliteRecord | undefined> => {
    try {
      const record = await options.lookup(id);
      if (record) lastRead.set(id, record);
      else lastRead.delete(id);
      return record;
    } catch (err) {
      const cached = lastRead.get(id);
      if (cached) return cached;
      throw err;
    }
  };

  const onHello = async (id: string, entry: Entry, hello: Uint8Array): Promise<void> => {
    entry.queue = [];
    let record: SatelliteRecord | undefined;
    try {
      record = await find(id);
    } catch {
      entry.queue = undefined;
      return refuse(id, 'storage-failed', 'cannot check the satellite now', true);
    }
    const queued = entry.queue;
    entry.queue = undefined;
    if (closed) return;
    // Unknown reads like a bad credential, as on the WebSocket: ids cannot be listed this way.
    if (!record) return refuse(id, 'auth-invalid', 'satellite not enrolled', false);
    if (record.revokedAt) {
      bus.disconnectIdentity?.(`satellite:${id}`);
      return refuse(id, 'satellite-revoked', `satellite "${id}" is revoked`, false);
    }
    // A newer hello replaces the connection (the satellite reconnected before its will came).
    entry.transport?.end();
    const transport = new MqttTransport(id, satelliteTopics(id), bus, log, (t) => {
      if (entry.transport === t) entry.transport = undefined;
    });
    entry.transport = transport;
    new SatelliteConnection(record, transport, hooks);
    transport.deliver(hello, false);
    for (const m of queued) transport.deliver(m.bytes, m.isBinary);
  };

  const onMessage = (id: string, bytes: Uint8Array, isBinary: boolean): void => {
    const entry = entryOf(id);
    if (entry.queue) {
      entry.queue.push({ bytes, isBinary });
      return;
    }
    if (!isBinary && isHello(bytes)) {
      void onHello(id, entry, bytes);
      return;
    }
    if (entry.transport) {
      entry.transport.deliver(bytes, isBinary);
      return;
    }
    // A satellite still connected to an external broker across a hub restart: ask it to
    // introduce itself again (its link answers "hello-required" with a new hello).
    askHello(id, entry);
  };

  const askHello = (id: string, entry: Entry): void => {
    const now = Date.now();
    if (now - entry.helloRequiredAt < HELLO_REQUIRED_EVERY_MS) return;
    entry.helloRequiredAt = now;
    void bus
      .publish(
        satelliteTopics(id).down,
        JSON.stringify({
          type: 'error',
          code: 'hello-required',
          message: 'send hello first',
          retryable: true,
        }),
        { qos: 1 },
      )
      .catch(() => undefined);
  };

  const onStatus = (id: string, payload: Buffer): void => {
    let status;
    try {
      status = decodeStatus(payload);
    } catch (err) {
      log.warn({ satelliteId: id, err: (err as Error).message }, 'bad satellite status');
      return;
    }
    const entry = entryOf(id);
    if (status.online) {
      entry.onlineSinceMs = Math.max(entry.onlineSinceMs, status.timeMs);
      // Online but silent (the hub restarted; the satellite's broker session did not): once
      // its hello has had time to come, ask for one, so announcements and timers reach it.
      clearTimeout(entry.helloCheck);
      entry.helloCheck = setTimeout(() => {
        if (!closed && !entry.transport && !entry.queue) askHello(id, entry);
      }, HELLO_GRACE_MS);
      entry.helloCheck.unref();
      return;
    }
    clearTimeout(entry.helloCheck);
    if (status.timeMs < entry.onlineSinceMs) return; // the will of a connection already replaced
    if (entry.transport) log.info({ satelliteId: id }, 'mqtt satellite went offline');
    entry.transport?.end();
  };

  const route =
    (handle: (id: string, payload: Buffer) => void) =>
    (topic: string, payload: Buffer): void => {
      if (closed) return;
      const ref = parseSatelliteTopic(topic);
      if (!ref) return;
      try {
        handle(ref.satelliteId, payload);
      } catch (err) {
        log.error({ err: (err as Error).message, topic }, 'mqtt gateway handler failed');
      }
    };
  await bus.subscribe(
    allSatellites('status'),
    route((id, p) => onStatus(id, p)),
  );
  await bus.subscribe(
    allSatellites('up'),
    route((id, p) => onMessage(id, p, false)),
  );
  await bus.subscribe(
    allSatellites('audio-up'),
    route((id, p) => onMessage(id, p, true)),
  );

  return {
    connections: () => [...entries.values()].filter((e) => e.transport?.open).length,
    close() {
      closed = true;
      for (const e of entries.values()) {
        clearTimeout(e.helloCheck);
        e.transport?.end();
      }
      entries.clear();
    },
  };
}

/** Whether a JSON payload is a `hello` (the full check is the connection's). */
function isHello(bytes: Uint8Array): boolean {
  // Cheap: only up events of a few hundred bytes are looked into.
  if (bytes.byteLength > 4096) return false;
  try {
    const value = JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
    return (
      typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'hello'
    );
  } catch {
    return false;
  }
}
