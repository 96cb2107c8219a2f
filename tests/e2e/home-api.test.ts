/**
 * The home API over real HTTP: Bearer keys, timers listed and cancelled, announcements spoken on
 * a connected satellite, and bad requests answered with a coded error while the hub serves on.
 */
import { concatPcm, rms } from '@jarvis/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedLink, nextAnnouncement } from '../support/announcements.js';
import { createFirstAdmin, startStack, type Stack } from '../support/stack.js';

const KEY = 'home-api-test-key-0123456789';
let stack: Stack;
let kitchenSat: Awaited<ReturnType<Stack['enroll']>>;
beforeAll(async () => {
  stack = await startStack({ env: { JARVIS_API_KEYS: KEY } });
  kitchenSat = await stack.enroll('kitchen', 'kitchen');
  await stack.enroll('bedroom', 'bedroom');
});
afterAll(async () => {
  await stack?.close();
});

const call = (path: string, init: RequestInit & { key?: string | null } = {}) => {
  const { key = KEY, ...rest } = init;
  const headers: Record<string, string> = { ...(rest.headers as Record<string, string>) };
  if (key !== null) headers['authorization'] = `Bearer ${key}`;
  return fetch(`${stack.hub.url()}${path}`, { ...rest, headers });
};
const post = (path: string, body: unknown, key?: string | null) =>
  call(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(key === undefined ? {} : { key }),
  });

describe('home API keys', () => {
  it('refuses-a-missing-or-wrong-key-with-a-coded-error', async () => {
    const missing = await call('/v1/timers', { key: null });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="jarvis"');
    expect(await missing.json()).toMatchObject({ code: 'auth-missing' });
    const wrong = await call('/v1/timers', { key: 'not-the-key-at-all-0000' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: 'auth-invalid' });
    // Refused before the body is read.
    const unauthPost = await post('/v1/announcements', { text: 'hello' }, null);
    expect(unauthPost.status).toBe(401);
  });

  it('takes-a-users-token-and-refuses-a-key-when-none-is-configured', async () => {
    const bare = await startStack();
    try {
      const get = (token: string) =>
        fetch(`${bare.hub.url()}/v1/timers`, { headers: { authorization: `Bearer ${token}` } });
      const res = await get(KEY);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'auth-invalid' });
      const accessToken = await createFirstAdmin(bare);
      expect((await get(accessToken)).status).toBe(200);
    } finally {
      await bare.close();
    }
  });
});

describe('timers through the API', () => {
  it('lists-and-cancels-a-named-timer', async () => {
    const pasta = await stack.hub.timers.set('kitchen', 600_000, 'pasta');
    await stack.hub.timers.set('bedroom', 60_000);
    const listed = (await (await call('/v1/timers')).json()) as {
      timers: { id: string; name: string | null; satelliteId: string; remainingMs: number }[];
    };
    expect(listed.timers).toHaveLength(2);
    expect(listed.timers.find((t) => t.id === pasta.id)).toMatchObject({
      satelliteId: 'kitchen',
      name: 'pasta',
      durationMs: 600_000,
      endsAt: pasta.endsAt.toISOString(),
    });
    const mine = (await (await call('/v1/timers?satellite=kitchen')).json()) as {
      timers: unknown[];
    };
    expect(mine.timers).toHaveLength(1);

    expect((await call(`/v1/timers/${pasta.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await stack.hub.timers.pending('kitchen')).toEqual([]);
    const again = await call(`/v1/timers/${pasta.id}`, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect(await again.json()).toMatchObject({ code: 'not-found' });
    const bad = await call('/v1/timers/not-a-uuid', { method: 'DELETE' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'bad-request' });
  });
});

describe('announcements through the API', () => {
  it('speaks-on-the-named-room-and-refuses-bad-requests', async () => {
    const kitchen = await connectedLink(stack, kitchenSat);
    try {
      const heard = nextAnnouncement(kitchen, 15_000);
      const res = await post('/v1/announcements', { text: 'Dinner is ready', room: 'Kitchen' });
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ satellites: ['kitchen'] });
      const { event, samples } = await heard;
      expect(event).toMatchObject({ reason: 'announcement', text: 'Dinner is ready' });
      expect(rms(concatPcm(samples))).toBeGreaterThan(300);

      const nobody = await post('/v1/announcements', { text: 'hello', room: 'garage' });
      expect(nobody.status).toBe(409);
      expect(await nobody.json()).toMatchObject({ code: 'no-listener' });
      for (const body of [
        '{"text": ',
        { text: '' },
        { text: 'x'.repeat(501) },
        { text: 'hi', volume: 11 },
        { text: 'hi', satellite: '../etc' },
        [],
      ]) {
        const refused = await post('/v1/announcements', body);
        expect(refused.status, JSON.stringify(body)).toBe(400);
        expect(await refused.json()).toMatchObject({ code: 'bad-request' });
      }
      // Still serving.
      const next = nextAnnouncement(kitchen, 15_000);
      expect((await post('/v1/announcements', { text: 'Still here' })).status).toBe(202);
      expect((await next).event.text).toBe('Still here');
    } finally {
      await kitchen.stop();
    }
  });
});
