import { describe, expect, it } from 'vitest';
import type { ProtocolError } from '../errors.js';
import { MAX_JSON_BYTES, MAX_SLOTS, MAX_TEXT_CHARS } from '../limits.js';
import { decodeDownEvent, decodeUpEvent, encodeEvent } from './codec.js';
import { EVENTS, type DownEvent, type UpEvent } from './index.js';
import { protocolErrorCode } from '../testing/error-code.js';

const sid = '0b7e6a52-4c1f-4c5e-9d43-6f1f3c1d2a9e';
const HELLO = {
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
} as const satisfies UpEvent;

const UP: UpEvent[] = [
  HELLO,
  { type: 'wake', name: 'hey_jarvis', score: 0.97, timeMs: 1_764_000_000_000 },
  {
    type: 'wake',
    name: 'follow-up',
    score: 1,
    timeMs: 1_764_000_000_000,
    energyDb: -23.5,
    followUp: true,
  },
  { type: 'cancel', sessionId: sid },
  { type: 'cancel' },
  { type: 'audio-start', stream: 1, kind: 'mic', rate: 16000, width: 2, channels: 1 },
  { type: 'audio-stop', stream: 1 },
  { type: 'error', code: 'mic-failed', message: 'arecord exited', retryable: true },
  { type: 'ping', id: 0xffffffff, timeMs: 5 },
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
  { type: 'intent', sessionId: sid, name: 'get_time', slots: {} },
  { type: 'reply', sessionId: sid, text: 'Turning on the kitchen light.' },
  { type: 'announce', reason: 'timer', text: 'Your five minute timer is done.', stream: 7 },
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
  { type: 'session-end', sessionId: sid, outcome: 'not-understood' },
  { type: 'session-end', sessionId: sid, outcome: 'not-understood', followUpMs: 6000 },
  { type: 'stand-down', reason: 'another-satellite' },
  { type: 'stand-down', reason: 'another-satellite', sessionId: sid },
  { type: 'error', code: 'stt-failed', message: 'no engine', retryable: true, sessionId: sid },
  { type: 'ping', id: 7, timeMs: 1_764_000_000_000 },
  { type: 'pong', id: 7, timeMs: 1_764_000_000_001 },
  { type: 'set-volume', volume: 100 },
  { type: 'mute', muted: true },
  { type: 'config', wakeThreshold: 0.6, wakeWords: ['hey_jarvis', 'alexa'] },
  { type: 'config' },
];

/** The error code `fn` throws; a non-ProtocolError is reported as such so the test fails. */
const code = protocolErrorCode;
const json = (o: unknown): string => JSON.stringify(o);

describe('event codec: round trips', () => {
  it('the-fixtures-cover-every-event-type-in-each-direction-it-travels', () => {
    for (const [type, spec] of Object.entries(EVENTS)) {
      if (spec.up) expect(UP.map((e) => e.type)).toContain(type);
      if (spec.down) expect(DOWN.map((e) => e.type)).toContain(type);
    }
  });

  it.each(UP.map((e) => [e.type, e] as const))('round-trips up event %s', (_t, e) => {
    expect(decodeUpEvent(encodeEvent(e))).toEqual(e);
    expect(decodeUpEvent(new TextEncoder().encode(encodeEvent(e)))).toEqual(e);
  });

  it.each(DOWN.map((e) => [e.type, e] as const))('round-trips down event %s', (_t, e) => {
    expect(decodeDownEvent(encodeEvent(e))).toEqual(e);
    expect(decodeDownEvent(Buffer.from(encodeEvent(e)))).toEqual(e);
  });

  it('encodes-to-the-golden-json', () => {
    expect(encodeEvent({ type: 'audio-stop', stream: 3 })).toBe('{"type":"audio-stop","stream":3}');
    expect(encodeEvent({ type: 'wake', name: 'hey_jarvis', score: 0.5, timeMs: 1 })).toBe(
      '{"type":"wake","name":"hey_jarvis","score":0.5,"timeMs":1}',
    );
    expect(encodeEvent({ type: 'session-end', sessionId: 's1', outcome: 'no-speech' })).toBe(
      '{"type":"session-end","sessionId":"s1","outcome":"no-speech"}',
    );
  });

  it('golden-utf-8-bytes-decode', () => {
    // {"type":"reply","sessionId":"s","text":"Café"} with é as C3 A9.
    const bytes = Uint8Array.from([
      ...new TextEncoder().encode('{"type":"reply","sessionId":"s","text":"Caf'),
      0xc3,
      0xa9,
      0x22,
      0x7d,
    ]);
    expect(decodeDownEvent(bytes)).toEqual({ type: 'reply', sessionId: 's', text: 'Café' });
  });

  it('accepts-text-at-exactly-the-length-limit', () => {
    const text = 'a'.repeat(MAX_TEXT_CHARS);
    expect(decodeDownEvent(json({ type: 'reply', sessionId: 's', text }))).toMatchObject({ text });
  });
});

describe('event codec: rejections, in the order they are checked', () => {
  it('oversized-text-is-json-too-large-before-parsing', () => {
    // Invalid JSON too: the size check must come first.
    expect(code(() => decodeUpEvent(`{${' '.repeat(MAX_JSON_BYTES)}`))).toBe('json-too-large');
  });

  it('oversized-bytes-are-json-too-large', () => {
    expect(code(() => decodeDownEvent(new Uint8Array(MAX_JSON_BYTES + 1).fill(0x20)))).toBe(
      'json-too-large',
    );
  });

  it('size-is-counted-in-utf-8-bytes-not-characters', () => {
    // 30,000 × "é" is 30,000 UTF-16 units but 60,000 bytes; 40,000 is 80,000 bytes.
    const fits = json({ type: 'reply', sessionId: 's', text: 'é'.repeat(30_000) });
    const over = json({ type: 'reply', sessionId: 's', text: 'é'.repeat(40_000) });
    expect(code(() => decodeDownEvent(fits))).toBe('bad-event'); // over MAX_TEXT_CHARS, but parsed
    expect(code(() => decodeDownEvent(over))).toBe('json-too-large');
  });

  it.each([
    ['truncated json', '{"type":"wake",'],
    ['empty input', ''],
    ['trailing garbage', '{"type":"audio-stop","stream":1}x'],
    ['invalid utf-8', Uint8Array.from([0x7b, 0xff, 0x7d])],
  ])('%s is bad-json', (_n, input) => {
    expect(code(() => decodeUpEvent(input))).toBe('bad-json');
  });

  it.each([
    ['an array', '[1,2]'],
    ['null', 'null'],
    ['a number', '42'],
    ['no type', '{"id":1}'],
    ['a numeric type', '{"type":1}'],
    ['an unknown type', '{"type":"self-destruct"}'],
    ['a prototype key as type', '{"type":"toString"}'],
    ['__proto__ as type', '{"type":"__proto__"}'],
    ['type hidden in __proto__', '{"__proto__":{"type":"wake"}}'],
  ])('%s is unknown-event', (_n, input) => {
    expect(code(() => decodeUpEvent(input))).toBe('unknown-event');
  });

  it('a-hub-event-sent-up-is-wrong-direction', () => {
    expect(code(() => decodeUpEvent(json(DOWN[1])))).toBe('wrong-direction');
  });

  it('a-satellite-event-sent-down-is-wrong-direction', () => {
    expect(code(() => decodeDownEvent(json(HELLO)))).toBe('wrong-direction');
  });

  it('direction-is-checked-before-the-schema', () => {
    expect(code(() => decodeDownEvent('{"type":"hello"}'))).toBe('wrong-direction');
  });

  const withHello = (patch: Record<string, unknown>): string => json({ ...HELLO, ...patch });
  const withCaps = (patch: Record<string, unknown>): string =>
    json({ ...HELLO, capabilities: { ...HELLO.capabilities, ...patch } });
  it.each([
    ['missing field', '{"type":"wake","name":"hey_jarvis","score":0.5}'],
    ['number out of range', '{"type":"wake","name":"hey_jarvis","score":1.5,"timeMs":1}'],
    [
      'wake louder than full scale',
      '{"type":"wake","name":"w","score":0.5,"timeMs":1,"energyDb":3}',
    ],
    ['negative timestamp', '{"type":"wake","name":"w","score":0.5,"timeMs":-1}'],
    ['string for a number', '{"type":"audio-stop","stream":"1"}'],
    ['fraction for an integer', '{"type":"audio-stop","stream":1.5}'],
    ['u16 overflow', '{"type":"audio-stop","stream":65536}'],
    ['u32 overflow', '{"type":"ping","id":4294967296,"timeMs":1}'],
    ['null for an optional field', '{"type":"cancel","sessionId":null}'],
    ['extra field', '{"type":"audio-stop","stream":1,"admin":true}'],
    ['own __proto__ key', '{"type":"audio-stop","stream":1,"__proto__":{"admin":true}}'],
    ['extra nested field', withCaps({ camera: true })],
    ['bad satellite id pattern', withHello({ satelliteId: '../etc' })],
    ['satellite id with a wildcard', withHello({ satelliteId: 'a+b' })],
    ['no versions', withHello({ versions: [] })],
    ['too many versions', withHello({ versions: [1, 2, 3, 4, 5, 6, 7, 8, 9] })],
    ['version out of range', withHello({ versions: [256] })],
    ['too long software string', withHello({ software: 'x'.repeat(129) })],
    ['too many wake words', withCaps({ wakeWords: Array(9).fill('w') })],
    ['empty wake word', withCaps({ wakeWords: [''] })],
    ['unsupported sample width', withCaps({ audioIn: { rate: 16000, width: 4, channels: 1 } })],
    ['rate below range', withCaps({ audioIn: { rate: 100, width: 2, channels: 1 } })],
    [
      'too many channels',
      '{"type":"audio-start","stream":1,"kind":"mic","rate":16000,"width":2,"channels":3}',
    ],
    [
      'unknown audio kind',
      '{"type":"audio-start","stream":1,"kind":"video","rate":16000,"width":2,"channels":1}',
    ],
    [
      'too long error message',
      json({ type: 'error', code: 'x', message: 'm'.repeat(501), retryable: false }),
    ],
    [
      'too long error code',
      json({ type: 'error', code: 'c'.repeat(65), message: '', retryable: false }),
    ],
    ['bad session id', '{"type":"cancel","sessionId":"a b"}'],
  ])('%s is bad-event (up)', (_n, input) => {
    expect(code(() => decodeUpEvent(input))).toBe('bad-event');
  });

  const intent = (slots: unknown): string =>
    json({ type: 'intent', sessionId: 's', name: 'n', slots });
  it.each([
    [
      'too long text',
      json({ type: 'reply', sessionId: 's', text: 'a'.repeat(MAX_TEXT_CHARS + 1) }),
    ],
    ['unknown session outcome', '{"type":"session-end","sessionId":"s","outcome":"meh"}'],
    ['volume above 100', '{"type":"set-volume","volume":101}'],
    ['fractional volume', '{"type":"set-volume","volume":50.5}'],
    ['threshold above 1', '{"type":"config","wakeThreshold":1.01}'],
    ['string for a boolean', '{"type":"mute","muted":"true"}'],
    ['slot value neither text nor number', intent({ device: true })],
    ['too long slot value', intent({ device: 'x'.repeat(201) })],
    ['slot name outside the pattern', intent({ Device: 'lamp' })],
    ['__proto__ slot', '{"type":"intent","sessionId":"s","name":"n","slots":{"__proto__":"x"}}'],
    ['constructor slot', intent({ constructor: 'x' })],
    [
      'too many slots',
      intent(Object.fromEntries(Array.from({ length: MAX_SLOTS + 1 }, (_, i) => [`s${i}`, 'v']))),
    ],
    [
      'welcome with a bad satellite id',
      json({ ...DOWN[0], satellite: { id: 'A', name: 'a', room: 'b' } }),
    ],
  ])('%s is bad-event (down)', (_n, input) => {
    expect(code(() => decodeDownEvent(input))).toBe('bad-event');
  });

  it('the-message-names-the-event-and-the-first-failing-path', () => {
    const input = withCaps({ audioIn: { rate: 100, width: 2, channels: 1 } });
    expect(() => decodeUpEvent(input)).toThrow(/^hello: \/capabilities\/audioIn\/rate .*8000/);
  });

  it('the-error-is-not-retryable-and-has-a-wire-form-without-detail', () => {
    try {
      decodeUpEvent('{"type":');
      expect.unreachable();
    } catch (err) {
      const e = err as ProtocolError;
      expect(e.retryable).toBe(false);
      expect(e.detail).toBeTypeOf('string');
      expect(e.toWire()).toEqual({ code: 'bad-json', message: e.message, retryable: false });
    }
  });

  it('a-decoded-event-never-carries-a-polluted-prototype', () => {
    const slots = decodeDownEvent(intent({ device: 'lamp' })) as { slots: object };
    expect(Object.getPrototypeOf(slots.slots)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined();
  });
});
