import type { AudioChunk, DownEvent } from '@jarvis/protocol';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Announcer } from '../announcements/announcements.js';
import type { TtsEngine } from '../engines/types.js';
import { CLOSE, type SatelliteConnection } from '../gateway/connection.js';
import { LiveEvents, type LiveEvent } from '../live/live-events.js';
import { Cluster } from './cluster.js';
import { parseEnvelope } from './messages.js';
import { MemoryChannel, ReplicaBus } from './replica-bus.js';

const log = pino({ level: 'silent' });

const tts: TtsEngine = {
  id: 'fake',
  sampleRate: 16000,
  async *synthesize(): AsyncIterable<AudioChunk> {
    yield { pcm: new Int16Array(160).fill(1000), rate: 16000, timestampMs: 0 };
  },
  close: async () => undefined,
};

/** A satellite connection as the cluster sees it: events and closes recorded. */
function fakeConn(id: string, room: string) {
  const events: DownEvent[] = [];
  const closed: number[] = [];
  let stream = 0;
  const conn = {
    connectionId: `${id}-${Math.random()}`,
    satellite: { id, room },
    send: (e: DownEvent) => events.push(e),
    sendAudio: () => undefined,
    nextStream: () => ++stream,
    close: (code: number) => closed.push(code),
  };
  return { conn: conn as unknown as SatelliteConnection & typeof conn, events, closed };
}

interface Replica {
  cluster: Cluster;
  live: LiveEvents;
  online: Map<string, SatelliteConnection>;
  announcer: Announcer;
  connect(c: SatelliteConnection): void;
}

const open: Replica[] = [];
afterEach(async () => {
  for (const r of open.splice(0)) await r.cluster.close();
});

async function replica(
  channel: MemoryChannel,
  now: () => number = Date.now,
  extra: { onRemoteRooms?: (rooms: readonly string[]) => void } = {},
): Promise<Replica> {
  const live = new LiveEvents(log);
  const online = new Map<string, SatelliteConnection>();
  const cluster = new Cluster(new ReplicaBus(channel.transport(), log), {
    hubId: 'test',
    log,
    live,
    online: () => online,
    tts,
    answerTimeoutMs: 500,
    now,
    // What server.ts does: this replica's view of a satellite it holds.
    republishSatellite: (id) =>
      live.publish({ type: 'satellite', satellite: { id, online: online.has(id) } }),
    ...extra,
  });
  const announcer = new Announcer({ tts, log, online: () => online.values(), remote: cluster });
  await cluster.start();
  const r = {
    cluster,
    live,
    online,
    announcer,
    connect(c: SatelliteConnection) {
      online.set(c.satellite.id, c);
      cluster.satelliteReady(c);
    },
  };
  open.push(r);
  return r;
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('replica bus', () => {
  it('drops-bad-messages-and-its-own-echoes', async () => {
    const channel = new MemoryChannel();
    const transport = channel.transport();
    const bus = new ReplicaBus(channel.transport(), log, 'me');
    const got: string[] = [];
    bus.on((m) => got.push(m.type));
    await bus.start();
    for (const text of [
      'not json',
      '{"v":1,"from":"x","message":{"type":"nope"}}',
      '{"v":2,"from":"x","message":{"type":"hello"}}',
      '{"v":1,"from":"x","message":{"type":"hello","extra":1}}',
      '{"v":1,"from":"me","message":{"type":"hello"}}',
      '{"v":1,"from":"x","message":{"type":"rang","to":"someone-else","requestId":"r","ok":true}}',
      '{"v":1,"from":"x","message":{"type":"hello"}}',
    ])
      await transport.publish(text);
    await settle();
    expect(got).toEqual(['hello']);
    await bus.close();
  });

  it('refuses-an-oversized-or-malformed-live-event', () => {
    const big = JSON.stringify({
      v: 1,
      from: 'x',
      message: {
        type: 'live',
        event: { type: 'reply', sessionId: 's', text: 'x'.repeat(300_000) },
      },
    });
    expect(() => parseEnvelope(big)).toThrow(/too large|bytes/);
    const bad = JSON.stringify({
      v: 1,
      from: 'x',
      message: { type: 'live', event: { type: 'transcript', sessionId: 's' } },
    });
    expect(() => parseEnvelope(bad)).toThrow(/replica message/);
  });
});

describe('cluster', () => {
  it('passes-live-events-on-once-and-never-device-states-or-received-ones', async () => {
    const channel = new MemoryChannel();
    const a = await replica(channel);
    const b = await replica(channel);
    const seenA: LiveEvent[] = [];
    const seenB: LiveEvent[] = [];
    a.live.subscribe((e) => seenA.push(e));
    b.live.subscribe((e) => seenB.push(e));
    a.live.publish({ type: 'timers' });
    a.live.publish({ type: 'device', device: { id: 'lamp' } });
    await settle();
    expect(seenB.map((e) => e.type)).toEqual(['timers']);
    expect(seenA.map((e) => e.type)).toEqual(['timers', 'device']);
  });

  it('announces-on-a-satellite-held-by-another-replica-and-says-who-heard', async () => {
    const channel = new MemoryChannel();
    const a = await replica(channel);
    const b = await replica(channel);
    const kitchen = fakeConn('kitchen', 'Kitchen');
    b.connect(kitchen.conn);
    await settle();
    const targets = a.announcer.targets({ room: 'kitchen' });
    expect(targets).toEqual([{ satellite: { id: 'kitchen', room: 'Kitchen' }, remote: true }]);
    expect(await a.announcer.announceTo(targets, 'Dinner')).toEqual(['kitchen']);
    expect(kitchen.events[0]).toMatchObject({ type: 'announce', text: 'Dinner' });
    // Gone from B: no longer a target anywhere.
    b.online.delete('kitchen');
    b.cluster.satelliteGone(kitchen.conn);
    await settle();
    expect(a.announcer.targets({ room: 'kitchen' })).toEqual([]);
  });

  it('forgets-a-silent-replica-after-its-ttl', async () => {
    const channel = new MemoryChannel();
    let now = 1_000_000;
    const a = await replica(channel, () => now);
    const b = await replica(channel, () => now);
    b.connect(fakeConn('hall', 'hall').conn);
    await settle();
    expect(a.cluster.satellites()).toEqual([{ id: 'hall', room: 'hall' }]);
    now += 16_000; // three 5 s heartbeats missed
    expect(a.cluster.satellites()).toEqual([]);
  });

  it('rings-a-timer-on-the-replica-holding-its-satellite', async () => {
    const channel = new MemoryChannel();
    const a = await replica(channel);
    const b = await replica(channel);
    const timer = { id: 't1', satelliteId: 'kitchen', durationMs: 5000, endsAt: new Date() };
    expect(await a.cluster.ringElsewhere(timer, 'Your timer is done.')).toBe(false);
    const kitchen = fakeConn('kitchen', 'kitchen');
    b.connect(kitchen.conn);
    await settle();
    expect(await a.cluster.ringElsewhere(timer, 'Your timer is done.')).toBe(true);
    expect(kitchen.events[0]).toMatchObject({ type: 'announce', reason: 'timer' });
  });

  it('closes-the-older-connection-when-a-satellite-connects-to-another-replica', async () => {
    const channel = new MemoryChannel();
    let now = 1_000_000;
    const a = await replica(channel, () => now);
    const b = await replica(channel, () => now);
    const old = fakeConn('kitchen', 'kitchen');
    a.connect(old.conn);
    await settle();
    now += 10;
    const fresh = fakeConn('kitchen', 'kitchen');
    b.connect(fresh.conn);
    await settle();
    expect(old.closed).toEqual([CLOSE.replaced]);
    expect(fresh.closed).toEqual([]);
  });

  it('answers-a-moved-satellites-offline-with-the-new-replicas-online', async () => {
    const channel = new MemoryChannel();
    let now = 1_000_000;
    const a = await replica(channel, () => now);
    const b = await replica(channel, () => now);
    const seenB: unknown[] = [];
    b.live.subscribe((e) => e.type === 'satellite' && seenB.push(e.satellite));
    const old = fakeConn('study', 'study');
    a.connect(old.conn);
    now += 10;
    b.connect(fakeConn('study', 'study').conn);
    await settle();
    // A's connection closes; A says so on its own feed.
    a.online.delete('study');
    a.cluster.satelliteGone(old.conn);
    a.live.publish({ type: 'satellite', satellite: { id: 'study', online: false } });
    await settle();
    // B never hears A's "offline"; everyone hears B's "online" again.
    expect(seenB).toEqual([{ id: 'study', online: true }]);
  });

  it('passes-on-each-remote-room-once', async () => {
    const channel = new MemoryChannel();
    const rooms: string[][] = [];
    await replica(channel, Date.now, { onRemoteRooms: (r) => rooms.push([...r]) });
    const b = await replica(channel);
    b.connect(fakeConn('nursery', 'nursery').conn);
    b.connect(fakeConn('nursery-2', 'nursery').conn);
    b.connect(fakeConn('attic', 'attic').conn);
    await settle();
    expect(rooms.flat().sort()).toEqual(['attic', 'nursery']);
  });
});
