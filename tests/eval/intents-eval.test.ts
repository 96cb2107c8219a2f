import { describe, expect, it } from 'vitest';
import { CASES } from './intents-dev-set.js';
import { scoreIntents } from './intents-eval.js';

describe('intent dev set', () => {
  it('has-at-least-150-phrasings-in-english-and-french', () => {
    expect(CASES.en.length + CASES.fr.length).toBeGreaterThanOrEqual(150);
    expect(CASES.fr.length).toBeGreaterThanOrEqual(50);
  });

  it('is-understood-at-least-95-percent-exactly-and-never-forces-other-speech-into-a-command', () => {
    const score = scoreIntents();
    expect(score.total.accuracyPct).toBeGreaterThanOrEqual(95);
    expect(score.misses.filter((m) => m.expected === 'none')).toEqual([]);
  });
});
