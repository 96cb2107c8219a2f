/**
 * Brute-force brake for logins, in process: after too many failed attempts within `windowMs`
 * against one username from one address (`maxPerUser`), from one address (`maxPerIp`, higher: a
 * household shares one), or against one username from anywhere (`maxPerUserAnyIp`, higher
 * still), further attempts are refused until the oldest failure leaves the window. The
 * per-address counts mean a stranger cannot lock a user out of their own home's logins; the
 * any-address count still brakes a guesser spread over many addresses.
 * Checked before the password, so a locked-out guesser costs no hashing.
 */
export interface LoginLimiterOptions {
  readonly maxPerUser: number;
  readonly maxPerIp: number;
  /** Default: ten times `maxPerUser`. */
  readonly maxPerUserAnyIp?: number;
  readonly windowMs: number;
  readonly now?: () => number;
}

/** `ip:<address group>`, `user-ip:<name>@<address group>` or `user:<name>`. */
export type LimiterKey = `ip:${string}` | `user-ip:${string}` | `user:${string}`;

/**
 * The address an attempt is counted against: an IPv6 client gets a whole /64 from its provider,
 * so its /64 is one address here (otherwise it could rotate through billions).
 */
export function addressGroup(ip: string): string {
  const address = ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}

/** The keys a login (or a password check) by `username` from `ip` is counted under. */
export function loginKeys(username: string, ip: string): LimiterKey[] {
  const net = addressGroup(ip);
  return [`ip:${net}`, `user-ip:${username}@${net}`, `user:${username}`];
}

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
      const max = this.max(key);
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

  /**
   * A success clears the username's counts from this address (not the address's: one account
   * may be a decoy; nor the any-address one: a spread-out guesser must not be helped by the
   * real user logging in).
   */
  succeed(key: LimiterKey): void {
    this.failures.delete(key);
  }

  private max(key: LimiterKey): number {
    if (key.startsWith('ip:')) return this.options.maxPerIp;
    if (key.startsWith('user-ip:')) return this.options.maxPerUser;
    return this.options.maxPerUserAnyIp ?? this.options.maxPerUser * 10;
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => now - t < this.options.windowMs);
  }
}
