import { describe, expect, it } from 'vitest';
import { SentenceSplitter, splitSentences } from './sentence-splitter.js';

describe('splitSentences', () => {
  it('splits-on-period-exclamation-question-and-newline', () => {
    expect(splitSentences('It is on. Really! Is it?\nYes\nthe end')).toEqual([
      'It is on.',
      'Really!',
      'Is it?',
      'Yes',
      'the end',
    ]);
  });

  it('keeps-decimals-times-and-abbreviations-together', () => {
    expect(
      splitSentences(
        'Mr. Smith set it to 3.5 degrees at 3:05 p.m. The e.g. case works. Dr. Who is J. R. R. Tolkien.',
      ),
    ).toEqual([
      'Mr. Smith set it to 3.5 degrees at 3:05 p.m.',
      'The e.g. case works.',
      'Dr. Who is J. R. R. Tolkien.',
    ]);
  });

  it('keeps-closing-quotes-and-runs-of-terminators-with-their-sentence', () => {
    expect(splitSentences('He said "stop." Then he left?! Wait... what (really.) Ok')).toEqual([
      'He said "stop."',
      'Then he left?!',
      'Wait...',
      'what (really.)',
      'Ok',
    ]);
  });

  it('drops-whitespace-and-punctuation-only-pieces', () => {
    expect(splitSentences('  \n\n ... \n')).toEqual([]);
    expect(splitSentences('')).toEqual([]);
  });

  it('cuts-over-long-run-on-text-at-a-comma', () => {
    const text = `${'word '.repeat(20)}and more, ${'next '.repeat(20)}end`;
    const parts = splitSentences(text, { maxChars: 120 });
    expect(parts.length).toBeGreaterThan(1);
    expect(parts[0]).toMatch(/and more,$/);
    expect(parts.join(' ')).toBe(text.replace(/\s+/g, ' ').trim());
  });
});

describe('SentenceSplitter streaming', () => {
  it('emits-a-sentence-as-soon-as-a-piece-ends-it', () => {
    const s = new SentenceSplitter();
    expect(s.push('It is 3:05 ')).toEqual([]);
    expect(s.push('PM.')).toEqual(['It is 3:05 PM.']);
    expect(s.push(' The kitchen')).toEqual([]);
    expect(s.push(' light is on.')).toEqual(['The kitchen light is on.']);
    expect(s.flush()).toEqual([]);
  });

  it('waits-when-a-piece-ends-in-a-possible-decimal-or-abbreviation', () => {
    const s = new SentenceSplitter();
    expect(s.push('Set it to 3.')).toEqual([]);
    expect(s.push('5 degrees. Ask Mr.')).toEqual(['Set it to 3.5 degrees.']);
    expect(s.push(' ')).toEqual([]);
    expect(s.push('Smith now')).toEqual([]);
    expect(s.flush()).toEqual(['Ask Mr. Smith now']);
  });

  it('token-by-token-stream-gives-the-same-sentences-as-the-whole-text', () => {
    const text = 'Mr. Smith paid 3.50 dollars. It is 3:05 PM! Done?\nNext line etc. And so on.';
    const s = new SentenceSplitter();
    const got: string[] = [];
    for (const ch of text) got.push(...s.push(ch));
    got.push(...s.flush());
    expect(got).toEqual(splitSentences(text));
    expect(got).toEqual([
      'Mr. Smith paid 3.50 dollars.',
      'It is 3:05 PM!',
      'Done?',
      'Next line etc.',
      'And so on.',
    ]);
  });
});
