import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLeds, logLeds } from './leds.js';

describe('logLeds', () => {
  it('logs-each-change-of-state-once', async () => {
    const lines: { led: string; msg: string }[] = [];
    const log = pino(
      { level: 'info' },
      { write: (s: string) => void lines.push(JSON.parse(s) as { led: string; msg: string }) },
    );
    const leds = logLeds(log);
    for (const state of ['idle', 'idle', 'wake', 'listening', 'listening', 'idle'] as const)
      leds.show(state);
    expect(lines.map((l) => l.led)).toEqual(['idle', 'wake', 'listening', 'idle']);
    expect(lines.every((l) => l.msg === 'led state')).toBe(true);
    await leds.close();
  });

  it('is-what-createLeds-gives-for-the-log-type', () => {
    const lines: string[] = [];
    const leds = createLeds(
      { type: 'log' },
      pino({ level: 'info' }, { write: (s: string) => void lines.push(s) }),
    );
    leds.show('muted');
    expect(lines.join('')).toMatch(/"led":"muted"/);
  });
});
