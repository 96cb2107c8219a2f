import { describe, expect, it } from 'vitest';
import { isTopicFilter, mayPublish, maySubscribe, satelliteIdentity } from './acl.js';

const lamp = {
  name: 'device:lamp',
  publish: ['zigbee2mqtt/lamp'],
  subscribe: ['home/#', 'z/+/set'],
};

describe('topic ACLs', () => {
  it('allow-publishing-only-to-matching-plain-topics', () => {
    expect(mayPublish(lamp, 'zigbee2mqtt/lamp')).toBe(true);
    for (const t of ['zigbee2mqtt/lamp/set', 'zigbee2mqtt/other', 'zigbee2mqtt/+', '#', '$SYS/x'])
      expect(mayPublish(lamp, t), t).toBe(false);
  });

  it('allow-subscriptions-only-inside-a-filter', () => {
    for (const f of ['home/#', 'home/kitchen/+', 'home/a/b/c', 'z/x/set', 'z/+/set'])
      expect(maySubscribe(lamp, f), f).toBe(true);
    for (const f of ['#', '+/kitchen', 'home', 'z/#', 'z/x/+', 'z/x/set/more', '$SYS/#'])
      expect(maySubscribe(lamp, f), f).toBe(false);
    const sat = satelliteIdentity('attic', 'jarvis/v1/satellite');
    expect(maySubscribe(sat, 'jarvis/v1/satellite/attic/down')).toBe(true);
    expect(maySubscribe(sat, 'jarvis/v1/satellite/+/down')).toBe(false);
    expect(mayPublish(sat, 'jarvis/v1/satellite/cellar/up')).toBe(false);
  });

  it('know-a-valid-filter', () => {
    for (const f of ['a', 'a/b', 'a/+/c', 'a/#', '#', '+']) expect(isTopicFilter(f), f).toBe(true);
    for (const f of ['', 'a/#/b', 'a+', 'a/b#', '$SYS/#', 'x'.repeat(257)])
      expect(isTopicFilter(f), f).toBe(false);
  });
});
