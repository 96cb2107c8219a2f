import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeAudioFrame, encodeAudioFrame } from './audio-frame.js';
import { ProtocolError } from './errors.js';
import { decodeDownEvent, decodeUpEvent, encodeEvent } from './events/codec.js';
import { decodeStatus, parseSatelliteTopic } from './mqtt-topics.js';

const VALID_TEXT = [
  encodeEvent({
    type: 'hello',
    satelliteId: 'kitchen',
    versions: [1],
    capabilities: {
      wakeWords: ['hey_jarvis'],
      audioIn: { rate: 16000, width: 2, channels: 1 },
      audioOut: true,
      leds: true,
    },
  }),
  encodeEvent({ type: 'wake', name: 'hey_jarvis', score: 0.9, timeMs: 1 }),
  encodeEvent({ type: 'audio-start', stream: 1, kind: 'mic', rate: 16000, width: 2, channels: 1 }),
  encodeEvent({ type: 'intent', sessionId: 's1', name: 'turn_on', slots: { device: 'light' } }),
  encodeEvent({ type: 'session-end', sessionId: 's1', outcome: 'ok' }),
  '{"online":true,"timeMs":5,"version":1}',
].map((s) => new TextEncoder().encode(s));
const VALID_FRAME = encodeAudioFrame({
  kind: 'mic',
  stream: 1,
  sequence: 2,
  timestampMs: 3,
  pcm: Int16Array.from([1, 2, 3, 4]),
});

/** Flip bits, cut, extend or splice bytes of a valid encoding. */
const mutated = (seeds: Uint8Array[]) =>
  fc
    .tuple(
      fc.constantFrom(...seeds),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { maxLength: 4 }),
      fc.option(fc.nat()),
      fc.uint8Array({ maxLength: 16 }),
    )
    .map(([seed, flips, cut, extra]) => {
      const b = Uint8Array.from(seed);
      for (const [at, bit] of flips) if (b.length) b[at % b.length]! ^= 1 << bit;
      const kept = cut === null ? b : b.subarray(0, cut % (b.length + 1));
      return Uint8Array.from([...kept, ...extra]);
    });

/** The only acceptable failure is a ProtocolError. */
function onlyProtocolErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
  }
}

const RUNS = 2600;

describe('decoders under random and mutated input (4 × 2,600 × 2 ≥ 10,000 inputs)', () => {
  it('event decoders return an event or throw a ProtocolError', () => {
    fc.assert(
      fc.property(fc.oneof(mutated(VALID_TEXT), fc.uint8Array({ maxLength: 300 })), (bytes) => {
        onlyProtocolErrors(() => decodeUpEvent(bytes));
        onlyProtocolErrors(() => decodeDownEvent(bytes));
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify({ type: 'wake', v })),
        ),
        (text) => {
          onlyProtocolErrors(() => decodeUpEvent(text));
          onlyProtocolErrors(() => decodeDownEvent(text));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('audio frame decoder returns a frame or throws a ProtocolError', () => {
    fc.assert(
      fc.property(fc.oneof(mutated([VALID_FRAME]), fc.uint8Array({ maxLength: 200 })), (bytes) => {
        try {
          const f = decodeAudioFrame(bytes);
          expect(f.pcm.length * 2 + 12).toBe(bytes.length);
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('status decoder and topic parser never throw anything else', () => {
    fc.assert(
      fc.property(
        fc.oneof(mutated(VALID_TEXT), fc.uint8Array({ maxLength: 100 })),
        fc.string(),
        (bytes, topic) => {
          onlyProtocolErrors(() => decodeStatus(bytes));
          const parsed = parseSatelliteTopic(`jarvis/v1/satellite/${topic}`);
          if (parsed) expect(parsed.satelliteId).toMatch(/^[a-z0-9][a-z0-9-]*$/);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
