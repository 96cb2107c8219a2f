import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors.js';
import { exceedsUtf8Bytes, parseBoundedJson } from './json.js';

describe('bounded JSON parsing', () => {
  it.each([
    ['ascii', 'abc'],
    ['two-byte', 'é'.repeat(50)],
    ['three-byte', '€'.repeat(50)],
    ['surrogate pairs', '😀'.repeat(50)],
    ['a lone surrogate', 'a\ud800b'.repeat(20)],
  ])('measures-%s-as-textencoder-does', (_n, text) => {
    // TextEncoder writes a lone surrogate as U+FFFD, 3 bytes: the verdict must agree at every limit.
    const bytes = new TextEncoder().encode(text).length;
    for (let limit = 0; limit <= bytes + 4; limit++) {
      expect(exceedsUtf8Bytes(text, limit)).toBe(bytes > limit);
    }
  });

  it('stops-walking-once-past-the-limit', () => {
    const huge = '€'.repeat(60_000) + 'a'.repeat(5_000_000); // > limit already at char 21,846
    const t0 = performance.now();
    for (let i = 0; i < 100; i++)
      expect(exceedsUtf8Bytes(huge.slice(0, 60_000), 64 * 1024)).toBe(true);
    expect(exceedsUtf8Bytes(huge, 64 * 1024)).toBe(true);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('checks-the-size-before-the-syntax', () => {
    const err = (() => {
      try {
        parseBoundedJson('{'.repeat(101), 100, 'thing');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe('json-too-large');
  });

  it('refuses-input-that-is-neither-text-nor-bytes', () => {
    expect(() => parseBoundedJson(42 as unknown as string, 100, 'thing')).toThrow(ProtocolError);
  });
});
