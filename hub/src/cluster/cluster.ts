/**
 * Hub replicas working as one (issue 9): each knows which satellites the others hold
 * (presence), passes its live events on, speaks announcements and rings timers on satellites
 * that another replica holds, and closes its own connection of a satellite that has connected
 * to another replica since. Without a cluster Redis URL none of this runs and each hub is on its
 * own, as before.
 *
 * Presence travels on the bus itself, as each replica's whole list, sent on every change and as
 * a heartbeat; a list is believed for `ttlMs` only, so a replica that died without a word stops
 * being asked within it. Requests to speak are answered (or time out), so the asking replica
 * only says "heard" for what was heard.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { RemoteAnnouncements } from '../announcements/announcements.js';
import type { TtsEngine } from '../engines/types.js';
import { CLOSE, type SatelliteConnection } from '../gateway/connection.js';
import type { LiveEvent, LiveEvents } from '../live/live-events.js';
import { announce } from '../pipeline/speech-out.js';
import type { Timer } from '../timers/timers.js';
import type { ClusterMessage, PresentSatellite } from './messages.js';
import { ReplicaBus, redisTransport, type MessageOf } from './replica-bus.js';

export interface ClusterOptions {
  readonly hubId: string;
  readonly log: Logger;
  readonly live: LiveEvents;
  /** The satellites connected to this replica now. */
  readonly online: () => ReadonlyMap<string, SatelliteConnection>;
  readonly tts: TtsEngine;
  /**
   * Told of rooms with a satellite on another replica, each once, so that "tell the nursery …"
   * spoken here can name a room whose satellite was enrolled and connected elsewhere.
   */
  readonly onRemoteRooms?: (rooms: readonly string[]) => void;
  /** Publishes this replica's live view of a satellite connected here (a `satellite` event). */
  readonly republishSatellite?: (satelliteId: string) => void;
  /** Presence heartbeat (5 s); a replica's list is believed for three of them. */
  readonly heartbeatMs?: number;
  /** How long an answer to announce or ring is awaited (60 s: speaking takes seconds). */
  readonly answerTimeoutMs?: number;
  readonly now?: () => number;
}

/**
 * Live events every replica already sees for itself: device states come from the shared MQTT
 * broker to each replica's own subscription, so passing them on would show each one twice.
 */
const SEEN_BY_EVERY_REPLICA = new Set<LiveEvent['type']>(['device']);

interface Pending {
  readonly replica: string;
  readonly resolve: (answer: MessageOf<'announced'> | MessageOf<'rang'> | undefined) => void;
}

export class Cluster implements RemoteAnnouncements {
  private readonly log: Logger;
  private readonly heartbeatMs: number;
  private readonly answerTimeoutMs: number;
  private readonly now: () => number;
  /** When each local connection became ready, by connection id. */
  private readonly readyAt = new Map<string, number>();
  /** The other replicas' satellites, as their last presence said. */
  private readonly remote = new Map<
    string,
    { satellites: readonly PresentSatellite[]; until: number }
  >();
  private readonly pending = new Map<string, Pending>();
  private readonly roomsPassedOn = new Set<string>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly abort = new AbortController();
  private speakHere: ((ids: readonly string[], text: string) => Promise<string[]>) | undefined;
  private closed = false;

  constructor(
    private readonly bus: ReplicaBus,
    private readonly options: ClusterOptions,
  ) {
    this.log = options.log.child({ component: 'cluster', replicaId: bus.replicaId });
    this.heartbeatMs = options.heartbeatMs ?? 5000;
    this.answerTimeoutMs = options.answerTimeoutMs ?? 60_000;
    this.now = options.now ?? Date.now;
    bus.on((message, from) => this.onMessage(message, from));
    options.live.relay = (event) => this.relay(event);
    this.heartbeat = setInterval(() => void this.publishPresence(), this.heartbeatMs);
    this.heartbeat.unref();
  }

  get replicaId(): string {
    return this.bus.replicaId;
  }

  /** Whether the replica bus reaches Redis now (for /ready or the dependency metrics). */
  connected(): boolean {
    return this.bus.connected();
  }

  /** Joins the others: says hello (they answer with their presence) and gives our own. */
  async start(): Promise<void> {
    await this.bus.start();
    await this.bus.publish({ type: 'hello' });
    await this.publishPresence();
    this.log.info('joined the replicas of this hub');
  }

  /** A satellite's connection here became ready (after the in-process bookkeeping). */
  satelliteReady(conn: SatelliteConnection): void {
    this.readyAt.set(conn.connectionId, this.now());
    void this.publishPresence();
  }

  /** A satellite's connection here closed. */
  satelliteGone(conn: SatelliteConnection): void {
    this.readyAt.delete(conn.connectionId);
    void this.publishPresence();
  }

  // --- announcements (RemoteAnnouncements) ---

  /** Satellites online on other replicas only; where two list one, its newer connection counts. */
  satellites(): { id: string; room: string }[] {
    const local = this.options.online();
    return [...this.holders().entries()]
      .filter(([id]) => !local.has(id))
      .map(([id, h]) => ({ id, room: h.room }));
  }

  async speak(ids: readonly string[], text: string): Promise<string[]> {
    const byReplica = new Map<string, string[]>();
    const holders = this.holders();
    for (const id of ids) {
      const replica = holders.get(id)?.replica;
      if (replica) byReplica.set(replica, [...(byReplica.get(replica) ?? []), id]);
    }
    const asked = [...byReplica];
    const answers = await Promise.all(
      asked.map(([to, satellites]) =>
        this.ask(to, (requestId) => ({ type: 'announce', to, requestId, satellites, text })),
      ),
    );
    // Only what was asked of each replica counts as heard.
    return answers.flatMap((a, i) =>
      a?.type === 'announced' ? a.satellites.filter((id) => asked[i]?.[1].includes(id)) : [],
    );
  }

  serve(speakHere: (ids: readonly string[], text: string) => Promise<string[]>): void {
    this.speakHere = speakHere;
  }

  // --- timers ---

  /**
   * Rings a timer on its satellite held by another replica; false when no replica holds it (or
   * the one that did could not ring it), so the timer waits for the satellite as it would alone.
   */
  async ringElsewhere(timer: Timer, text: string): Promise<boolean> {
    const to = this.holders().get(timer.satelliteId)?.replica;
    if (!to) return false;
    const answer = await this.ask(to, (requestId) => ({
      type: 'ring',
      to,
      requestId,
      satelliteId: timer.satelliteId,
      timerId: timer.id,
      text,
    }));
    return answer?.type === 'rang' && answer.ok;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.abort.abort(new Error('hub shutting down'));
    this.options.live.relay = undefined;
    for (const p of this.pending.values()) p.resolve(undefined);
    this.pending.clear();
    await this.bus.publish({ type: 'leaving' });
    await this.bus.close();
  }

  private relay(event: LiveEvent): void {
    if (SEEN_BY_EVERY_REPLICA.has(event.type)) return;
    if (event.type === 'satellite') {
      // Offline here because it moved to another replica (which replaced this connection): the
      // other replica's "online" came first, so it is asked to say it again rather than every
      // dashboard being left with ours.
      const { id, online } = event.satellite as { id?: unknown; online?: unknown };
      const holder =
        typeof id === 'string' && online === false ? this.holders().get(id) : undefined;
      if (holder && typeof id === 'string') {
        void this.bus.publish({ type: 'republish', to: holder.replica, satelliteId: id });
        return;
      }
    }
    void this.bus.publish({ type: 'live', event });
  }

  /** Satellite id → the replica holding it and its room, from live presence lists. */
  private holders(): Map<string, { replica: string; room: string; readyAt: number }> {
    const now = this.now();
    const out = new Map<string, { replica: string; room: string; readyAt: number }>();
    for (const [replica, p] of this.remote) {
      if (p.until <= now) {
        this.remote.delete(replica);
        continue;
      }
      for (const s of p.satellites) {
        const seen = out.get(s.id);
        if (!seen || seen.readyAt < s.readyAt)
          out.set(s.id, { replica, room: s.room, readyAt: s.readyAt });
      }
    }
    return out;
  }

  private publishPresence(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const satellites: PresentSatellite[] = [];
    for (const conn of this.options.online().values()) {
      const readyAt = this.readyAt.get(conn.connectionId);
      if (readyAt !== undefined)
        satellites.push({ id: conn.satellite.id, room: conn.satellite.room, readyAt });
    }
    return this.bus.publish({ type: 'presence', satellites, ttlMs: this.heartbeatMs * 3 });
  }

  /** Sends a request to one replica and waits for its answer; undefined after the timeout. */
  private ask(
    to: string,
    make: (requestId: string) => ClusterMessage,
  ): Promise<MessageOf<'announced'> | MessageOf<'rang'> | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const requestId = randomUUID();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        this.log.warn({ to, requestId }, 'no answer from replica');
        resolve(undefined);
      }, this.answerTimeoutMs);
      this.pending.set(requestId, {
        replica: to,
        resolve: (answer) => {
          clearTimeout(timer);
          this.pending.delete(requestId);
          resolve(answer);
        },
      });
      void this.bus.publish(make(requestId));
    });
  }

  private onMessage(message: ClusterMessage, from: string): void {
    switch (message.type) {
      case 'live':
        // Delivered here only: never passed on again, so events cannot loop.
        this.options.live.deliver(message.event);
        return;
      case 'hello':
        void this.publishPresence();
        return;
      case 'presence':
        this.remote.set(from, {
          satellites: message.satellites,
          until: this.now() + message.ttlMs,
        });
        this.replaceOlder(message.satellites);
        this.passOnRooms(message.satellites);
        return;
      case 'leaving':
        this.remote.delete(from);
        return;
      case 'announced':
      case 'rang': {
        const p = this.pending.get(message.requestId);
        // Only the replica asked may answer.
        if (p?.replica === from) p.resolve(message);
        return;
      }
      case 'republish':
        if (this.options.online().has(message.satelliteId))
          this.options.republishSatellite?.(message.satelliteId);
        return;
      case 'announce':
        void this.onAnnounce(message, from);
        return;
      case 'ring':
        void this.onRing(message, from);
        return;
    }
  }

  /** A satellite that connected to another replica after connecting here: close ours. */
  private replaceOlder(satellites: readonly PresentSatellite[]): void {
    const online = this.options.online();
    for (const s of satellites) {
      const conn = online.get(s.id);
      const readyAt = conn && this.readyAt.get(conn.connectionId);
      if (conn && readyAt !== undefined && readyAt < s.readyAt) {
        this.log.info({ satelliteId: s.id }, 'satellite connected to another replica');
        conn.close(CLOSE.replaced, 'replaced by a newer connection');
      }
    }
  }

  private passOnRooms(satellites: readonly PresentSatellite[]): void {
    const fresh = [...new Set(satellites.map((s) => s.room))].filter(
      (r) => !this.roomsPassedOn.has(r),
    );
    if (fresh.length === 0) return;
    for (const r of fresh) this.roomsPassedOn.add(r);
    this.options.onRemoteRooms?.(fresh);
  }

  private async onAnnounce(message: MessageOf<'announce'>, from: string): Promise<void> {
    const heard = this.speakHere ? await this.speakHere(message.satellites, message.text) : [];
    await this.bus.publish({
      type: 'announced',
      to: from,
      requestId: message.requestId,
      satellites: heard,
    });
  }

  private async onRing(message: MessageOf<'ring'>, from: string): Promise<void> {
    const conn = this.options.online().get(message.satelliteId);
    let ok = false;
    if (conn) {
      const ctx = {
        signal: this.abort.signal,
        log: this.log,
        sessionId: `timer-${message.timerId}`,
      };
      try {
        await announce(
          conn,
          this.options.tts,
          { reason: 'timer', text: message.text, chime: true },
          ctx,
        );
        ok = true;
      } catch (err) {
        this.log.warn(
          { err: (err as Error).message, timerId: message.timerId },
          'timer could not ring',
        );
      }
    }
    await this.bus.publish({ type: 'rang', to: from, requestId: message.requestId, ok });
  }
}

/** Connects this replica to the others over Redis (see ClusterOptions). */
export async function startCluster(
  options: ClusterOptions & { readonly redisUrl: string },
): Promise<Cluster> {
  const transport = await redisTransport(options.redisUrl, options.hubId, options.log);
  const cluster = new Cluster(new ReplicaBus(transport, options.log), options);
  try {
    await cluster.start();
  } catch (err) {
    await transport.close();
    throw err;
  }
  return cluster;
}
