import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors.js';
import {
  allSatellites,
  decodeStatus,
  lastWillStatus,
  onlineStatus,
  parseSatelliteTopic,
  satelliteTopics,
} from './mqtt-topics.js';

describe('MQTT topics', () => {
  it('builds-and-parses-every-channel', () => {
    const t = satelliteTopics('kitchen');
    expect(t).toEqual({
      up: 'jarvis/v1/satellite/kitchen/up',
      down: 'jarvis/v1/satellite/kitchen/down',
      audioUp: 'jarvis/v1/satellite/kitchen/audio/up',
      audioDown: 'jarvis/v1/satellite/kitchen/audio/down',
      status: 'jarvis/v1/satellite/kitchen/status',
    });
    expect(parseSatelliteTopic(t.audioUp)).toEqual({ satelliteId: 'kitchen', channel: 'audio-up' });
    expect(parseSatelliteTopic(t.status)).toEqual({ satelliteId: 'kitchen', channel: 'status' });
    expect(allSatellites('up')).toBe('jarvis/v1/satellite/+/up');
  });

  it.each([
    'jarvis/v1/satellite/+/up',
    'jarvis/v1/satellite/#',
    'jarvis/v1/satellite/Kitchen/up',
    'jarvis/v1/satellite/kitchen/up/extra',
    'jarvis/v1/satellite/kitchen',
    'jarvis/v2/satellite/kitchen/up',
    'home/kitchen/light/set',
  ])('rejects %s', (topic) => expect(parseSatelliteTopic(topic)).toBeNull());

  it('refuses-to-build-topics-for-a-bad-id', () => {
    expect(() => satelliteTopics('a/#')).toThrow(ProtocolError);
  });

  it('status-is-retained-and-the-last-will-says-offline', () => {
    const online = onlineStatus(1, 42);
    expect(online.options).toEqual({ retain: true, qos: 1 });
    expect(decodeStatus(online.payload)).toEqual({ online: true, timeMs: 42, version: 1 });
    const will = lastWillStatus('kitchen');
    expect(will.topic).toBe('jarvis/v1/satellite/kitchen/status');
    expect(decodeStatus(will.payload).online).toBe(false);
    expect(() => decodeStatus('{"online":"yes","timeMs":1}')).toThrow(ProtocolError);
  });
});
