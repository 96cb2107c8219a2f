import { describe, expect, it } from 'vitest';
import { detectionsAt, recommendThreshold, type SweepRow } from './detections.js';

const series = (scores: number[], stepMs = 80) =>
  scores.map((score, i) => ({ atMs: (i + 1) * stepMs, score }));

describe('wake detections replayed from scores', () => {
  it('detects-once-per-crossing-while-latched', () => {
    const s = series([0.1, 0.6, 0.9, 0.7, 0.2]);
    expect(detectionsAt(s, 0.5)).toEqual([160]);
    expect(detectionsAt(s, 0.8)).toEqual([240]);
    expect(detectionsAt(s, 0.95)).toEqual([]);
  });

  it('holds-off-for-the-refractory-period-after-a-detection', () => {
    const s = series([0.9, 0.1, 0.9, 0.1, 0.9]); // crossings at 80, 240, 400 ms
    expect(detectionsAt(s, 0.5, 200)).toEqual([80, 400]);
    expect(detectionsAt(s, 0.5, 0)).toEqual([80, 240, 400]);
  });

  it('counts-a-score-equal-to-the-threshold', () => {
    expect(detectionsAt(series([0.5]), 0.5)).toEqual([80]);
  });
});

describe('threshold recommendation', () => {
  const row = (threshold: number, frr: number, fa: number): SweepRow => ({
    threshold,
    falseRejectRate: frr,
    falseAccepts: fa,
    falseAcceptsPerHour: fa * 2,
  });

  it('picks-the-fewest-false-accepts-within-the-false-reject-budget', () => {
    const rows = [row(0.3, 0, 9), row(0.5, 0.01, 4), row(0.7, 0.03, 2), row(0.9, 0.2, 0)];
    expect(recommendThreshold(rows)).toEqual({ row: rows[2], withinBudget: true });
  });

  it('breaks-ties-by-false-rejects-then-the-middle-threshold', () => {
    const rows = [
      row(0.3, 0, 1),
      row(0.4, 0, 0),
      row(0.5, 0, 0),
      row(0.6, 0, 0),
      row(0.7, 0.02, 0),
    ];
    expect(recommendThreshold(rows)?.row.threshold).toBe(0.5);
  });

  it('falls-back-to-the-lowest-combined-cost-when-none-is-within-budget', () => {
    // cost = FRR % + FA/hour (fa * 2 here): 10 + 10, 20 + 4, 30 + 2, 40 + 0
    const rows = [row(0.3, 0.1, 5), row(0.4, 0.2, 2), row(0.5, 0.3, 1), row(0.6, 0.4, 0)];
    expect(recommendThreshold(rows)).toEqual({ row: rows[0], withinBudget: false });
    expect(recommendThreshold([])).toBeUndefined();
  });
});
