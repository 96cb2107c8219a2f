import type { DownEvent } from '@jarvis/protocol';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { topicMatches, type MessageHandler } from './bus.js';
import {
  SatelliteStates,
  discoveryConfigs,
  muteCommandTopic,
  stateTopic,
  withoutOwnEntities,
  type StateSatellite,
} from './satellite-state.js';

const log = pino({ level: 'silent' });

/** Records retained publishes; delivers "incoming" messages to subscribers. */
class FakeBus {
  readonly retained = new Map<string, string>();
  readonly published: { topic: string; payload: string }[] = [];
  private readonly handlers: { filter: string; handler: MessageHandler }[] = [];
  async publish(topic: string, payload: string | Buffer): Promise<void> {
    this.published.push({ topic, payload: payload.toString() });
    this.retained.set(topic, payload.toString());
  }
  async subscribe(filter: string, handler: MessageHandler): Promise<void> {
    this.handlers.push({ filter, handler });
  }
  deliver(topic: string, payload: string): void {
    for (const h of this.handlers)
      if (topicMatches(h.filter, topic)) h.handler(topic, Buffer.from(payload));
  }
  state(id: string): unknown {
    const s = this.retained.get(stateTopic(id));
    return s === undefined ? undefined : JSON.parse(s);
  }
}

function fakeConn(id = 'kitchen', room = 'kitchen'): StateSatellite & { sent: DownEvent[] } {
  const sent: DownEvent[] = [];
  return {
    satellite: { id, name: `${room} satellite`, room },
    sent,
    send: (e) => sent.push(e),
    sendAudio: () => undefined,
    nextStream: () => 1,
  };
}

async function started(): Promise<{ bus: FakeBus; states: SatelliteStates }> {
  const bus = new FakeBus();
  const states = new SatelliteStates(bus, log, 'homeassistant');
  await states.start();
  return { bus, states };
}

/** Publishes are chained; this lets them run. */
const settle = (states: SatelliteStates): Promise<void> =>
  (states as unknown as { chain: Promise<void> }).chain;

describe('discovery configs', () => {
  it('describe-online-listening-volume-and-mute-on-one-device', () => {
    const configs = discoveryConfigs(
      { id: 'kitchen', name: 'Kitchen satellite', room: 'kitchen' },
      'homeassistant',
    );
    expect([...configs.keys()]).toEqual([
      'homeassistant/binary_sensor/jarvis_kitchen/online/config',
      'homeassistant/binary_sensor/jarvis_kitchen/listening/config',
      'homeassistant/sensor/jarvis_kitchen/volume/config',
      'homeassistant/switch/jarvis_kitchen/mute/config',
    ]);
    const device = {
      identifiers: ['jarvis_kitchen'],
      name: 'Kitchen satellite',
      manufacturer: 'Jarvis',
      model: 'satellite',
      suggested_area: 'kitchen',
    };
    for (const c of configs.values()) {
      expect(c).toMatchObject({ device, state_topic: 'jarvis/satellites/kitchen/state' });
    }
    const [online, , volume, mute] = [...configs.values()];
    expect(online).toMatchObject({
      name: 'Kitchen satellite online',
      device_class: 'connectivity',
      unique_id: 'jarvis_kitchen_online',
    });
    expect(online).not.toHaveProperty('availability');
    expect(volume).toMatchObject({ unit_of_measurement: '%' });
    expect(mute).toMatchObject({
      name: 'Kitchen satellite mute',
      command_topic: 'jarvis/satellites/kitchen/mute/set',
      payload_on: 'ON',
      payload_off: 'OFF',
    });
  });
});

describe('satellite states', () => {
  it('publishes-configs-and-online-on-connect-and-offline-on-close', async () => {
    const { bus, states } = await started();
    const conn = fakeConn();
    states.online(conn);
    await settle(states);
    expect(bus.retained.has('homeassistant/switch/jarvis_kitchen/mute/config')).toBe(true);
    expect(bus.state('kitchen')).toEqual({
      online: true,
      listening: false,
      volume: 100,
      muted: false,
    });
    states.offline(conn);
    await settle(states);
    expect(bus.state('kitchen')).toMatchObject({ online: false });
  });

  it('republishes-configs-only-when-name-or-room-change', async () => {
    const { bus, states } = await started();
    const configs = (): number => bus.published.filter((p) => p.topic.endsWith('/config')).length;
    states.online(fakeConn());
    states.online(fakeConn());
    await settle(states);
    expect(configs()).toBe(4);
    states.online(fakeConn('kitchen', 'pantry'));
    await settle(states);
    expect(configs()).toBe(8);
  });

  it('follows-listening-volume-and-mute-sent-through-observe', async () => {
    const { bus, states } = await started();
    const conn = fakeConn();
    states.online(conn);
    const io = states.observe(conn);
    io.send({ type: 'listening', sessionId: 's1', active: true });
    await settle(states);
    expect(bus.state('kitchen')).toMatchObject({ listening: true });
    io.send({ type: 'listening', sessionId: 's1', active: false });
    io.send({ type: 'set-volume', volume: 40 });
    io.send({ type: 'mute', muted: true });
    await settle(states);
    expect(bus.state('kitchen')).toEqual({
      online: true,
      listening: false,
      volume: 40,
      muted: true,
    });
    expect(conn.sent.map((e) => e.type)).toEqual(['listening', 'listening', 'set-volume', 'mute']);
  });

  it('a-session-that-ends-without-listening-false-stops-listening', async () => {
    const { bus, states } = await started();
    const conn = fakeConn();
    states.online(conn);
    const io = states.observe(conn);
    io.send({ type: 'listening', sessionId: 's1', active: true });
    io.send({ type: 'session-end', sessionId: 's1', outcome: 'error' });
    await settle(states);
    expect(bus.state('kitchen')).toMatchObject({ listening: false });
  });

  it('obeys-the-mute-switch-and-ignores-other-payloads', async () => {
    const { bus, states } = await started();
    const conn = fakeConn();
    states.online(conn);
    bus.deliver(muteCommandTopic('kitchen'), 'ON');
    bus.deliver(muteCommandTopic('kitchen'), 'maybe');
    bus.deliver(muteCommandTopic('nobody'), 'ON');
    await settle(states);
    expect(conn.sent).toEqual([{ type: 'mute', muted: true }]);
    expect(bus.state('kitchen')).toMatchObject({ muted: true });
    bus.deliver(muteCommandTopic('kitchen'), 'OFF');
    await settle(states);
    expect(conn.sent.at(-1)).toEqual({ type: 'mute', muted: false });
    expect(bus.state('kitchen')).toMatchObject({ muted: false });
  });

  it('restores-mute-and-volume-on-a-reconnect', async () => {
    const { bus, states } = await started();
    const first = fakeConn();
    states.online(first);
    states.observe(first).send({ type: 'set-volume', volume: 30 });
    states.offline(first);
    bus.deliver(muteCommandTopic('kitchen'), 'ON'); // while offline
    const second = fakeConn();
    states.online(second);
    await settle(states);
    expect(second.sent).toEqual([
      { type: 'mute', muted: true },
      { type: 'set-volume', volume: 30 },
    ]);
    expect(bus.state('kitchen')).toMatchObject({ online: true, muted: true, volume: 30 });
  });

  it('a-replaced-connection-closing-leaves-the-satellite-online', async () => {
    const { bus, states } = await started();
    const old = fakeConn();
    const current = fakeConn();
    states.online(old);
    states.online(current);
    states.offline(old);
    states.observe(old).send({ type: 'listening', sessionId: 's', active: true });
    await settle(states);
    expect(bus.state('kitchen')).toMatchObject({ online: true, listening: false });
  });

  it('close-marks-online-satellites-offline', async () => {
    const { bus, states } = await started();
    states.online(fakeConn());
    await states.close();
    expect(bus.state('kitchen')).toMatchObject({ online: false });
  });
});

describe('the hub discovering its own satellites', () => {
  it('is-hidden-from-its-device-discovery-while-other-configs-pass', async () => {
    const bus = new FakeBus();
    const seen: string[] = [];
    await withoutOwnEntities(bus, 'homeassistant').subscribe('homeassistant/#', (t) =>
      seen.push(t),
    );
    bus.deliver('homeassistant/switch/jarvis_kitchen/mute/config', '{}');
    bus.deliver('homeassistant/switch/plug/config', '{}');
    bus.deliver('homeassistant/light/zigbee/desk/config', '{}');
    expect(seen).toEqual([
      'homeassistant/switch/plug/config',
      'homeassistant/light/zigbee/desk/config',
    ]);
  });
});
