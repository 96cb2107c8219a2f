import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type RunningServer } from '../../../tests/support/servers.js';
import { migrate, openDb, type Db } from './db.js';
import { SatelliteStore } from './satellites.js';
import { SessionStore } from './sessions.js';

let pg: RunningServer;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await pg?.stop();
});

// The same migrations and queries must behave identically on both backends.
describe.each([
  ['pglite', () => ({ dataDir: 'memory://' })],
  ['postgres', () => ({ dataDir: '', databaseUrl: pg.url })],
] as const)('storage on %s', (kind, options) => {
  let db: Db;
  beforeAll(async () => {
    db = await openDb(options());
  });
  afterAll(async () => {
    await db?.close();
  });

  it('runs-migrations-once', async () => {
    expect(db.kind).toBe(kind);
    expect(await migrate(db)).toEqual([]);
    const rows = await db.query<{ name: string }>('SELECT name FROM schema_migrations');
    expect(rows.map((r) => r.name)).toContain('001_init.sql');
  });

  it('enrolls-revokes-and-reenrolls-a-satellite', async () => {
    const sats = new SatelliteStore(db);
    await sats.enroll({ id: 'kitchen', name: 'Kitchen', room: 'kitchen', publicKey: 'PEM1' });
    expect((await sats.get('kitchen'))?.revokedAt).toBeNull();
    expect(await sats.revoke('kitchen')).toBe(true);
    expect(await sats.revoke('kitchen')).toBe(false);
    expect((await sats.get('kitchen'))?.revokedAt).toBeInstanceOf(Date);
    const again = await sats.enroll({
      id: 'kitchen',
      name: 'Kitchen',
      room: 'kitchen',
      publicKey: 'PEM2',
    });
    expect(again.revokedAt).toBeNull();
    expect(again.publicKey).toBe('PEM2');
    expect(await sats.get('nope')).toBeUndefined();
  });

  it('stores-a-session-with-its-timings', async () => {
    const sessions = new SessionStore(db);
    const startedAt = new Date('2026-01-01T10:00:00Z');
    await sessions.save({
      id: `s-${kind}`,
      satelliteId: 'kitchen',
      startedAt,
      endedAt: new Date(startedAt.getTime() + 2000),
      wakeWord: 'hey_jarvis',
      wakeScore: 0.97,
      transcript: 'turn on the kitchen light',
      sttSource: 'grammar',
      intent: 'turn_on',
      slots: { device: 'light', room: 'kitchen' },
      action: { topic: 'home/kitchen/light/set', payload: 'ON' },
      reply: 'Turning on the kitchen light.',
      outcome: 'ok',
      errorCode: null,
      timings: { sttMs: 12, speechEndToFirstAudioMs: 450 },
      audioFramesLost: 3,
      engines: {
        stt: 'pocketsphinx',
        tts: 'espeak-ng-wasm:en-us',
        fallbacks: [
          {
            kind: 'stt',
            from: 'wyoming:tcp://gpu:10300',
            to: 'pocketsphinx',
            code: 'engine-unavailable',
            message: 'unreachable',
          },
        ],
      },
    });
    const got = await sessions.get(`s-${kind}`);
    expect(got?.slots).toEqual({ device: 'light', room: 'kitchen' });
    expect(got?.action?.payload).toBe('ON');
    expect(got?.engines.fallbacks?.[0]).toMatchObject({ from: 'wyoming:tcp://gpu:10300' });
    expect(got?.timings.sttMs).toBe(12);
    expect(got?.audioFramesLost).toBe(3);
    expect(got?.startedAt.toISOString()).toBe(startedAt.toISOString());
    expect(await sessions.listForSatellite('kitchen')).toHaveLength(1);
  });
});
