/**
 * Two hub replicas as one (issue 9): the same hub id, one PostgreSQL, one Mosquitto and one
 * Redis, all real; satellites land on either replica. A live event on one reaches a dashboard on
 * the other; an announcement asked on one is spoken by a satellite on the other; a timer rings
 * once, where its satellite is now; a satellite that moves replaces its old connection; the
 * per-address rate limit is counted once for both.
 */
import { randomBytes } from 'node:crypto';
import { concatPcm, rms, type DownEvent } from '@jarvis/protocol';
import { createOpenWakeWord, type HubLink, type WakeEngine } from '@jarvis/satellite';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectedLink, nextAnnouncement } from '../support/announcements.js';
import {
  startMosquitto,
  startPostgres,
  startRedis,
  type RunningServer,
} from '../support/servers.js';
import { createFirstAdmin, runExchange, startStack, type Stack } from '../support/stack.js';
import { speak } from '../support/voices.js';

/** Per address and minute, for both replicas together (see the last case). */
const PER_IP = 60;

let redis: RunningServer;
let pg: RunningServer;
let mosquitto: RunningServer;
let a: Stack;
let b: Stack;
let admin: string;
let wake: WakeEngine;

beforeAll(async () => {
  const hubUser = { username: 'hub', password: randomBytes(18).toString('base64url') };
  [redis, pg, mosquitto, wake] = await Promise.all([
    startRedis(randomBytes(18).toString('base64url')),
    startPostgres(),
    startMosquitto(hubUser),
    createOpenWakeWord({}),
  ]);
  const replica = () =>
    startStack({
      databaseUrl: pg.url,
      config: {
        hubId: 'scale-out-home',
        mqtt: { url: mosquitto.url, ...hubUser },
        rateLimit: { redisUrl: redis.url, perIpPerMinute: PER_IP },
        cluster: { redisUrl: redis.url },
      },
    });
  // One after the other: the first runs the migrations.
  a = await replica();
  b = await replica();
  admin = await createFirstAdmin(a);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await wake?.close();
  await Promise.allSettled([redis?.stop(), pg?.stop(), mosquitto?.stop()]);
});

/** A dashboard's live feed on `stack`, authenticated, collecting every event. */
async function openFeed(stack: Stack) {
  const ws = new WebSocket(`${stack.hub.url().replace('http', 'ws')}/v1/events`);
  const events: Record<string, unknown>[] = [];
  ws.on('message', (data: Buffer) => events.push(JSON.parse(data.toString()) as never));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'auth', token: admin }));
  await expect.poll(() => events.some((e) => e['type'] === 'ready')).toBe(true);
  return { ws, events };
}

function announcePost(stack: Stack, body: object) {
  return fetch(`${stack.hub.url()}/v1/announcements`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** Every event a link receives from now on. */
function eventsOf(link: HubLink): DownEvent[] {
  const events: DownEvent[] = [];
  link.on('event', (e) => events.push(e));
  return events;
}

describe('scale-out', () => {
  it('a-live-event-on-one-replica-reaches-a-dashboard-on-the-other', async () => {
    const feed = await openFeed(a);
    const hall = await connectedLink(b, await a.enroll('hall', 'hall'));
    try {
      const isHall = (e: Record<string, unknown>) =>
        e['type'] === 'satellite' && (e['satellite'] as { id?: string }).id === 'hall';
      await expect
        .poll(() => feed.events.find(isHall), { timeout: 5000 })
        .toMatchObject({
          satellite: { id: 'hall', online: true },
        });
      // A timer set on B: A's dashboard is told to reload its timers.
      const before = feed.events.filter((e) => e['type'] === 'timers').length;
      const timer = await b.hub.timers.set('hall', 600_000);
      await expect
        .poll(() => feed.events.filter((e) => e['type'] === 'timers').length, { timeout: 5000 })
        .toBe(before + 1);
      await a.hub.timers.cancel(timer.id);
    } finally {
      await hall.stop();
      feed.ws.close();
    }
  });

  it('an-announcement-asked-on-one-replica-is-spoken-on-a-satellite-of-the-other', async () => {
    const kitchen = await connectedLink(b, await a.enroll('kitchen', 'kitchen'));
    try {
      // Presence reaches A within moments of the connection.
      await expect
        .poll(async () => (await announcePost(a, { text: 'ping', room: 'attic' })).status)
        .toBe(409);
      const heard = nextAnnouncement(kitchen, 20_000);
      let res = await announcePost(a, { text: 'Dinner is ready', room: 'kitchen' });
      for (let i = 0; res.status === 409 && i < 50; i++) {
        await new Promise((r) => setTimeout(r, 100));
        res = await announcePost(a, { text: 'Dinner is ready', room: 'kitchen' });
      }
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ satellites: ['kitchen'] });
      const { event, samples } = await heard;
      expect(event).toMatchObject({ reason: 'announcement', text: 'Dinner is ready' });
      expect(rms(concatPcm(samples))).toBeGreaterThan(300);
    } finally {
      await kitchen.stop();
    }
  });

  it('tell-the-office-spoken-on-one-replica-is-heard-on-the-other', async () => {
    // Enrolled and connected after A started, and only to B: A learns the room from B.
    const office = await connectedLink(b, await a.enroll('office', 'office'));
    const asker = await a.enroll('hallway', 'hallway');
    try {
      const heard = nextAnnouncement(office, 30_000);
      const audio = await speak('hey jarvis, tell the office dinner is ready', 'flite', {
        leadMs: 500,
      });
      let ex = await runExchange(a, asker, audio, { wake });
      // Presence may still be on its way the first time: the room is then not yet sayable.
      for (let i = 0; ex.record?.intent !== 'announce' && i < 2; i++) {
        await new Promise((r) => setTimeout(r, 500));
        ex = await runExchange(a, asker, audio, { wake });
      }
      expect(ex.record).toMatchObject({
        intent: 'announce',
        outcome: 'ok',
        slots: { room: 'office' },
        reply: 'Telling the office.',
      });
      const { event, samples } = await heard;
      expect(event).toMatchObject({ reason: 'announcement', text: ex.record?.slots?.['message'] });
      expect(rms(concatPcm(samples))).toBeGreaterThan(300);
    } finally {
      await office.stop();
    }
  });

  it('a-timer-set-on-one-replica-rings-once-on-the-other-where-its-satellite-now-is', async () => {
    const sat = await a.enroll('pantry', 'pantry');
    const audio = await speak('hey jarvis, set a timer for five seconds', 'flite', { leadMs: 500 });
    const ex = await runExchange(a, sat, audio, { wake });
    expect(ex.record).toMatchObject({ intent: 'set_timer', reply: 'Timer set for 5 seconds.' });
    const [timer] = await a.hub.timers.pending('pantry');
    const link = await connectedLink(b, sat);
    try {
      const events = eventsOf(link);
      // Moved before the timer ended, and B never scheduled it: A rings it through B.
      expect(Date.now()).toBeLessThan(timer!.endsAt.getTime());
      const heard = await nextAnnouncement(link, 20_000);
      expect(heard.event).toMatchObject({ reason: 'timer', text: 'Your 5 second timer is done.' });
      expect(rms(concatPcm(heard.samples))).toBeGreaterThan(300);

      // One both replicas schedule (as after a restart, or B's rescan): still heard once.
      await a.hub.timers.set('pantry', 2000);
      await b.hub.timers.start();
      await expect
        .poll(() => events.filter((e) => e.type === 'announce').length, { timeout: 15_000 })
        .toBe(2);
      await new Promise((r) => setTimeout(r, 2000));
      expect(events.filter((e) => e.type === 'announce')).toHaveLength(2);
      const rows = await a.hub.db.query<{ rang_at: unknown }>(
        'SELECT rang_at FROM timers WHERE satellite_id = $1',
        ['pantry'],
      );
      expect(rows.map((r) => r.rang_at !== null)).toEqual([true, true]);
    } finally {
      await link.stop();
    }
  });

  it('a-satellite-connecting-to-the-other-replica-replaces-its-old-connection', async () => {
    const sat = await a.enroll('study', 'study');
    const feed = await openFeed(a);
    const old = await connectedLink(a, sat);
    const down = new Promise<string>((resolve) =>
      old.once('down', (why: string) => {
        // The stale side stops here, as a satellite that moved on would not come back to it.
        void old.stop();
        resolve(why);
      }),
    );
    const fresh = await connectedLink(b, sat);
    try {
      expect(await down).toBe('4000 replaced by a newer connection');
      // A's dashboard hears "offline" from A as the old connection closes, then B's "online".
      const study = () =>
        feed.events
          .filter((e) => e['type'] === 'satellite')
          .map((e) => e['satellite'] as { id: string; online: boolean })
          .filter((v) => v.id === 'study')
          .map((v) => v.online);
      const afterOffline = () => {
        const seen = study();
        const i = seen.indexOf(false);
        return i < 0 ? undefined : seen.slice(i + 1).at(-1);
      };
      await expect.poll(afterOffline).toBe(true);
      // The new connection stays, and is the one an announcement reaches.
      const heard = nextAnnouncement(fresh, 20_000);
      await expect
        .poll(
          async () => (await announcePost(a, { text: 'Still here?', satellite: 'study' })).status,
        )
        .toBe(202);
      expect((await heard).event.text).toBe('Still here?');
    } finally {
      feed.ws.close();
      await fresh.stop();
      await old.stop();
    }
  });

  it('counts-one-rate-limit-per-address-across-both-replicas', async () => {
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      await client.del('jarvis:rl:ip:127.0.0.1'); // a fresh window
      const statuses: number[] = [];
      for (let i = 0; i < PER_IP / 2 + 5; i++) {
        statuses.push((await fetch(`${a.hub.url()}/v1/me`)).status);
        statuses.push((await fetch(`${b.hub.url()}/v1/me`)).status);
      }
      expect(statuses.slice(0, PER_IP).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(PER_IP).every((s) => s === 429)).toBe(true);
      expect(Number(await client.get('jarvis:rl:ip:127.0.0.1'))).toBe(PER_IP + 10);
    } finally {
      await client.quit();
    }
  });
});
