import { describe, expect, it } from 'vitest';
import { numberPhrases, parseNumber } from './numbers.js';
import { builtinSlotTypes } from './slot-types.js';

const en = builtinSlotTypes('en');
const fr = builtinSlotTypes('fr');
const ctx = { devices: ['light'], rooms: ['kitchen'] };
/** Parses `text` as the slot type would after its pattern matched the whole of it. */
function read(types: typeof en, type: string, text: string): unknown {
  const t = types[type]!;
  if (!new RegExp(`^${t.pattern(ctx)!}$`, 'u').test(text)) return 'no match';
  return t.parse(text);
}

describe('numbers', () => {
  it('reads-english-and-french-number-words-and-digits', () => {
    expect(parseNumber('twenty five', 'en')).toBe(25);
    expect(parseNumber('one hundred', 'en')).toBe(100);
    expect(parseNumber('42', 'en')).toBe(42);
    expect(parseNumber('2,5', 'fr')).toBe(2.5);
    expect(parseNumber('vingt et un', 'fr')).toBe(21);
    expect(parseNumber('soixante et onze', 'fr')).toBe(71);
    expect(parseNumber('quatre-vingt-dix-neuf', 'fr')).toBe(99);
    expect(parseNumber('twenty ten', 'en')).toBeUndefined();
  });

  it('gives-every-number-up-to-100-one-distinct-phrase-per-language', () => {
    for (const lang of ['en', 'fr'] as const) {
      const values = numberPhrases(lang).map(([p]) => parseNumber(p, lang));
      expect(values.slice(0, 101)).toEqual([...Array(101).keys()]);
    }
  });
});

describe('slot types', () => {
  it('reads-durations-with-two-parts-and-halves', () => {
    expect(read(en, 'duration', 'five minutes')).toBe(300_000);
    expect(read(en, 'duration', 'an hour and ten minutes')).toBe(4_200_000);
    expect(read(en, 'duration', 'an hour and a half')).toBe(5_400_000);
    expect(read(fr, 'duration', 'une heure et demie')).toBe(5_400_000);
    expect(read(fr, 'duration', 'vingt cinq secondes')).toBe(25_000);
    expect(read(en, 'duration', 'five fortnights')).toBe('no match');
  });

  it('keeps-percentages-within-0-to-100', () => {
    expect(read(en, 'percentage', 'fifty percent')).toBe(50);
    expect(read(en, 'percentage', '75')).toBe(75);
    expect(read(fr, 'percentage', 'trente pour cent')).toBe(30);
    expect(read(en, 'percentage', '150 percent')).toBeUndefined();
  });

  it('reads-clock-times-as-hh-mm', () => {
    expect(read(en, 'time', 'seven thirty pm')).toBe('19:30');
    expect(read(en, 'time', '7:05 am')).toBe('07:05');
    expect(read(en, 'time', 'quarter to eight')).toBe('07:45');
    expect(read(en, 'time', 'noon')).toBe('12:00');
    expect(read(fr, 'time', 'dix neuf heures trente')).toBe('19:30');
    expect(read(fr, 'time', '7 h 15')).toBe('07:15');
    expect(read(fr, 'time', 'midi')).toBe('12:00');
    expect(read(en, 'time', 'twenty five thirty')).toBeUndefined();
  });

  it('names-colours-canonically-in-both-languages', () => {
    expect(read(en, 'color', 'warm white')).toBe('warm white');
    expect(read(fr, 'color', 'bleue')).toBe('blue');
    expect(read(fr, 'color', 'blanc chaud')).toBe('warm white');
  });

  it('keeps-free-text-and-times-out-of-the-grammar', () => {
    expect(en['text']!.jsgf(ctx)).toBeUndefined();
    expect(en['time']!.jsgf(ctx)).toBeUndefined();
    expect(en['device']!.jsgf(ctx)).toBe('( light )');
    expect(en['device']!.pattern({ devices: [], rooms: [] })).toBeUndefined();
  });
});
