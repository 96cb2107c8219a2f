import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb } from './db.js';
import { RecordSpool, SPOOL_FILE, reviveRecord } from './record-spool.js';
import { SessionStore, type SessionRecord } from './sessions.js';

const log = pino({ level: 'silent' });

const record = (id: string): SessionRecord => ({
  id,
  satelliteId: 'kitchen',
  startedAt: new Date('2026-01-02T03:04:05.678Z'),
  endedAt: new Date('2026-01-02T03:04:07.000Z'),
  wakeWord: 'hey_jarvis',
  wakeScore: 0.9,
  transcript: 'turn on the kitchen light',
  sttSource: 'pocketsphinx',
  intent: 'turn_on',
  slots: { device: 'light' },
  action: { topic: 'home/kitchen/light/set', payload: 'ON' },
  reply: 'Turned on the kitchen light.',
  outcome: 'ok',
  errorCode: null,
  timings: { totalMs: 1200 },
  engines: { stt: 'pocketsphinx' },
  audioFramesLost: 0,
});

/** A stand-in database that is up or down on demand and remembers what it stored. */
class FakeStore {
  up = false;
  readonly stored = new Map<string, SessionRecord>();
  readonly save = (r: SessionRecord): Promise<void> => {
    if (!this.up) return Promise.reject(new Error('connect ECONNREFUSED'));
    this.stored.set(r.id, r);
    return Promise.resolve();
  };
}

const until = async (check: () => boolean, ms = 3000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jarvis-spool-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('record spool', () => {
  it('keeps-a-refused-record-and-writes-it-once-storage-returns', async () => {
    const db = new FakeStore();
    const counts: number[] = [];
    const spool = new RecordSpool({
      save: db.save,
      dir,
      log,
      retryMinMs: 20,
      retryMaxMs: 50,
      onPending: (n) => counts.push(n),
    });
    await spool.save(record('a'));
    await spool.save(record('b'));
    expect(spool.size).toBe(2);
    expect((await readFile(join(dir, SPOOL_FILE), 'utf8')).trim().split('\n')).toHaveLength(2);
    db.up = true;
    await until(() => spool.size === 0);
    expect([...db.stored.keys()]).toEqual(['a', 'b']);
    expect(counts.at(-1)).toBe(0);
    await spool.close();
    expect(await readFile(join(dir, SPOOL_FILE), 'utf8')).toBe('');
  });

  it('writes-what-a-killed-run-left-in-the-spool-file-at-start-up', async () => {
    const db = new FakeStore();
    const first = new RecordSpool({ save: db.save, dir, log, retryMinMs: 60_000 });
    await first.save(record('a'));
    // No close: the process died. A torn last line is skipped.
    await writeFile(join(dir, SPOOL_FILE), '{"id":"torn', { flag: 'a' });
    db.up = true;
    const second = new RecordSpool({ save: db.save, dir, log });
    await second.start();
    await second.flush();
    expect(second.size).toBe(0);
    const stored = db.stored.get('a');
    expect(stored?.startedAt).toBeInstanceOf(Date);
    expect(stored).toEqual(record('a'));
    await second.close();
    await first.close();
  });

  it('drops-the-oldest-beyond-its-bound-and-counts-them', async () => {
    const db = new FakeStore();
    let dropped = 0;
    const spool = new RecordSpool({
      save: db.save,
      dir,
      log,
      maxPending: 3,
      retryMinMs: 60_000,
      onDropped: (n) => (dropped += n),
    });
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) await spool.save(record(id));
    expect(spool.size).toBe(3);
    expect(dropped).toBe(5);
    // The file is compacted too: it never holds more than twice the bound.
    const lines = (await readFile(join(dir, SPOOL_FILE), 'utf8')).trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(6);
    db.up = true;
    await spool.close();
    expect([...db.stored.keys()]).toEqual(['f', 'g', 'h']);
  });

  it('gives-up-on-a-record-the-database-rejects-for-good', async () => {
    let dropped = 0;
    const stored: string[] = [];
    const spool = new RecordSpool({
      save: (r) => {
        if (r.id === 'bad')
          return Promise.reject(
            Object.assign(new Error('violates foreign key'), { code: '23503' }),
          );
        stored.push(r.id);
        return Promise.resolve();
      },
      dir,
      log,
      onDropped: (n) => (dropped += n),
    });
    await spool.save(record('bad'));
    await spool.save(record('good'));
    expect(spool.size).toBe(0);
    expect(dropped).toBe(1);
    expect(stored).toEqual(['good']);
    await spool.close();
  });

  it('keeps-records-in-memory-without-a-folder', async () => {
    const db = new FakeStore();
    const spool = new RecordSpool({ save: db.save, log, retryMinMs: 10 });
    await spool.save(record('a'));
    expect(spool.size).toBe(1);
    db.up = true;
    await until(() => spool.size === 0);
    await spool.close();
  });

  it('refuses-foreign-lines', () => {
    expect(reviveRecord('[]')).toBeUndefined();
    expect(reviveRecord('{"id":"x","satelliteId":"k","startedAt":"not a date"}')).toBeUndefined();
    expect(reviveRecord(JSON.stringify(record('a')))?.endedAt).toEqual(record('a').endedAt);
  });

  it('stores-a-record-spooled-twice-once', async () => {
    const db = await openDb({ dataDir: 'memory://' });
    try {
      await db.query(
        `INSERT INTO satellites (id, name, room, public_key) VALUES ('kitchen', 'K', 'kitchen', 'PEM')`,
      );
      const store = new SessionStore(db);
      await writeFile(
        join(dir, SPOOL_FILE),
        `${JSON.stringify(record('dup'))}\n${JSON.stringify(record('dup'))}\n`,
      );
      await store.save(record('dup'));
      const spool = new RecordSpool({ save: (r) => store.save(r), dir, log });
      await spool.start();
      await spool.close();
      expect(await store.listForSatellite('kitchen')).toEqual([record('dup')]);
    } finally {
      await db.close();
    }
  });
});
