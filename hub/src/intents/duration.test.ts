import { describe, expect, it } from 'vitest';
import { spokenDuration } from './duration.js';

describe('durations said back', () => {
  it('says-durations-back-in-words-people-use', () => {
    expect(spokenDuration(300_000)).toBe('5 minutes');
    expect(spokenDuration(90_000)).toBe('1 minute and 30 seconds');
    expect(spokenDuration(3_661_000)).toBe('1 hour, 1 minute and 1 second');
    expect(spokenDuration(300_000, true)).toBe('5 minute');
  });

  it('says-them-in-french-too', () => {
    expect(spokenDuration(3_900_000, false, 'fr')).toBe('1 heure et 5 minutes');
    expect(spokenDuration(30_000, false, 'fr')).toBe('30 secondes');
  });
});
