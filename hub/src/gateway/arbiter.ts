/** A wake-up as the arbiter weighs it. */
export interface WakeClaim {
  readonly satelliteId: string;
  /** The wake word engine's confidence, 0–1. */
  readonly score: number;
  /** Loudness of the wake phrase in dBFS, when the satellite measured it. */
  readonly energyDb?: number | undefined;
  /**
   * When the wake phrase was heard (epoch ms, the satellite's clock): satellites busy with
   * other work report the same words at different times, but heard them together.
   */
  readonly heardAt?: number | undefined;
}

export type Verdict<T> =
  | {
      readonly won: true;
      /** The earlier leader this claim beat: stand it down. */
      readonly displaced?: T;
    }
  | { readonly won: false };

/** Used when a satellite does not say how loud the wake phrase was (an older satellite). */
const UNKNOWN_ENERGY_DB = -60;
/** How late a claim may arrive after the words were heard: a satellite busy on its CPU. */
const MAX_REPORT_LAG_MS = 1500;

/**
 * How strongly a satellite heard the wake-up: its loudness, 10 dB counting as one whole
 * point of score, plus its score — the nearest satellite hears the speaker loudest (the
 * score at detection is mostly just past the threshold, so it only tells apart satellites
 * that heard the words about as loud).
 */
export function claimRank(claim: WakeClaim): number {
  return claim.score + (claim.energyDb ?? UNKNOWN_ENERGY_DB) / 10;
}

/**
 * Several satellites in earshot wake on one utterance: of the wake-ups heard within
 * `windowMs` of the first, only the best keeps its session. Decisions are immediate (the
 * first claim starts at once, a better one arriving later takes over), so a lone satellite
 * waits for nothing.
 */
export class WakeArbiter<T> {
  private round: { heardAt: number; arrivedAt: number; leader: WakeClaim; value: T } | undefined;

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  claim(claim: WakeClaim, value: T): Verdict<T> {
    const at = this.now();
    // A satellite's clock is trusted only within reason.
    const heardAt = Math.min(at, Math.max(at - MAX_REPORT_LAG_MS, claim.heardAt ?? at));
    const round = this.round;
    const sameUtterance =
      round !== undefined &&
      this.windowMs > 0 &&
      Math.abs(heardAt - round.heardAt) <= this.windowMs &&
      at - round.arrivedAt <= this.windowMs + MAX_REPORT_LAG_MS &&
      // The leader waking again is a new utterance, not a rival.
      round.leader.satelliteId !== claim.satelliteId;
    if (!sameUtterance) {
      this.round = { heardAt, arrivedAt: at, leader: claim, value };
      return { won: true };
    }
    if (claimRank(claim) <= claimRank(round.leader)) return { won: false };
    const displaced = round.value;
    this.round = { ...round, leader: claim, value };
    return { won: true, displaced };
  }
}
