import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import { encodeEvent, encodeRaw, WyomingDecoder } from './codec.js';
import type { RawEvent } from './events.js';

const bytes = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(
    parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))),
  );

function decodeAll(input: Buffer, cuts: readonly number[] = []): RawEvent[] {
  const decoder = new WyomingDecoder();
  const events: RawEvent[] = [];
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    events.push(...decoder.push(input.subarray(from, cut)));
    from = cut;
  }
  events.push(...decoder.push(input.subarray(from)));
  expect(decoder.idle).toBe(true);
  return events;
}

function expectProtocolError(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('engine-protocol');
    expect((err as AppError).message).toMatch(message);
    return;
  }
  throw new Error('expected an engine-protocol error');
}

// Golden bytes, written by hand from the README "Format" section: header line, then exactly
// data_length bytes of JSON, then exactly payload_length bytes.
describe('encodes events byte for byte as the spec lays them out', () => {
  it('encodes-an-event-without-data-as-a-header-line-only', () => {
    expect(encodeEvent('describe')).toEqual(bytes('{"type":"describe","version":"1.7.2"}\n'));
  });

  it('encodes-data-as-a-data-section-with-its-length', () => {
    expect(encodeEvent('transcript', { text: 'hello' })).toEqual(
      bytes('{"type":"transcript","version":"1.7.2","data_length":16}\n', '{"text":"hello"}'),
    );
  });

  it('counts-data-length-in-utf8-bytes-not-characters', () => {
    // "é" is 2 bytes, "€" 3: {"text":"é€"} is 13 characters, 16 bytes.
    expect(encodeEvent('synthesize', { text: 'é€' })).toEqual(
      bytes('{"type":"synthesize","version":"1.7.2","data_length":16}\n', '{"text":"é€"}'),
    );
  });

  it('encodes-a-payload-after-the-header-with-its-length', () => {
    expect(encodeRaw('blob', undefined, Uint8Array.of(1, 2, 0x0a))).toEqual(
      bytes('{"type":"blob","version":"1.7.2","payload_length":3}\n', [1, 2, 0x0a]),
    );
  });

  it('encodes-an-audio-chunk-as-header-data-and-pcm-payload', () => {
    const pcm = Int16Array.of(1, -2);
    const encoded = encodeEvent(
      'audio-chunk',
      { rate: 16000, width: 2, channels: 1, timestamp: 0 },
      new Uint8Array(pcm.buffer),
    );
    expect(encoded).toEqual(
      bytes(
        '{"type":"audio-chunk","version":"1.7.2","data_length":51,"payload_length":4}\n',
        '{"rate":16000,"width":2,"channels":1,"timestamp":0}',
        [0x01, 0x00, 0xfe, 0xff],
      ),
    );
  });

  it('leaves-out-empty-data-and-empty-payload', () => {
    expect(encodeEvent('audio-stop', {}, new Uint8Array(0))).toEqual(
      bytes('{"type":"audio-stop","version":"1.7.2"}\n'),
    );
  });
});

describe('decodes events as the python library writes them', () => {
  // event.py writes with json.dumps' default separators (", " and ": ").
  const pythonChunk = bytes(
    '{"type": "audio-chunk", "version": "1.5.4", "data_length": 58, "payload_length": 4}\n',
    '{"rate": 16000, "width": 2, "channels": 1, "timestamp": 0}',
    [0x01, 0x00, 0xfe, 0xff],
  );

  it('decodes-a-header-with-inline-data-only', () => {
    const [event] = decodeAll(bytes('{"type":"transcript","data":{"text":"hi"}}\n'));
    expect(event).toEqual({ type: 'transcript', data: { text: 'hi' }, payload: Buffer.alloc(0) });
  });

  it('merges-the-data-section-on-top-of-inline-data', () => {
    const [event] = decodeAll(
      bytes(
        '{"type":"synthesize","data":{"text":"a","voice":{"name":"x"}},"data_length":12}\n',
        '{"text":"b"}',
      ),
    );
    expect(event?.data).toEqual({ text: 'b', voice: { name: 'x' } });
  });

  it('decodes-a-python-audio-chunk', () => {
    const [event] = decodeAll(pythonChunk);
    expect(event?.type).toBe('audio-chunk');
    expect(event?.data).toEqual({ rate: 16000, width: 2, channels: 1, timestamp: 0 });
    expect([...event!.payload]).toEqual([0x01, 0x00, 0xfe, 0xff]);
  });

  it('accepts-null-lengths-and-crlf', () => {
    const events = decodeAll(
      bytes('{"type":"audio-stop","data_length":null,"payload_length":null}\r\n'),
    );
    expect(events.map((e) => e.type)).toEqual(['audio-stop']);
  });

  it('keeps-a-proto-key-as-plain-data', () => {
    const [event] = decodeAll(bytes('{"type":"x","data_length":24}\n', '{"__proto__":{"evil":1}}'));
    expect(Object.getPrototypeOf(event!.data)).toBe(Object.prototype);
    expect((event!.data as Record<string, unknown>).evil).toBeUndefined();
  });

  it('decodes-the-same-events-whatever-the-chunk-boundaries', () => {
    const stream = Buffer.concat([
      encodeEvent('describe'),
      pythonChunk,
      encodeEvent('transcript', { text: 'turn on the kitchen light' }),
      encodeRaw('blob', undefined, Buffer.from('\n\n{"type":"fake"}\n')),
      encodeEvent('audio-stop'),
    ]);
    const whole = decodeAll(stream);
    expect(whole.map((e) => e.type)).toEqual([
      'describe',
      'audio-chunk',
      'transcript',
      'blob',
      'audio-stop',
    ]);
    // Every single split point, then random multi-way splits.
    for (let cut = 0; cut <= stream.length; cut++) expect(decodeAll(stream, [cut])).toEqual(whole);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 20 }),
        (cuts) => {
          expect(decodeAll(stream, cuts)).toEqual(whole);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('decodes-byte-by-byte', () => {
    const stream = Buffer.concat([pythonChunk, encodeEvent('describe')]);
    const decoder = new WyomingDecoder();
    const events: RawEvent[] = [];
    for (const b of stream) events.push(...decoder.push(Uint8Array.of(b)));
    expect(events.map((e) => e.type)).toEqual(['audio-chunk', 'describe']);
  });
});

describe('rejects invalid or oversized input with engine-protocol', () => {
  const limits = { maxHeaderBytes: 64, maxDataBytes: 32, maxPayloadBytes: 16 };
  const push =
    (...parts: (string | number[])[]) =>
    () =>
      new WyomingDecoder(limits).push(bytes(...parts));

  it('rejects-a-header-line-over-the-limit-before-its-newline-arrives', () => {
    expectProtocolError(push(`{"type":"${'a'.repeat(80)}`), /header line exceeds/);
  });

  it('rejects-a-header-line-over-the-limit-even-with-its-newline', () => {
    expectProtocolError(push(`{"type":"x","pad":"${'a'.repeat(80)}"}\n`), /header line exceeds/);
  });

  it('rejects-data-and-payload-lengths-over-the-limits', () => {
    expectProtocolError(push('{"type":"x","data_length":33}\n'), /data_length 33 exceeds/);
    expectProtocolError(push('{"type":"x","payload_length":17}\n'), /payload_length 17 exceeds/);
  });

  it('rejects-bad-lengths', () => {
    expectProtocolError(push('{"type":"x","data_length":-1}\n'), /non-negative integer/);
    expectProtocolError(push('{"type":"x","payload_length":1.5}\n'), /non-negative integer/);
    expectProtocolError(push('{"type":"x","payload_length":"4"}\n'), /non-negative integer/);
  });

  it('rejects-headers-that-are-not-events', () => {
    expectProtocolError(push('garbage\n'), /header line is not valid JSON/);
    expectProtocolError(push('[1,2]\n'), /header must be a JSON object/);
    expectProtocolError(push('{"data":{}}\n'), /header type must be a string/);
    expectProtocolError(push('{"type":""}\n'), /header type must be a string/);
    expectProtocolError(push('{"type":"x","data":[1]}\n'), /header data must be a JSON object/);
    expectProtocolError(push('{"type":"x","version":3}\n'), /version must be a string/);
    expectProtocolError(push([0x7b, 0xff, 0xfe, 0x7d, 0x0a]), /not valid UTF-8/);
  });

  it('rejects-a-data-section-that-is-not-a-json-object', () => {
    expectProtocolError(push('{"type":"x","data_length":2}\n', '[]'), /must be a JSON object/);
    expectProtocolError(push('{"type":"x","data_length":2}\n', '{]'), /not valid JSON/);
  });

  it('stays-failed-after-an-error', () => {
    const decoder = new WyomingDecoder();
    expect(() => decoder.push(bytes('nope\n'))).toThrow(AppError);
    expect(() => decoder.push(encodeEvent('describe'))).toThrow(/not valid JSON/);
  });

  it('throws-nothing-but-engine-protocol-errors-on-random-bytes', () => {
    const header = fc
      .record(
        {
          type: fc.oneof(fc.string(), fc.integer(), fc.constant('audio-chunk')),
          data: fc.oneof(fc.object(), fc.jsonValue()),
          data_length: fc.oneof(fc.integer({ min: -2, max: 40 }), fc.double(), fc.string()),
          payload_length: fc.oneof(fc.integer({ min: -2, max: 40 }), fc.constant(null)),
        },
        { requiredKeys: [] },
      )
      .map((h) => Buffer.from(`${JSON.stringify(h)}\n`));
    const input = fc.array(fc.oneof(fc.uint8Array({ maxLength: 64 }), header), { maxLength: 8 });
    fc.assert(
      fc.property(input, (chunks) => {
        const decoder = new WyomingDecoder(limits);
        for (const chunk of chunks) {
          try {
            decoder.push(chunk);
          } catch (err) {
            if (!(err instanceof AppError) || err.code !== 'engine-protocol') throw err;
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});
