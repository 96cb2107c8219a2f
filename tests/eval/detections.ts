/**
 * Wake-word detections replayed from recorded scores, so one pass of the engine over the audio
 * gives the detections at every threshold. Mirrors satellite/src/wake/openwakeword.ts: a score at
 * or above the threshold detects unless the model is still latched (its score has not dropped
 * below the threshold since the last detection) or the refractory period is running.
 */

export interface ScoreSample {
  /** Stream time at the end of the 80 ms step the score belongs to. */
  readonly atMs: number;
  readonly score: number;
}

/** Times (ms) at which the engine would report a detection at `threshold`. */
export function detectionsAt(
  scores: readonly ScoreSample[],
  threshold: number,
  refractoryMs = 1500,
): number[] {
  const out: number[] = [];
  let latched = false;
  let quietUntilMs = -Infinity;
  for (const { atMs, score } of scores) {
    if (score < threshold) {
      latched = false;
      continue;
    }
    if (atMs < quietUntilMs || latched) continue;
    latched = true;
    quietUntilMs = atMs + refractoryMs;
    out.push(atMs);
  }
  return out;
}

export interface SweepRow {
  readonly threshold: number;
  /** Wake clips with no detection, as a fraction of all wake clips. */
  readonly falseRejectRate: number;
  /** Detections in the non-wake audio per hour of it. */
  readonly falseAcceptsPerHour: number;
  readonly falseAccepts: number;
}

export interface Recommendation {
  readonly row: SweepRow;
  /** False when no threshold kept false rejects within the budget (then the fallback cost decided). */
  readonly withinBudget: boolean;
}

/**
 * The threshold to recommend: among rows whose false-reject rate is at most `maxFrr`, the fewest
 * false accepts; ties go to the fewest false rejects, then to the middle of the tied thresholds
 * (margin on both sides). When no row is within the budget, the fewest false rejects would only
 * pick the lowest threshold swept, so the row with the lowest cost "false-reject % + false accepts
 * per hour" (one point each) is taken instead, ties to the higher threshold.
 */
export function recommendThreshold(
  rows: readonly SweepRow[],
  maxFrr = 0.03,
): Recommendation | undefined {
  if (rows.length === 0) return undefined;
  const ok = rows.filter((r) => r.falseRejectRate <= maxFrr + 1e-9);
  if (ok.length === 0) {
    const cost = (r: SweepRow): number => r.falseRejectRate * 100 + r.falseAcceptsPerHour;
    const best = [...rows].sort((a, b) => cost(a) - cost(b) || b.threshold - a.threshold)[0]!;
    return { row: best, withinBudget: false };
  }
  const bestFa = Math.min(...ok.map((r) => r.falseAccepts));
  const byFa = ok.filter((r) => r.falseAccepts === bestFa);
  const bestFrr = Math.min(...byFa.map((r) => r.falseRejectRate));
  const tied = byFa
    .filter((r) => r.falseRejectRate === bestFrr)
    .sort((a, b) => a.threshold - b.threshold);
  return { row: tied[Math.floor((tied.length - 1) / 2)]!, withinBudget: true };
}
