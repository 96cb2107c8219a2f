import { describe, expect, it } from 'vitest';
import { DeviceRegistry } from '../../hub/src/devices/registry.js';
import { IntentMatcher } from '../../hub/src/intents/intents.js';
import { DEMO_DEVICES } from '../support/stack.js';
import { COMMANDS, CONDITIONS, OUT_OF_GRAMMAR, planTrials, spoken } from './dev-set.js';

describe('stt dev set', () => {
  const devices = new DeviceRegistry(DEMO_DEVICES);
  const matcher = new IntentMatcher(devices);

  it('has-enough-commands-and-out-of-grammar-phrases', () => {
    expect(COMMANDS.length).toBeGreaterThanOrEqual(60);
    expect(new Set(COMMANDS.map((c) => c.text)).size).toBe(COMMANDS.length);
    expect(OUT_OF_GRAMMAR.length).toBeGreaterThanOrEqual(15);
    expect(CONDITIONS).toHaveLength(12);
  });

  it('expects-what-the-matcher-makes-of-the-exact-words', () => {
    for (const c of COMMANDS) {
      expect(matcher.match(spoken(c.text)), c.text).toEqual({ name: c.intent, slots: c.slots });
      if (c.deviceId === undefined) continue;
      const found = devices.resolve(
        String(c.slots['device']),
        c.slots['room'] as string | undefined,
        c.satelliteRoom,
      );
      expect(
        found.map((d) => d.id),
        c.text,
      ).toEqual([c.deviceId]);
    }
  });

  it('keeps-out-of-grammar-phrases-out-of-the-matcher', () => {
    for (const text of OUT_OF_GRAMMAR) expect(matcher.match(spoken(text)), text).toBeUndefined();
  });
});

describe('trial plan', () => {
  it('speaks-every-item-once-per-rate-and-noise-with-the-voice-rotating', () => {
    const trials = planTrials(COMMANDS, OUT_OF_GRAMMAR);
    expect(trials).toHaveLength((COMMANDS.length + OUT_OF_GRAMMAR.length) * 4);
    const commandTrials = trials.filter((t) => t.kind === 'command');
    for (const cmd of COMMANDS) {
      const mine = commandTrials.filter((t) => t.command === cmd).map((t) => t.condition);
      expect(new Set(mine.map((c) => `${c.rate}|${c.snrDb}`)).size).toBe(4);
      expect(new Set(mine.map((c) => c.voice)).size).toBeGreaterThan(1);
    }
    for (const c of CONDITIONS) {
      const n = commandTrials.filter((t) => t.condition === c).length;
      expect(n).toBeGreaterThanOrEqual(Math.floor(COMMANDS.length / 3));
      expect(n).toBeLessThanOrEqual(Math.ceil(COMMANDS.length / 3));
    }
  });

  it('speaks-everything-everywhere-when-asked', () => {
    expect(planTrials(COMMANDS, OUT_OF_GRAMMAR, CONDITIONS, true)).toHaveLength(
      (COMMANDS.length + OUT_OF_GRAMMAR.length) * CONDITIONS.length,
    );
  });
});
