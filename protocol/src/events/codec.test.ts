import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors.js';
import { MAX_JSON_BYTES } from '../limits.js';
import { negotiateVersion } from '../version.js';
import { decodeDownEvent, decodeUpEvent, encodeEvent } from './codec.js';
import type { DownEvent, UpEvent } from './index.js';

const sid = 'a1b2c3';
const UP: UpEvent[] = [
  {
    type: 'hello',
    satelliteId: 'kitchen',
    versions: [1],
    software: 'jarvis-satellite 0.1',
    capabilities: {
      wakeWords: ['hey_jarvis'],
      audioIn: { rate: 16000, width: 2, channels: 1 },
      audioOut: true,
      leds: false,
    },
  },
  { type: 'wake', name: 'hey_jarvis', score: 0.97, timeMs: 1_764_000_000_000 },
  { type: 'cancel', sessionId: sid },
  { type: 'audio-start', stream: 1, kind: 'mic', rate: 16000, width: 2, channels: 1 },
  { type: 'audio-stop', stream: 1 },
  { type: 'error', code: 'mic-failed', message: 'arecord exited', retryable: true },
  { type: 'ping', id: 1, timeMs: 5 },
  { type: 'pong', id: 1, timeMs: 6 },
];
const DOWN: DownEvent[] = [
  {
    type: 'welcome',
    version: 1,
    hubId: 'jarvis-hub',
    satellite: { id: 'kitchen', name: 'Kitchen', room: 'kitchen' },
  },
  { type: 'listening', sessionId: sid, active: true },
  { type: 'transcript', sessionId: sid, text: 'turn on the', final: false },
  { type: 'intent', sessionId: sid, name: 'turn_on', slots: { device: 'kitchen light' } },
  { type: 'reply', sessionId: sid, text: 'Turning on the kitchen light.' },
  { type: 'tts-start', sessionId: sid, stream: 2 },
  {
    type: 'audio-start',
    stream: 2,
    kind: 'tts',
    rate: 22050,
    width: 2,
    channels: 1,
    sessionId: sid,
  },
  { type: 'audio-stop', stream: 2 },
  { type: 'tts-stop', sessionId: sid, stream: 2 },
  { type: 'session-end', sessionId: sid, outcome: 'ok' },
  { type: 'set-volume', volume: 40 },
  { type: 'mute', muted: true },
  { type: 'config', wakeThreshold: 0.6 },
];

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof ProtocolError ? err.code : `not a ProtocolError: ${String(err)}`;
  }
  return undefined;
};

describe('event codec', () => {
  it.each(UP.map((e) => [e.type, e] as const))('round-trips up event %s', (_t, e) => {
    expect(decodeUpEvent(encodeEvent(e))).toEqual(e);
    expect(decodeUpEvent(Buffer.from(encodeEvent(e)))).toEqual(e);
  });

  it.each(DOWN.map((e) => [e.type, e] as const))('round-trips down event %s', (_t, e) => {
    expect(decodeDownEvent(encodeEvent(e))).toEqual(e);
  });

  it('encodes-to-the-golden-json', () => {
    expect(encodeEvent({ type: 'audio-stop', stream: 3 })).toBe('{"type":"audio-stop","stream":3}');
    expect(encodeEvent({ type: 'wake', name: 'hey_jarvis', score: 0.5, timeMs: 1 })).toBe(
      '{"type":"wake","name":"hey_jarvis","score":0.5,"timeMs":1}',
    );
  });

  it.each([
    [
      'oversized',
      `{"type":"ping","id":1,"timeMs":1,"x":"${'a'.repeat(MAX_JSON_BYTES)}"}`,
      'json-too-large',
    ],
    ['truncated json', '{"type":"wake",', 'bad-json'],
    ['invalid utf-8', Uint8Array.from([0x7b, 0xff, 0x7d]), 'bad-json'],
    ['not an object', '[1,2]', 'bad-event'],
    ['null', 'null', 'bad-event'],
    ['no type', '{"id":1}', 'unknown-event'],
    ['unknown type', '{"type":"self-destruct"}', 'unknown-event'],
    ['type of a prototype key', '{"type":"toString"}', 'unknown-event'],
    ['wrong direction', '{"type":"listening","sessionId":"a","active":true}', 'wrong-direction'],
    ['missing field', '{"type":"wake","name":"hey_jarvis","score":0.5}', 'bad-event'],
    ['out of range', '{"type":"wake","name":"hey_jarvis","score":1.5,"timeMs":1}', 'bad-event'],
    ['wrong type', '{"type":"audio-stop","stream":"1"}', 'bad-event'],
    ['extra field', '{"type":"audio-stop","stream":1,"admin":true}', 'bad-event'],
    ['proto pollution', '{"type":"audio-stop","stream":1,"__proto__":{"admin":true}}', 'bad-event'],
    [
      'bad satellite id',
      UP[0] && encodeEvent({ ...(UP[0] as object), satelliteId: '../etc' } as UpEvent),
      'bad-event',
    ],
    [
      'unsupported width',
      '{"type":"audio-start","stream":1,"kind":"mic","rate":16000,"width":4,"channels":1}',
      'bad-event',
    ],
  ])('rejects %s', (_n, input, expected) => {
    expect(code(() => decodeUpEvent(input as string))).toBe(expected);
  });

  it('names-the-failing-path', () => {
    expect(() =>
      decodeUpEvent(
        '{"type":"hello","satelliteId":"k","versions":[1],"capabilities":{"wakeWords":[],"audioIn":{"rate":100,"width":2,"channels":1},"audioOut":true,"leds":false}}',
      ),
    ).toThrow(/hello: \/capabilities\/audioIn\/rate/);
  });

  it('negotiates-the-highest-common-version', () => {
    expect(negotiateVersion([1, 2, 3], [1, 2])).toBe(2);
    expect(negotiateVersion([1])).toBe(1);
    expect(negotiateVersion([7])).toBeNull();
  });
});
