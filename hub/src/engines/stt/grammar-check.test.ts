import { describe, expect, it } from 'vitest';
import {
  judgeGrammarHypothesis,
  keepGrammarHypothesis,
  MAX_DROP_FROM_WAKE_PHRASE,
  MIN_SCORE_GAP,
  type GrammarJudgement,
} from './grammar-check.js';
import type { Segment } from './pocketsphinx-ffi.js';

const judged = (over: Partial<GrammarJudgement> = {}): GrammarJudgement => ({
  wordScore: -20,
  coverage: 1.1,
  leadingScore: -18,
  snrDb: 60,
  ...over,
});

describe('keeping a grammar hypothesis', () => {
  it('keeps-a-command-that-passes-all-three-measures', () => {
    expect(keepGrammarHypothesis(judged(), -30, -30 - MIN_SCORE_GAP)).toBe(true);
  });

  it('rejects-when-any-one-measure-fails', () => {
    // Too little of the speech inside words: a phrase that only starts like a command.
    expect(keepGrammarHypothesis(judged({ coverage: 0.6 }), -30, -60)).toBe(false);
    // Fits much worse than the wake phrase did.
    const poorFit = judged({ wordScore: -18 + MAX_DROP_FROM_WAKE_PHRASE - 1 });
    expect(keepGrammarHypothesis(poorFit, -30, -60)).toBe(false);
    // The general model explains the audio nearly as well: free speech, not a command.
    expect(keepGrammarHypothesis(judged(), -30, -30 - MIN_SCORE_GAP + 1)).toBe(false);
  });

  it('judges-without-a-wake-phrase-or-general-score-by-what-there-is', () => {
    expect(
      keepGrammarHypothesis(judged({ leadingScore: undefined, wordScore: -90 }), -30, -45),
    ).toBe(true);
    expect(keepGrammarHypothesis(judged(), -30, undefined)).toBe(true);
  });
});

describe('measuring a grammar hypothesis', () => {
  const seg = (word: string, startFrame: number, endFrame: number, perFrame: number): Segment => ({
    word,
    startFrame,
    endFrame,
    acousticScore: perFrame * (endFrame - startFrame + 1),
    languageScore: 0,
    posterior: 0,
  });
  // 1 s of quiet, then 1 s of loud tone: 100 speech frames over a silent floor.
  const tone = Int16Array.from({ length: 32_000 }, (_, i) =>
    i < 16_000 ? 0 : Math.round(8000 * Math.sin(i / 5)),
  );

  it('scores-the-command-apart-from-the-wake-phrase-and-leaves-fillers-out', () => {
    const j = judgeGrammarHypothesis(
      [
        seg('<sil>', 0, 9, -100),
        seg('hey', 10, 29, -10),
        seg('jarvis', 30, 49, -10),
        seg('stop', 50, 99, -30),
      ],
      tone,
      new Set(['hey', 'jarvis']),
    );
    expect(j.leadingScore).toBe(-10);
    expect(j.wordScore).toBe(-30);
    expect(j.coverage).toBeCloseTo(0.9, 1);
  });

  it('gives-no-coverage-when-only-the-wake-phrase-was-heard', () => {
    const j = judgeGrammarHypothesis([seg('jarvis', 0, 50, -10)], tone, new Set(['jarvis']));
    expect(j.coverage).toBe(0);
    expect(keepGrammarHypothesis(j, -10, -40)).toBe(false);
  });
});
