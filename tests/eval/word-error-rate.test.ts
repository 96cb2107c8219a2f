import { describe, expect, it } from 'vitest';
import { corpusWer, werCount, wordEdits, words } from './word-error-rate.js';

describe('word error rate', () => {
  it('splits-lowercase-words-without-punctuation', () => {
    expect(words(' Hey Jarvis, turn ON the  light! ')).toEqual([
      'hey',
      'jarvis',
      'turn',
      'on',
      'the',
      'light',
    ]);
    expect(words('')).toEqual([]);
  });

  it('counts-substitutions-deletions-and-insertions', () => {
    const ref = words('turn on the kitchen light');
    expect(wordEdits(ref, ref)).toBe(0);
    expect(wordEdits(ref, words('turn off the kitchen light'))).toBe(1); // substitution
    expect(wordEdits(ref, words('turn on kitchen light'))).toBe(1); // deletion
    expect(wordEdits(ref, words('turn on the the kitchen light'))).toBe(1); // insertion
    expect(wordEdits(ref, [])).toBe(5);
    expect(wordEdits([], words('hello there'))).toBe(2);
  });

  it('can-exceed-one-when-the-hypothesis-is-longer', () => {
    expect(werCount('go', 'go go go')).toEqual({ errors: 2, words: 1 });
  });

  it('pools-edits-over-the-corpus', () => {
    const counts = [werCount('a b c d', 'a b c d'), werCount('a b', 'a x')];
    expect(corpusWer(counts)).toBeCloseTo(1 / 6);
    expect(corpusWer([])).toBe(0);
  });
});
