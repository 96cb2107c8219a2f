/**
 * Request rate limits against a real Redis shared by two hubs (as replicas would share it):
 * per address across both, per signed-in user, with Retry-After; the hubs keep serving other
 * routes, and counting falls back to the process when Redis goes away.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RunningServer } from '../support/servers.js';
import { createFirstAdmin, startStack, type Stack } from '../support/stack.js';

let redis: RunningServer;
let a: Stack;
let b: Stack;
beforeAll(async () => {
  redis = await startRedis('rate-limit-test-password');
  const config = { rateLimit: { redisUrl: redis.url, perIpPerMinute: 12, perUserPerMinute: 5 } };
  a = await startStack({ config });
  b = await startStack({ config });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await redis?.stop();
});

const get = (stack: Stack, path: string, token?: string) =>
  fetch(
    `${stack.hub.url()}${path}`,
    token ? { headers: { authorization: `Bearer ${token}` } } : {},
  );

describe('rate limits in Redis', () => {
  it('count-an-address-across-two-hubs-and-answer-429-with-retry-after', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push((await get(a, '/v1/me')).status);
      statuses.push((await get(b, '/v1/me')).status);
    }
    // 12 per minute for 127.0.0.1, whichever hub answered.
    expect(statuses.filter((s) => s === 401)).toHaveLength(12);
    expect(statuses.slice(12).every((s) => s === 429)).toBe(true);
    const limited = await get(a, '/v1/timers');
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ code: 'rate-limited' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    // Health and metrics are not API routes: still answered.
    expect((await get(a, '/health')).status).toBe(200);
    // The count is Redis's.
    const client = createClient({ url: redis.url });
    await client.connect();
    expect(Number(await client.get('jarvis:rl:ip:127.0.0.1'))).toBeGreaterThanOrEqual(16);
    // Clear it for the next test (as a window passing would).
    await client.del('jarvis:rl:ip:127.0.0.1');
    await client.quit();
  });

  it('count-a-signed-in-user-and-fall-back-to-the-process-without-redis', async () => {
    const token = await createFirstAdmin(a);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await get(a, '/v1/me', token)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);

    await redis.stop();
    // Redis gone: the hub still answers and still limits, in process now.
    const after: number[] = [];
    for (let i = 0; i < 14; i++) after.push((await get(b, '/v1/me')).status);
    expect(after.slice(0, 12).every((s) => s === 401)).toBe(true);
    expect(after.slice(12)).toEqual([429, 429]);
    expect((await get(b, '/health')).status).toBe(200);
  });
});

describe('rate limits by route', () => {
  it('count-a-percent-encoded-path-as-the-route-it-reaches', async () => {
    const c = await startStack({ config: { rateLimit: { perIpPerMinute: 3 } } });
    try {
      const statuses: number[] = [];
      // "/%761/me" is routed to /v1/me: it must not slip past the limit.
      for (let i = 0; i < 5; i++) statuses.push((await get(c, '/%761/me')).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      const encoded = await fetch(`${c.hub.url()}/%761/timers`);
      expect(encoded.status).toBe(429);
      expect((await get(c, '/health')).status).toBe(200);
    } finally {
      await c.close();
    }
  });
});
