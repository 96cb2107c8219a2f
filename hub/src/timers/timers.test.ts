import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../storage/db.js';
import { SatelliteStore } from '../storage/satellites.js';
import { TimerService, type Timer } from './timers.js';

const log = pino({ level: 'silent' });
let dir: string;
let db: Db;
const rung: { satelliteId: string; text: string }[] = [];
let online = true;
const ring = async (t: Timer, text: string): Promise<boolean> => {
  if (!online) return false;
  rung.push({ satelliteId: t.satelliteId, text });
  return true;
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jarvis-timers-'));
  db = await openDb({ dataDir: join(dir, 'db') });
  const sats = new SatelliteStore(db);
  for (const id of ['kitchen', 'bedroom'])
    await sats.enroll({ id, name: id, room: id, publicKey: 'PEM' });
  rung.length = 0;
  online = true;
});
afterEach(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

describe('timers', () => {
  it('rings-on-the-satellite-that-set-it', async () => {
    const timers = new TimerService(db, ring, log);
    expect(await timers.handle({ kind: 'set', durationMs: 150 }, 'kitchen')).toBe(
      'Timer set for 1 second.',
    );
    await sleep(400);
    expect(rung).toEqual([{ satelliteId: 'kitchen', text: 'Your 1 second timer is done.' }]);
    expect(await timers.pending()).toEqual([]);
    timers.close();
  });

  it('keeps-named-timers-apart-and-rings-them-by-name', async () => {
    let now = 1_000_000;
    const timers = new TimerService(db, ring, log, () => now);
    expect(
      await timers.handle({ kind: 'set', durationMs: 600_000, name: 'pasta' }, 'kitchen'),
    ).toBe('Pasta timer set for 10 minutes.');
    await timers.handle({ kind: 'set', durationMs: 180_000, name: 'eggs' }, 'kitchen');
    now += 60_000;
    expect(await timers.handle({ kind: 'remaining', name: 'Pasta' }, 'kitchen')).toBe(
      '9 minutes left on the pasta timer.',
    );
    expect(await timers.handle({ kind: 'cancel', name: 'rice' }, 'kitchen')).toBe(
      "There's no rice timer running.",
    );
    expect(await timers.handle({ kind: 'cancel', name: 'pasta' }, 'kitchen')).toBe(
      'Cancelled your pasta timer.',
    );
    expect((await timers.pending('kitchen')).map((t) => t.name)).toEqual(['eggs']);
    timers.close();
  });

  it('answers-in-french', async () => {
    const timers = new TimerService(db, ring, log, Date.now, 'fr');
    expect(await timers.handle({ kind: 'set', durationMs: 150, name: 'pâtes' }, 'kitchen')).toBe(
      'Minuteur pâtes réglé sur 1 seconde.',
    );
    await sleep(400);
    expect(rung).toEqual([{ satelliteId: 'kitchen', text: 'Le minuteur pâtes est terminé.' }]);
    timers.close();
  });

  it('says-how-long-is-left-and-cancels', async () => {
    let now = 1_000_000;
    const timers = new TimerService(db, ring, log, () => now);
    await timers.handle({ kind: 'set', durationMs: 300_000 }, 'kitchen');
    now += 90_000;
    expect(await timers.handle({ kind: 'remaining' }, 'kitchen')).toBe(
      '3 minutes and 30 seconds left.',
    );
    expect(await timers.handle({ kind: 'remaining' }, 'bedroom')).toBe("There's no timer running.");
    expect(await timers.handle({ kind: 'cancel' }, 'kitchen')).toBe(
      'Cancelled your 5 minute timer.',
    );
    expect(await timers.pending('kitchen')).toEqual([]);
    timers.close();
  });

  it('rings-when-an-absent-satellite-comes-back', async () => {
    online = false;
    const timers = new TimerService(db, ring, log);
    await timers.set('bedroom', 50);
    await sleep(200);
    expect(rung).toEqual([]);
    online = true;
    await timers.satelliteOnline('bedroom');
    expect(rung.map((r) => r.satelliteId)).toEqual(['bedroom']);
    await timers.satelliteOnline('bedroom');
    expect(rung).toHaveLength(1);
    timers.close();
  });

  it('survives-a-hub-restart', async () => {
    const before = new TimerService(db, ring, log);
    await before.set('kitchen', 300);
    before.close();
    await db.close();
    db = await openDb({ dataDir: join(dir, 'db') });
    const after = new TimerService(db, ring, log);
    await after.start();
    expect((await after.pending()).map((t) => t.satelliteId)).toEqual(['kitchen']);
    await sleep(500);
    expect(rung.map((r) => r.satelliteId)).toEqual(['kitchen']);
    after.close();
  });

  it('two-replicas-on-one-database-ring-a-timer-once-and-pick-up-each-others', async () => {
    const a = new TimerService(db, ring, log);
    const b = new TimerService(db, ring, log);
    await b.start(50); // b looks for timers set elsewhere every 50 ms
    await a.set('kitchen', 300);
    await sleep(600);
    expect(rung.map((r) => r.satelliteId)).toEqual(['kitchen']);
    // One that a replica could not ring is handed back for the next try.
    online = false;
    await a.set('bedroom', 50);
    await sleep(300);
    expect((await b.pending()).map((t) => t.satelliteId)).toEqual(['bedroom']);
    online = true;
    await Promise.all([a.satelliteOnline('bedroom'), b.satelliteOnline('bedroom')]);
    expect(rung.map((r) => r.satelliteId)).toEqual(['kitchen', 'bedroom']);
    a.close();
    b.close();
  });

  it('refuses-a-timer-longer-than-a-day', async () => {
    const timers = new TimerService(db, ring, log);
    expect(await timers.handle({ kind: 'set', durationMs: 25 * 3_600_000 }, 'kitchen')).toMatch(
      /24 hours at most/,
    );
    expect(await timers.pending()).toEqual([]);
    timers.close();
  });
});
