/**
 * Request rate limits for the HTTP API, per client address and per signed-in user, in fixed
 * one-minute windows. Counts live in the process by default, or in Redis so that several hub
 * replicas share them; when Redis fails, counting falls back to the process (logged), so an
 * outage of the limiter's store does not take the API down.
 */
import type { Logger } from 'pino';
import { RateLimited } from '../auth/user-auth.js';

export interface RateStore {
  /** Counts one hit on `key`; returns the count in the window and ms until it resets. */
  hit(key: string, windowMs: number): Promise<{ count: number; resetMs: number }>;
  /** A shared store (Redis) is reachable now; absent for the in-process one. */
  connected?(): boolean;
  close(): Promise<void>;
}

export class MemoryRateStore implements RateStore {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  hit(key: string, windowMs: number): Promise<{ count: number; resetMs: number }> {
    const now = this.now();
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, w);
      if (this.windows.size > 50_000)
        for (const [k, v] of this.windows) if (v.resetAt <= now) this.windows.delete(k);
    }
    w.count += 1;
    return Promise.resolve({ count: w.count, resetMs: w.resetAt - now });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Counts in Redis: INCR and a PEXPIRE set with the first hit, in one MULTI. */
export async function redisRateStore(url: string, log: Logger): Promise<RateStore> {
  const { createClient } = await import('redis');
  // While Redis is away, commands fail at once (no offline queue) and the process counts.
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2000, reconnectStrategy: (n: number) => Math.min(n * 200, 5000) },
  });
  client.on('error', (err: Error) =>
    log.warn({ err: err.message }, 'redis rate-limit store error'),
  );
  await client.connect();
  const fallback = new MemoryRateStore();
  return {
    async hit(key, windowMs) {
      // Reconnecting: count here rather than wait for it.
      if (!client.isReady) return fallback.hit(key, windowMs);
      try {
        const k = `jarvis:rl:${key}`;
        const [count, ttl] = (await client
          .multi()
          .incr(k)
          .pExpire(k, windowMs, 'NX')
          .pTTL(k)
          .exec()) as unknown as [number, unknown, number];
        return { count: Number(count), resetMs: Math.max(0, Number(ttl)) };
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'rate limit counted in process: redis failed');
        return fallback.hit(key, windowMs);
      }
    },
    connected: () => client.isReady,
    close() {
      client.destroy();
      return Promise.resolve();
    },
  };
}

const WINDOW_MS = 60_000;

/** Checks one hit against a per-minute limit; throws RateLimited past it. */
export async function checkRate(store: RateStore, key: string, perMinute: number): Promise<void> {
  const { count, resetMs } = await store.hit(key, WINDOW_MS);
  if (count > perMinute)
    throw new RateLimited(Math.max(1, Math.ceil(resetMs / 1000)), 'too many requests');
}
