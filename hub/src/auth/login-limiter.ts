/**
 * Brute-force brake for logins, in process: after too many failed attempts within `windowMs`
 * against one username (`maxPerUser`) or from one IP (`maxPerIp`, higher: a household shares
 * one address), further attempts are refused until the oldest failure leaves the window.
 * Checked before the password, so a locked-out guesser costs no hashing.
 */
export interface LoginLimiterOptions {
  readonly maxPerUser: number;
  readonly maxPerIp: number;
  readonly windowMs: number;
  readonly now?: () => number;
}

/** `ip:<address>` or `user:<name>`. */
export type LimiterKey = `ip:${string}` | `user:${string}`;

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly now: () => number;

  constructor(private readonly options: LoginLimiterOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Seconds until an attempt is allowed for these keys (0: now). */
  retryAfterS(keys: readonly LimiterKey[]): number {
    const now = this.now();
    let wait = 0;
    for (const key of keys) {
      const max = key.startsWith('ip:') ? this.options.maxPerIp : this.options.maxPerUser;
      const recent = this.recent(key, now);
      if (recent.length >= max)
        wait = Math.max(wait, recent[recent.length - max]! + this.options.windowMs - now);
    }
    return Math.ceil(wait / 1000);
  }

  /**
   * Counts an attempt as failed before it is checked, so a burst of simultaneous guesses cannot
   * all pass the brake while the first ones are still hashing; `forgive` takes it back.
   */
  begin(keys: readonly LimiterKey[]): number {
    this.fail(keys);
    return this.now();
  }

  /** Takes back the failure `begin` counted at `at` (the attempt succeeded). */
  forgive(keys: readonly LimiterKey[], at: number): void {
    for (const key of keys) {
      const times = this.failures.get(key);
      const i = times?.lastIndexOf(at) ?? -1;
      if (times && i >= 0) times.splice(i, 1);
    }
  }

  fail(keys: readonly LimiterKey[]): void {
    const now = this.now();
    for (const key of keys) this.failures.set(key, [...this.recent(key, now), now]);
    // Bounded: forget keys with nothing recent once the map grows.
    if (this.failures.size > 10_000)
      for (const [k] of this.failures)
        if (this.recent(k, now).length === 0) this.failures.delete(k);
  }

  /** A success clears the username's count (not the IP's: one account may be a decoy). */
  succeed(key: LimiterKey): void {
    this.failures.delete(key);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => now - t < this.options.windowMs);
  }
}
