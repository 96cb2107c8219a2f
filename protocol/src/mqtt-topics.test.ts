import { describe, expect, it } from 'vitest';
import { MAX_STATUS_BYTES } from './limits.js';
import {
  allSatellites,
  decodeStatus,
  encodeStatus,
  lastWillStatus,
  MQTT_PREFIX,
  onlineStatus,
  parseSatelliteTopic,
  SatelliteStatus,
  satelliteTopics,
  type SatelliteChannel,
} from './mqtt-topics.js';
import { protocolErrorCode } from './testing/error-code.js';

const code = protocolErrorCode;

describe('MQTT topics', () => {
  it('builds-every-channel-under-jarvis-v1', () => {
    expect(MQTT_PREFIX).toBe('jarvis/v1');
    expect(satelliteTopics('kitchen')).toEqual({
      up: 'jarvis/v1/satellite/kitchen/up',
      down: 'jarvis/v1/satellite/kitchen/down',
      audioUp: 'jarvis/v1/satellite/kitchen/audio/up',
      audioDown: 'jarvis/v1/satellite/kitchen/audio/down',
      status: 'jarvis/v1/satellite/kitchen/status',
    });
  });

  it('parses-every-built-topic-back', () => {
    const t = satelliteTopics('living-room-2');
    const expected: [string, SatelliteChannel][] = [
      [t.up, 'up'],
      [t.down, 'down'],
      [t.audioUp, 'audio-up'],
      [t.audioDown, 'audio-down'],
      [t.status, 'status'],
    ];
    for (const [topic, channel] of expected) {
      expect(parseSatelliteTopic(topic)).toEqual({ satelliteId: 'living-room-2', channel });
    }
  });

  it('builds-wildcard-subscriptions-for-every-channel', () => {
    expect(allSatellites('up')).toBe('jarvis/v1/satellite/+/up');
    expect(allSatellites('down')).toBe('jarvis/v1/satellite/+/down');
    expect(allSatellites('audio-up')).toBe('jarvis/v1/satellite/+/audio/up');
    expect(allSatellites('audio-down')).toBe('jarvis/v1/satellite/+/audio/down');
    expect(allSatellites('status')).toBe('jarvis/v1/satellite/+/status');
  });

  it.each([
    'jarvis/v1/satellite/+/up',
    'jarvis/v1/satellite/#',
    'jarvis/v1/satellite/kitchen/#',
    'jarvis/v1/satellite/Kitchen/up',
    'jarvis/v1/satellite/-kitchen/up',
    `jarvis/v1/satellite/${'a'.repeat(64)}/up`,
    'jarvis/v1/satellite//up',
    'jarvis/v1/satellite/kitchen/up/extra',
    'jarvis/v1/satellite/kitchen/up/',
    'jarvis/v1/satellite/kitchen/audio',
    'jarvis/v1/satellite/kitchen/audio/sideways',
    'jarvis/v1/satellite/kitchen',
    '/jarvis/v1/satellite/kitchen/up',
    'jarvis/v2/satellite/kitchen/up',
    'home/kitchen/light/set',
    '',
  ])('rejects "%s"', (topic) => expect(parseSatelliteTopic(topic)).toBeNull());

  it('accepts-a-63-character-id-the-longest-allowed', () => {
    const id = 'a'.repeat(63);
    expect(parseSatelliteTopic(satelliteTopics(id).up)).toEqual({ satelliteId: id, channel: 'up' });
  });

  it.each(['a/#', '+', 'Kitchen', '', 'a b'])('refuses-to-build-topics-for-id "%s"', (id) => {
    expect(code(() => satelliteTopics(id))).toBe('bad-event');
  });
});

describe('MQTT status', () => {
  it('online-status-is-retained-at-qos-1', () => {
    const online = onlineStatus(1, 42);
    expect(online.options).toEqual({ retain: true, qos: 1 });
    expect(online.payload).toBe('{"online":true,"timeMs":42,"version":1}');
    expect(decodeStatus(online.payload)).toEqual({ online: true, timeMs: 42, version: 1 });
  });

  it('the-last-will-says-offline-on-the-status-topic', () => {
    const will = lastWillStatus('kitchen', 1000);
    expect(will.topic).toBe('jarvis/v1/satellite/kitchen/status');
    expect(will.options).toEqual({ retain: true, qos: 1 });
    expect(decodeStatus(will.payload)).toEqual({ online: false, timeMs: 1000 });
  });

  it('status-round-trips-from-bytes', () => {
    const s: SatelliteStatus = { online: true, timeMs: 1_764_000_000_000 };
    expect(decodeStatus(new TextEncoder().encode(encodeStatus(s)))).toEqual(s);
    expect(SatelliteStatus.type).toBe('object');
  });

  it.each([
    ['not json', 'online', 'bad-json'],
    ['invalid utf-8', Uint8Array.from([0x7b, 0xfe, 0x7d]), 'bad-json'],
    [
      'too large',
      `{"online":true,"timeMs":1,"x":"${'a'.repeat(MAX_STATUS_BYTES)}"}`,
      'json-too-large',
    ],
    ['wrong type', '{"online":"yes","timeMs":1}', 'bad-event'],
    ['missing time', '{"online":true}', 'bad-event'],
    ['extra field', '{"online":true,"timeMs":1,"admin":true}', 'bad-event'],
    ['__proto__ key', '{"online":true,"timeMs":1,"__proto__":{"x":1}}', 'bad-event'],
    ['bad version', '{"online":true,"timeMs":1,"version":0}', 'bad-event'],
    ['an array', '[true,1]', 'bad-event'],
  ])('rejects a status that is %s', (_n, input, expected) => {
    expect(code(() => decodeStatus(input))).toBe(expected);
  });

  it('the-status-error-names-the-failing-path', () => {
    expect(() => decodeStatus('{"online":"yes","timeMs":1}')).toThrow(/^status: \/online /);
  });
});
