import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { handleIntent } from '../intents/handle.js';
import { IntentMatcher } from '../intents/intents.js';
import { topicMatches } from '../mqtt/bus.js';
import type { DiscoveryBus } from './discovery-registry.js';
import { startLiveDevices, type LiveDevices } from './live-devices.js';
import { DeviceRegistry } from './registry.js';

/** A broker in miniature: retained messages are replayed to each new subscription. */
class FakeBus implements DiscoveryBus {
  private readonly retained = new Map<string, Buffer>();
  private readonly subs: { filter: string; handler: (t: string, p: Buffer) => void }[] = [];

  subscribe(filter: string, handler: (t: string, p: Buffer) => void): Promise<void> {
    this.subs.push({ filter, handler });
    for (const [t, p] of this.retained) if (topicMatches(filter, t)) handler(t, p);
    return Promise.resolve();
  }

  publish(topic: string, payload: unknown, retain = true): void {
    const buf = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
    if (retain) {
      if (buf.length === 0) this.retained.delete(topic);
      else this.retained.set(topic, buf);
    }
    for (const s of [...this.subs]) if (topicMatches(s.filter, topic)) s.handler(topic, buf);
  }
}

const KITCHEN = {
  id: 'kitchen-light',
  name: 'light',
  room: 'kitchen',
  commandTopic: 'home/kitchen/light/set',
};

/** A Zigbee2MQTT light: JSON schema, name from its device, room from its suggested area. */
const z2mLight = (ieee: string, name: string, area?: string) => ({
  command_topic: `zigbee2mqtt/${name}/set`,
  state_topic: `zigbee2mqtt/${name}`,
  schema: 'json',
  name: null,
  device: { identifiers: [`zigbee2mqtt_${ieee}`], name, suggested_area: area },
  unique_id: `${ieee}_light_zigbee2mqtt`,
});
const configTopic = (ieee: string) => `homeassistant/light/${ieee}/light/config`;

/** Words a pretend recogniser knows; any other word in a grammar is refused. */
const DICTIONARY = new Set(
  'desk lamp office reading living room kitchen light hall kettle'.split(' '),
);

function harness() {
  const bus = new FakeBus();
  const registry = new DeviceRegistry([KITCHEN]);
  const matcher = new IntentMatcher(registry);
  const grammars: string[] = [];
  const onDevicesChanged = (): void => {
    matcher.rebuild();
    const unknown = [...registry.phrases(), ...registry.rooms()]
      .flatMap((p) => p.split(' '))
      .filter((w) => !DICTIONARY.has(w));
    if (unknown.length > 0) throw new Error(`not in the dictionary: ${unknown.join(', ')}`);
    grammars.push(matcher.grammar());
  };
  return { bus, registry, matcher, grammars, onDevicesChanged };
}

let live: LiveDevices | undefined;
afterEach(async () => {
  await live?.stop();
  live = undefined;
});

const log = pino({ level: 'silent' });

describe('live discovered devices', () => {
  it('takes-a-burst-of-retained-configs-in-one-rebuild', async () => {
    const h = harness();
    for (let i = 0; i < 20; i++)
      h.bus.publish(configTopic(`0x${i}`), z2mLight(`0x${i}`, `Lamp ${i}`, 'Hall'));
    h.bus.publish(configTopic('0xdesk'), z2mLight('0xdesk', 'Desk lamp', 'Office'));
    live = await startLiveDevices({ ...h, log, debounceMs: 20 });
    await live.settled();

    // "Lamp 3" has no spoken name after the digits go ("lamp"), so they all become "hall lamp".
    expect(h.grammars).toHaveLength(1);
    expect(h.registry.devices).toHaveLength(22);
    expect(h.grammars[0]).toContain('desk lamp');
    const match = h.matcher.match('turn on the desk lamp');
    const outcome = handleIntent(match, {
      devices: h.registry,
      satelliteRoom: 'hall',
      now: new Date(),
    });
    expect(outcome.action).toEqual({
      topic: 'zigbee2mqtt/Desk lamp/set',
      payload: '{"state":"ON"}',
      deviceId: '0xdesk_light_zigbee2mqtt',
    });
  });

  it('adds-updates-and-removes-devices-as-configs-come-and-go', async () => {
    const h = harness();
    live = await startLiveDevices({ ...h, log, debounceMs: 10 });
    h.bus.publish(configTopic('0xdesk'), z2mLight('0xdesk', 'Desk lamp', 'Office'));
    await live.settled();
    expect(h.registry.rooms()).toEqual(['kitchen', 'office']);
    expect(h.matcher.match('turn on the office desk lamp')?.name).toBe('turn_on');

    h.bus.publish(configTopic('0xdesk'), z2mLight('0xdesk', 'Desk lamp', 'Living room'));
    await live.settled();
    expect(h.registry.rooms()).toEqual(['kitchen', 'living room']);
    expect(h.matcher.match('turn on the office desk lamp')).toBeUndefined();

    h.bus.publish(configTopic('0xdesk'), '');
    await live.settled();
    expect(h.registry.devices.map((d) => d.id)).toEqual(['kitchen-light']);
    expect(h.matcher.match('turn on the desk lamp')).toBeUndefined();
    expect(h.grammars.at(-1)).not.toContain('desk');
    expect(h.grammars).toHaveLength(3);
  });

  it('leaves-out-devices-the-recogniser-cannot-say-and-keeps-the-rest', async () => {
    const h = harness();
    // Zigbee2MQTT's default friendly name is the IEEE address: "x b fffec a b" spoken.
    h.bus.publish(
      configTopic('0x000b57fffec6a5b2'),
      z2mLight('0x000b57fffec6a5b2', '0x000b57fffec6a5b2'),
    );
    h.bus.publish(configTopic('0xdesk'), z2mLight('0xdesk', 'Desk lamp', 'Office'));
    h.bus.publish(configTopic('0xgarage'), z2mLight('0xgarage', 'Light', 'Garage'));
    live = await startLiveDevices({ ...h, log, debounceMs: 10 });
    await live.settled();
    expect(h.registry.devices.map((d) => d.id)).toEqual([
      'kitchen-light',
      '0xdesk_light_zigbee2mqtt',
    ]);
    expect(h.grammars.at(-1)).toContain('desk lamp');

    // Renamed to something sayable, and in a room the recogniser knows, it comes in.
    h.bus.publish(configTopic('0xgarage'), z2mLight('0xgarage', 'Reading light', 'Living room'));
    await live.settled();
    expect(h.registry.devices.map((d) => d.id)).toEqual([
      'kitchen-light',
      '0xdesk_light_zigbee2mqtt',
      '0xgarage_light_zigbee2mqtt',
    ]);
  });

  it('names-a-device-with-no-room-by-its-name-alone', async () => {
    const h = harness();
    h.bus.publish(configTopic('0xkettle'), z2mLight('0xkettle', 'Kettle'));
    live = await startLiveDevices({ ...h, log, debounceMs: 10 });
    await live.settled();
    expect(h.registry.find('0xkettle_light_zigbee2mqtt')?.room).toBe('');
    expect(h.registry.rooms()).toEqual(['kitchen']);
    expect(h.grammars.at(-1)).not.toContain('unassigned');
    const outcome = handleIntent(h.matcher.match('turn off the kettle'), {
      devices: h.registry,
      satelliteRoom: 'office',
      now: new Date(),
    });
    expect(outcome.reply).toBe('Turning off the kettle.');
    expect(outcome.action?.payload).toBe('{"state":"OFF"}');
  });

  it('reports-discovered-power-through-the-registry', async () => {
    const h = harness();
    live = await startLiveDevices({ ...h, log, debounceMs: 10 });
    h.bus.publish(configTopic('0xdesk'), z2mLight('0xdesk', 'Desk lamp', 'Office'));
    await live.settled();
    expect(h.registry.stateOf('0xdesk_light_zigbee2mqtt')).toBeUndefined();
    h.bus.publish('zigbee2mqtt/Desk lamp', { state: 'ON', brightness: 200 });
    expect(h.registry.stateOf('0xdesk_light_zigbee2mqtt')).toBe('ON');
    h.bus.publish('zigbee2mqtt/Desk lamp', { state: 'OFF' });
    expect(h.registry.stateOf('0xdesk_light_zigbee2mqtt')).toBe('OFF');
  });

  it('stops-following-discovery-when-stopped', async () => {
    const h = harness();
    live = await startLiveDevices({ ...h, log, debounceMs: 10 });
    h.bus.publish(configTopic('0xdesk'), z2mLight('0xdesk', 'Desk lamp', 'Office'));
    await live.stop(); // before the debounce fired
    await new Promise((r) => setTimeout(r, 30));
    expect(h.registry.devices.map((d) => d.id)).toEqual(['kitchen-light']);
    expect(h.grammars).toEqual([]);
  });
});
