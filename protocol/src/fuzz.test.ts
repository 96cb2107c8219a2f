import { TypeCompiler } from '@sinclair/typebox/compiler';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeAudioFrame, encodeAudioFrame } from './audio-frame.js';
import { ProtocolError } from './errors.js';
import { decodeDownEvent, decodeUpEvent, encodeEvent } from './events/codec.js';
import { DownEventSchema, EVENTS, UpEventSchema, type JarvisEvent } from './events/index.js';
import {
  decodeStatus,
  encodeStatus,
  parseSatelliteTopic,
  SatelliteStatusSchema,
  satelliteTopics,
  type SatelliteTopics,
} from './mqtt-topics.js';

/** Inputs per decoder and per property: the brief asks for at least 10,000. */
const RUNS = 10_000;
const enc = new TextEncoder();

const SEED_EVENTS: JarvisEvent[] = [
  {
    type: 'hello',
    satelliteId: 'kitchen',
    versions: [1, 2],
    software: 'sat 0.1',
    capabilities: {
      wakeWords: ['hey_jarvis'],
      audioIn: { rate: 16000, width: 2, channels: 1 },
      audioOut: true,
      leds: true,
    },
  },
  { type: 'welcome', version: 1, hubId: 'hub', satellite: { id: 'k', name: 'K', room: 'r' } },
  { type: 'wake', name: 'hey_jarvis', score: 0.9, timeMs: 1 },
  { type: 'cancel', sessionId: 's1' },
  { type: 'audio-start', stream: 1, kind: 'mic', rate: 16000, width: 2, channels: 1 },
  { type: 'audio-stop', stream: 1 },
  { type: 'listening', sessionId: 's1', active: true },
  { type: 'transcript', sessionId: 's1', text: 'turn on', final: false },
  { type: 'intent', sessionId: 's1', name: 'turn_on', slots: { device: 'light', room: 'hall' } },
  { type: 'reply', sessionId: 's1', text: 'Done.' },
  { type: 'tts-start', sessionId: 's1', stream: 2 },
  { type: 'tts-stop', sessionId: 's1', stream: 2 },
  { type: 'session-end', sessionId: 's1', outcome: 'ok' },
  { type: 'error', code: 'x', message: 'y', retryable: false, sessionId: 's1' },
  { type: 'ping', id: 1, timeMs: 2 },
  { type: 'pong', id: 1, timeMs: 2 },
  { type: 'set-volume', volume: 50 },
  { type: 'mute', muted: false },
  { type: 'config', wakeThreshold: 0.5, wakeWords: ['a'] },
];
const SEED_STATUS = [
  { online: true, timeMs: 5, version: 1 },
  { online: false, timeMs: 0 },
];
const SEED_FRAMES = [
  encodeAudioFrame({
    kind: 'mic',
    stream: 1,
    sequence: 2,
    timestampMs: 3,
    pcm: Int16Array.from([1, -2, 3, -4]),
  }),
  encodeAudioFrame({ kind: 'tts', stream: 9, sequence: 0, timestampMs: 0, pcm: new Int16Array(0) }),
];
const SEED_TOPICS = (['kitchen', 'a', 'living-room-2'] as const).flatMap((id) =>
  (Object.keys(satelliteTopics(id)) as (keyof SatelliteTopics)[]).map(
    (k) => satelliteTopics(id)[k],
  ),
);

/** Byte-level damage to a valid encoding: bit flips, truncation, extension, splicing. */
const mutatedBytes = (seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> =>
  fc
    .tuple(
      fc.constantFrom(...seeds),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { maxLength: 4 }),
      fc.option(fc.nat()),
      fc.option(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }))),
      fc.uint8Array({ maxLength: 16 }),
    )
    .map(([seed, flips, cut, splice, extra]) => {
      let b = Uint8Array.from(seed);
      for (const [at, bit] of flips) if (b.length) b[at % b.length]! ^= 1 << bit;
      if (splice) {
        const at = splice[0] % (b.length + 1);
        b = Uint8Array.from([...b.subarray(0, at), ...splice[1], ...b.subarray(at)]);
      }
      const kept = cut === null ? b : b.subarray(0, cut % (b.length + 1));
      return Uint8Array.from([...kept, ...extra]);
    });

/** Every (container, key) pair inside a JSON value, the root included. */
function slots(v: unknown, out: [Record<string, unknown>, string][] = []): typeof out {
  if (typeof v === 'object' && v !== null) {
    for (const k of Object.keys(v)) {
      out.push([v as Record<string, unknown>, k]);
      slots((v as Record<string, unknown>)[k], out);
    }
  }
  return out;
}
const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', 'type', 'admin', 'sessionId'];
/** Structure-level damage: replace, delete or add a field anywhere, or swap the event type. */
const mutatedJson = (seeds: readonly unknown[]): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.constantFrom(...seeds),
      fc.nat(),
      fc.constantFrom('replace', 'delete', 'add', 'retype'),
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom(...NASTY_KEYS),
      fc.constantFrom(...Object.keys(EVENTS), 'toString', '__proto__'),
    )
    .map(([seed, pick, op, value, key, type]) => {
      const copy = JSON.parse(JSON.stringify(seed)) as Record<string, unknown>;
      const all = slots(copy);
      const [obj, k] = all[pick % all.length]!;
      if (op === 'replace') obj[k] = value;
      else if (op === 'delete') delete obj[k];
      else if (op === 'retype') copy['type'] = type;
      // JSON text, so that `__proto__` arrives as an own key exactly as a hostile peer sends it.
      let text = JSON.stringify(copy);
      if (op === 'add')
        text = text.replace(/^\{/, `{${JSON.stringify(key)}:${JSON.stringify(value)},`);
      return text;
    });

const randomText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.json(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
);
const upCheck = TypeCompiler.Compile(UpEventSchema);
const downCheck = TypeCompiler.Compile(DownEventSchema);
const statusCheck = TypeCompiler.Compile(SatelliteStatusSchema);

/** Runs `fn`; the only failure allowed is a ProtocolError. Returns the value or undefined. */
function valueOrProtocolError<T>(fn: () => T, seen?: Set<string>): T | undefined {
  try {
    const v = fn();
    seen?.add('ok');
    return v;
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw new Error(`leaked ${String(err)}`);
    seen?.add(err.code);
    return undefined;
  }
}
/** What the mutations must reach, so that the fuzzing is known to go past the JSON parser. */
const EVENT_OUTCOMES = ['ok', 'bad-json', 'unknown-event', 'wrong-direction', 'bad-event'];

const eventInputs = fc.oneof(
  mutatedBytes(SEED_EVENTS.map((e) => enc.encode(encodeEvent(e)))),
  mutatedJson(SEED_EVENTS),
  fc.uint8Array({ maxLength: 300 }),
  randomText,
);

describe(`decoders under random and mutated input (${RUNS} inputs each)`, () => {
  it('decode-up-event-returns-a-valid-up-event-or-throws-a-protocol-error', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(eventInputs, (input) => {
        const e = valueOrProtocolError(() => decodeUpEvent(input), seen);
        if (e) expect(upCheck.Check(e) && EVENTS[e.type].up).toBe(true);
      }),
      { numRuns: RUNS },
    );
    expect([...seen]).toEqual(expect.arrayContaining(EVENT_OUTCOMES));
  });

  it('decode-down-event-returns-a-valid-down-event-or-throws-a-protocol-error', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(eventInputs, (input) => {
        const e = valueOrProtocolError(() => decodeDownEvent(input), seen);
        if (e) expect(downCheck.Check(e) && EVENTS[e.type].down).toBe(true);
      }),
      { numRuns: RUNS },
    );
    expect([...seen]).toEqual(expect.arrayContaining(EVENT_OUTCOMES));
  });

  it('decode-audio-frame-returns-a-canonical-frame-or-throws-a-protocol-error', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        fc.oneof(mutatedBytes(SEED_FRAMES), fc.uint8Array({ maxLength: 200 })),
        (bytes) => {
          const f = valueOrProtocolError(() => decodeAudioFrame(bytes), seen);
          // Whatever decodes must encode back to exactly the same bytes.
          if (f) expect(encodeAudioFrame(f)).toEqual(Uint8Array.from(bytes));
        },
      ),
      { numRuns: RUNS },
    );
    expect([...seen].sort()).toEqual(['bad-frame', 'ok']);
  });

  it('decode-status-returns-a-valid-status-or-throws-a-protocol-error', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          mutatedBytes(SEED_STATUS.map((s) => enc.encode(JSON.stringify(s)))),
          mutatedJson(SEED_STATUS),
          fc.uint8Array({ maxLength: 100 }),
          randomText,
        ),
        (input) => {
          const s = valueOrProtocolError(() => decodeStatus(input));
          if (s) expect(statusCheck.Check(s) && decodeStatus(encodeStatus(s))).toEqual(s);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('parse-satellite-topic-returns-a-topic-it-can-rebuild-or-null-and-never-throws', () => {
    const mutatedTopic = fc
      .tuple(
        fc.constantFrom(...SEED_TOPICS),
        fc.nat(),
        fc.option(fc.nat()),
        fc.string({
          maxLength: 3,
          unit: fc.constantFrom('/', '+', '#', 'a', 'Z', '-', '\u0000', 'é'),
        }),
      )
      .map(([t, at, cut, insert]) => {
        const i = at % (t.length + 1);
        const spliced = t.slice(0, i) + insert + t.slice(i);
        return cut === null ? spliced : spliced.slice(0, cut % (spliced.length + 1));
      });
    const key = {
      up: 'up',
      down: 'down',
      'audio-up': 'audioUp',
      'audio-down': 'audioDown',
      status: 'status',
    } as const;
    fc.assert(
      fc.property(
        fc.oneof(
          mutatedTopic,
          fc.string({ unit: 'binary', maxLength: 80 }),
          fc.string().map((s) => `jarvis/v1/satellite/${s}`),
        ),
        (topic) => {
          const ref = parseSatelliteTopic(topic);
          if (ref) expect(satelliteTopics(ref.satelliteId)[key[ref.channel]]).toBe(topic);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('no-input-polluted-object-prototype', () => {
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('admin');
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined();
  });
});
