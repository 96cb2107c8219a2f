import { describe, expect, it } from 'vitest';
import { COUNT_WORDS, countValue, durationMs, spokenDuration } from './duration.js';

describe('spoken durations', () => {
  it('reads-count-words-the-recogniser-writes', () => {
    expect(countValue('five')).toBe(5);
    expect(countValue('fifteen')).toBe(15);
    expect(countValue('twenty five')).toBe(25);
    expect(countValue('ninety')).toBe(90);
    expect(countValue('an')).toBe(1);
    expect(countValue('12')).toBe(12);
    expect(countValue('twenty ten')).toBeUndefined();
    expect(countValue('lots')).toBeUndefined();
  });

  it('gives-every-listed-count-word-a-value', () => {
    for (const w of COUNT_WORDS) expect(countValue(w), w).toBeGreaterThan(0);
  });

  it('adds-the-parts-of-a-duration', () => {
    expect(durationMs([{ count: 'five', unit: 'minutes' }])).toBe(300_000);
    expect(
      durationMs([
        { count: 'an', unit: 'hour' },
        { count: 'ten', unit: 'minutes' },
      ]),
    ).toBe(4_200_000);
    expect(durationMs([{ count: 'five', unit: 'fortnights' }])).toBeUndefined();
  });

  it('says-durations-back-in-words-people-use', () => {
    expect(spokenDuration(300_000)).toBe('5 minutes');
    expect(spokenDuration(90_000)).toBe('1 minute and 30 seconds');
    expect(spokenDuration(3_661_000)).toBe('1 hour, 1 minute and 1 second');
    expect(spokenDuration(300_000, true)).toBe('5 minute');
  });
});
