import {
  encodeAudioFrame,
  encodeEvent,
  encodeStatus,
  PROTOCOL_VERSION,
  satelliteTopics,
  type UpEvent,
} from '@jarvis/protocol';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { topicMatches, type MessageHandler } from '../mqtt/bus.js';
import type { SatelliteRecord } from '../storage/satellites.js';
import { CLOSE, type ConnectionHooks, type SatelliteConnection } from './connection.js';
import { startMqttGateway } from './mqtt-gateway.js';

const log = pino({ level: 'silent' });
const record = (id: string, revoked = false): SatelliteRecord => ({
  id,
  name: `${id} satellite`,
  room: id,
  publicKey: '',
  enrolledAt: new Date(0),
  revokedAt: revoked ? new Date(0) : null,
});

/** An in-process bus: what the gateway publishes is kept, what a test "publishes" is routed. */
function fakeBus() {
  const subs: { filter: string; handler: MessageHandler }[] = [];
  const published: { topic: string; payload: string | Buffer; qos: number | undefined }[] = [];
  const disconnected: string[] = [];
  return {
    published,
    disconnected,
    /** Events published to `id`'s down topic, decoded. */
    down: (id: string) =>
      published
        .filter((p) => p.topic === satelliteTopics(id).down)
        .map((p) => JSON.parse(p.payload.toString()) as { type: string; code?: string }),
    emit(topic: string, payload: string | Uint8Array) {
      const buf = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload);
      for (const s of subs) if (topicMatches(s.filter, topic)) s.handler(topic, buf);
    },
    bus: {
      publish: (topic: string, payload: string | Buffer, o?: { qos?: 0 | 1 }) => {
        published.push({ topic, payload, qos: o?.qos });
        return Promise.resolve();
      },
      subscribe: (filter: string, handler: MessageHandler) => {
        subs.push({ filter, handler });
        return Promise.resolve();
      },
      disconnectIdentity: (name: string) => {
        disconnected.push(name);
        return 1;
      },
    },
  };
}

function recordingHooks() {
  const calls: string[] = [];
  const conns: SatelliteConnection[] = [];
  const hooks: ConnectionHooks = {
    hubId: 'hub',
    log,
    onReady: (c) => {
      conns.push(c);
      calls.push(`ready:${c.satellite.id}`);
    },
    onWake: (c) => calls.push(`wake:${c.satellite.id}`),
    onAudioStart: (c) => calls.push(`audio-start:${c.satellite.id}`),
    onAudio: (c, chunk) => calls.push(`audio:${chunk.pcm[0]}`),
    onAudioStop: (c) => calls.push(`audio-stop:${c.satellite.id}`),
    onCancel: (c) => calls.push(`cancel:${c.satellite.id}`),
    onClose: (c) => calls.push(`close:${c.satellite.id}`),
  };
  return { hooks, calls, conns };
}

const hello = (id: string): UpEvent => ({
  type: 'hello',
  versions: [PROTOCOL_VERSION],
  satelliteId: id,
  capabilities: {
    wakeWords: ['hey_jarvis'],
    audioIn: { rate: 16000, width: 2, channels: 1 },
    audioOut: true,
    leds: false,
  },
});
const tick = () => new Promise((r) => setTimeout(r, 5));

async function setup(records: SatelliteRecord[] = [record('kitchen')]) {
  const b = fakeBus();
  const h = recordingHooks();
  const byId = new Map(records.map((r) => [r.id, r]));
  const gateway = await startMqttGateway({
    bus: b.bus,
    hooks: h.hooks,
    lookup: (id) => Promise.resolve(byId.get(id)),
    log,
  });
  const up = (id: string, e: UpEvent) => b.emit(satelliteTopics(id).up, encodeEvent(e));
  const status = (id: string, online: boolean, timeMs: number) =>
    b.emit(satelliteTopics(id).status, encodeStatus({ online, timeMs }));
  return { ...b, ...h, gateway, up, status };
}

describe('MQTT gateway', () => {
  it('opens-a-connection-on-hello-and-carries-events-and-audio-both-ways', async () => {
    const t = await setup();
    t.status('kitchen', true, 1000);
    t.up('kitchen', hello('kitchen'));
    await tick();
    expect(t.calls).toEqual(['ready:kitchen']);
    expect(t.down('kitchen')[0]).toMatchObject({ type: 'welcome', hubId: 'hub' });
    expect(t.gateway.connections()).toBe(1);
    t.up('kitchen', { type: 'wake', name: 'hey_jarvis', score: 0.9, timeMs: Date.now() });
    t.up('kitchen', {
      type: 'audio-start',
      stream: 1,
      kind: 'mic',
      rate: 16000,
      width: 2,
      channels: 1,
    });
    const frame = (sequence: number) =>
      encodeAudioFrame({
        kind: 'mic',
        stream: 1,
        sequence,
        timestampMs: sequence * 20,
        pcm: Int16Array.of(sequence),
      });
    // Out of order and repeated over the broker: back in order, once each.
    for (const s of [0, 2, 1, 1, 3]) t.emit(satelliteTopics('kitchen').audioUp, frame(s));
    t.up('kitchen', { type: 'audio-stop', stream: 1 });
    expect(t.calls.slice(1)).toEqual([
      'wake:kitchen',
      'audio-start:kitchen',
      'audio:0',
      'audio:1',
      'audio:2',
      'audio:3',
      'audio-stop:kitchen',
    ]);
    // Replies: events at QoS 1 on down, audio at QoS 0 on audio/down.
    const conn = t.conns[0]!;
    conn.sendAudio(conn.nextStream(), { pcm: Int16Array.of(1, 2), rate: 22050, timestampMs: 0 });
    expect(t.published.at(-1)).toMatchObject({
      topic: satelliteTopics('kitchen').audioDown,
      qos: 0,
    });
    expect(t.published[0]).toMatchObject({ topic: satelliteTopics('kitchen').down, qos: 1 });
  });

  it('frames-that-overtake-their-audio-start-wait-for-it', async () => {
    const t = await setup();
    t.up('kitchen', hello('kitchen'));
    await tick();
    t.up('kitchen', { type: 'wake', name: 'hey_jarvis', score: 0.9, timeMs: Date.now() });
    // QoS 0 frames forwarded before the QoS 1 audio-start the broker was still storing.
    for (const s of [0, 1])
      t.emit(
        satelliteTopics('kitchen').audioUp,
        encodeAudioFrame({
          kind: 'mic',
          stream: 1,
          sequence: s,
          timestampMs: 0,
          pcm: Int16Array.of(s),
        }),
      );
    t.up('kitchen', {
      type: 'audio-start',
      stream: 1,
      kind: 'mic',
      rate: 16000,
      width: 2,
      channels: 1,
    });
    expect(t.calls.slice(1)).toEqual(['wake:kitchen', 'audio-start:kitchen', 'audio:0', 'audio:1']);
    expect(t.down('kitchen').filter((e) => e.type === 'error')).toEqual([]);
  });

  it('closes-on-the-offline-status-but-not-on-a-stale-will', async () => {
    const t = await setup();
    t.status('kitchen', true, 1000);
    t.up('kitchen', hello('kitchen'));
    await tick();
    // A reconnect: the new connection's online status, then the old one's will, late.
    t.status('kitchen', true, 2000);
    t.status('kitchen', false, 1000);
    expect(t.calls).toEqual(['ready:kitchen']);
    t.status('kitchen', false, 2000);
    expect(t.calls).toEqual(['ready:kitchen', 'close:kitchen']);
    expect(t.gateway.connections()).toBe(0);
  });

  it('refuses-unknown-and-revoked-satellites', async () => {
    const t = await setup([record('kitchen', true)]);
    t.up('ghost', hello('ghost'));
    t.up('kitchen', hello('kitchen'));
    await tick();
    expect(t.calls).toEqual([]);
    expect(t.down('ghost')).toEqual([expect.objectContaining({ code: 'auth-invalid' })]);
    expect(t.down('kitchen')).toEqual([expect.objectContaining({ code: 'satellite-revoked' })]);
    expect(t.disconnected).toEqual(['satellite:kitchen']);
  });

  it('asks-a-satellite-it-does-not-know-for-hello-at-most-once-a-second', async () => {
    const t = await setup();
    for (let i = 0; i < 3; i++) t.up('kitchen', { type: 'ping', id: i, timeMs: Date.now() });
    expect(t.down('kitchen')).toEqual([expect.objectContaining({ code: 'hello-required' })]);
  });

  it('asks-an-online-satellite-that-says-nothing-for-hello', async () => {
    const t = await setup();
    vi.useFakeTimers();
    try {
      // Retained from before a hub restart: online, and no hello coming by itself.
      t.status('kitchen', true, 1000);
      vi.advanceTimersByTime(1000);
      expect(t.down('kitchen')).toEqual([]);
      vi.advanceTimersByTime(1000);
      expect(t.down('kitchen')).toEqual([expect.objectContaining({ code: 'hello-required' })]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a-newer-hello-replaces-the-connection', async () => {
    const t = await setup();
    t.up('kitchen', hello('kitchen'));
    await tick();
    t.up('kitchen', hello('kitchen'));
    await tick();
    expect(t.calls).toEqual(['ready:kitchen', 'close:kitchen', 'ready:kitchen']);
    expect(t.gateway.connections()).toBe(1);
  });

  it('closing-for-revocation-tells-the-satellite-and-cuts-it-off', async () => {
    const t = await setup();
    t.up('kitchen', hello('kitchen'));
    await tick();
    t.conns[0]!.close(CLOSE.revoked, 'revoked');
    expect(t.down('kitchen').at(-1)).toMatchObject({ type: 'error', code: 'link-closed' });
    expect(t.disconnected).toEqual(['satellite:kitchen']);
    expect(t.calls.at(-1)).toBe('close:kitchen');
    // Nothing more reaches the closed connection.
    t.up('kitchen', { type: 'wake', name: 'hey_jarvis', score: 0.9, timeMs: Date.now() });
    expect(t.calls.at(-1)).toBe('close:kitchen');
  });

  it('a-hello-naming-another-satellite-than-its-topic-is-cut-off', async () => {
    const t = await setup([record('kitchen'), record('bedroom')]);
    t.up('bedroom', hello('kitchen'));
    await tick();
    expect(t.calls).toEqual(['close:bedroom']);
    expect(t.disconnected).toEqual(['satellite:bedroom']);
  });
});
