// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { formatAgo, formatCountdown, formatDuration, formatMs } from './format';

describe('format', () => {
  it('reads milliseconds', () => {
    expect(formatMs(850)).toBe('850 ms');
    expect(formatMs(1250)).toBe('1.25 s');
    expect(formatMs(12_340)).toBe('12.3 s');
  });

  it('counts down without going negative', () => {
    expect(formatCountdown(65_000)).toBe('1:05');
    expect(formatCountdown(3_723_000)).toBe('1:02:03');
    expect(formatCountdown(-5)).toBe('0:00');
  });

  it('says how long ago', () => {
    const now = Date.parse('2025-01-02T10:00:00Z');
    expect(formatAgo('2025-01-02T09:59:58Z', now)).toBe('just now');
    expect(formatAgo('2025-01-02T09:59:18Z', now)).toBe('42 s ago');
    expect(formatAgo('2025-01-02T09:55:00Z', now)).toBe('5 min ago');
    expect(formatAgo('2025-01-02T07:00:00Z', now)).toBe('3 h ago');
  });

  it('reads durations to two units', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(90_000)).toBe('1 min 30 s');
    expect(formatDuration(600_000)).toBe('10 min');
    expect(formatDuration((3 * 86_400 + 4 * 3600 + 5 * 60) * 1000)).toBe('3 d 4 h');
  });
});
