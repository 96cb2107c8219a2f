/**
 * Degradation under real faults: PostgreSQL, Mosquitto and Redis are stopped and started under a
 * running hub, and the hub itself is killed with SIGKILL and restarted. Nothing may be lost: no
 * session record, no timer, no device state, and spoken commands keep getting answers.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { DownEvent, WavAudio } from '@jarvis/protocol';
import {
  Backoff,
  HubLink,
  Satellite,
  TokenSigner,
  createOpenWakeWord,
  logLeds,
  wavSource,
  type WakeEngine,
} from '@jarvis/satellite';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSatelliteKeys } from '../../provisioning/src/keys.js';
import { openDb } from '../../hub/src/storage/db.js';
import { SPOOL_FILE } from '../../hub/src/storage/record-spool.js';
import { nextAnnouncement } from '../support/announcements.js';
import {
  freePort,
  startRestartableMosquitto,
  startRestartablePostgres,
  startRestartableRedis,
} from '../support/servers.js';
import { DEMO_DEVICES, LIGHT, MemorySink, runExchange, startStack } from '../support/stack.js';
import { speak } from '../support/voices.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const log = pino({ level: 'silent' });
const COULD_NOT_REACH = "Sorry, I couldn't reach that device.";

let wake: WakeEngine;
let dir: string;
beforeAll(async () => {
  wake = await createOpenWakeWord({});
  dir = await mkdtemp(join(tmpdir(), 'jarvis-faults-'));
});
afterAll(async () => {
  await wake?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Polls `check` until it holds; fails naming `what` after `timeoutMs`. */
async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await Promise.resolve(check()).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One sample from the hub's /metrics, e.g. metric(url, 'jarvis_dependency_up{dependency="redis"}'). */
async function metric(hubUrl: string, sample: string): Promise<number | undefined> {
  const text = await (await fetch(`${hubUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}

async function ready(hubUrl: string): Promise<{ status: number; checks: Record<string, string> }> {
  const res = await fetch(`${hubUrl}/ready`);
  return {
    status: res.status,
    checks: ((await res.json()) as { checks: Record<string, string> }).checks,
  };
}

const say = (text: string): Promise<WavAudio> => speak(text, 'flite', { leadMs: 500 });

/**
 * A light on an external broker that, unlike the stack's, reconnects by itself and reports its
 * state (retained) each time it connects, as real devices do.
 */
async function reconnectingLight(url: string, user: { username: string; password: string }) {
  let state: 'ON' | 'OFF' = 'OFF';
  const client = await mqtt.connectAsync(url, { ...user, reconnectPeriod: 200 });
  const report = (s: 'ON' | 'OFF') => {
    state = s;
    return client.publishAsync(LIGHT.stateTopic, s, { qos: 1, retain: true });
  };
  client.on('connect', () => void report(state).catch(() => undefined));
  client.on('message', (_topic, payload) => {
    const text = payload.toString();
    if (text === 'ON' || text === 'OFF') void report(text).catch(() => undefined);
  });
  await client.subscribeAsync(LIGHT.commandTopic, { qos: 1 });
  return {
    state: () => state,
    connected: () => client.connected,
    report,
    close: () => client.endAsync(true),
  };
}

describe('faults', () => {
  it('records-written-after-postgres-returns', async () => {
    const pg = await startRestartablePostgres();
    const spoolDir = join(dir, 'spool-pg');
    const stack = await startStack({ databaseUrl: pg.url, config: { storage: { spoolDir } } });
    const url = stack.hub.url();
    try {
      const sat = await stack.enroll('kitchen', 'kitchen');
      const on = await runExchange(stack, sat, await say('hey jarvis, turn on the kitchen light'), {
        wake,
      });
      expect(on.record).toMatchObject({ outcome: 'ok', intent: 'turn_on' });

      await pg.pause();
      // A new connection: the satellite is let in on the verifier's last read of its record,
      // and the command is understood, acted on and answered aloud without the database.
      const off = await runExchange(stack, sat, await say('hey jarvis, switch off the light'), {
        wake,
      });
      expect(off.record).toMatchObject({
        outcome: 'ok',
        intent: 'turn_off',
        reply: 'Turning off the kitchen light.',
      });
      expect(off.reply!.pcm.length / off.reply!.rate).toBeGreaterThan(0.5);
      expect(stack.light.state).toBe('OFF');
      expect(await ready(url)).toMatchObject({ status: 503, checks: { database: 'unreachable' } });
      expect(await metric(url, 'jarvis_dependency_up{dependency="database"}')).toBe(0);
      // A timer needs the database: the speaker hears so, rather than silence.
      const timer = await runExchange(
        stack,
        sat,
        await say('hey jarvis, set a timer for ten minutes'),
        { wake },
      );
      expect(timer.record).toMatchObject({
        intent: 'set_timer',
        outcome: 'error',
        errorCode: 'storage-failed',
        reply: "Sorry, I couldn't do that with the timer.",
      });
      expect(await metric(url, 'jarvis_session_records_pending')).toBe(2);
      // On disk too, so a crash now would not lose them.
      const spooled = await readFile(join(spoolDir, SPOOL_FILE), 'utf8');
      expect(spooled).toContain(off.record!.id);
      expect(spooled).toContain(timer.record!.id);

      await pg.resume();
      const id = off.record!.id;
      await until('the spooled record in PostgreSQL', async () =>
        Boolean(await stack.hub.sessions.get(id)),
      );
      const stored = await stack.hub.sessions.get(id);
      expect(stored).toMatchObject({ satelliteId: 'kitchen', intent: 'turn_off', outcome: 'ok' });
      // Dates came back through JSON as the same instants.
      expect(stored!.startedAt.getTime()).toBe(off.record!.startedAt.getTime());
      expect(await metric(url, 'jarvis_session_records_pending')).toBe(0);
      expect(await ready(url)).toMatchObject({ status: 200, checks: { database: 'ok' } });
      // Written once, and the pool's new connections serve the next session as usual.
      const again = await runExchange(stack, sat, await say('hey jarvis, what time is it'), {
        wake,
      });
      expect(again.record).toMatchObject({ outcome: 'ok', intent: 'get_time' });
      await until('the next record stored at once', async () =>
        Boolean(await stack.hub.sessions.get(again.record!.id)),
      );
      const rows = await stack.hub.sessions.listForSatellite('kitchen');
      expect(rows.map((r) => r.id).sort()).toEqual(
        [on.record!.id, id, timer.record!.id, again.record!.id].sort(),
      );
    } finally {
      await stack.close();
      await pg.stop();
    }
  }, 90_000);

  it('device-command-fails-fast-while-the-broker-is-down-and-states-return-after-it-restarts', async () => {
    const user = { username: 'jarvis-hub', password: randomBytes(18).toString('base64url') };
    const broker = await startRestartableMosquitto(user);
    const stack = await startStack({ config: { mqtt: { url: broker.url, ...user } } });
    const url = stack.hub.url();
    const light = await reconnectingLight(broker.url, user);
    try {
      const sat = await stack.enroll('kitchen', 'kitchen');
      const on = await runExchange(stack, sat, await say('hey jarvis, turn on the kitchen light'), {
        wake,
      });
      expect(on.record).toMatchObject({ outcome: 'ok', intent: 'turn_on' });
      await until('the light ON at the hub', () => stack.hub.devices.stateOf(LIGHT.id) === 'ON');

      await broker.pause();
      await until('the hub to see the broker gone', () => !stack.hub.bus.connected(), 5000);
      expect(await ready(url)).toMatchObject({ status: 503, checks: { mqtt: 'disconnected' } });
      expect(await metric(url, 'jarvis_dependency_up{dependency="mqtt"}')).toBe(0);
      const off = await runExchange(stack, sat, await say('hey jarvis, switch off the light'), {
        wake,
      });
      // A clear spoken apology, at once: the command is not queued for later.
      expect(off.record).toMatchObject({
        intent: 'turn_off',
        outcome: 'error',
        errorCode: 'action-failed',
        reply: COULD_NOT_REACH,
      });
      expect(off.record!.timings.actionMs ?? 0).toBeLessThan(500);
      expect(off.reply!.pcm.length).toBeGreaterThan(0);

      await broker.resume();
      await until('the hub back on the broker', () => stack.hub.bus.connected(), 10_000);
      await until('the light back on the broker', () => light.connected(), 10_000);
      // The subscription came back by itself: a wall-switch change reaches the hub.
      await light.report('OFF');
      await until('the light OFF at the hub', () => stack.hub.devices.stateOf(LIGHT.id) === 'OFF');
      expect(await ready(url)).toMatchObject({ status: 200, checks: { mqtt: 'ok' } });
      expect(await metric(url, 'jarvis_dependency_up{dependency="mqtt"}')).toBe(1);
      // And commands reach the device again.
      const again = await runExchange(
        stack,
        sat,
        await say('hey jarvis, turn on the kitchen light'),
        { wake },
      );
      expect(again.record).toMatchObject({ outcome: 'ok', intent: 'turn_on' });
      await until('the light switched on', () => light.state() === 'ON', 5000);
      await until('the light ON at the hub', () => stack.hub.devices.stateOf(LIGHT.id) === 'ON');
      // The switch-off refused during the outage was never delivered late.
      expect(light.state()).toBe('ON');
    } finally {
      await light.close();
      await stack.close();
      await broker.stop();
    }
  }, 90_000);

  it('rate-limits-count-in-process-while-redis-is-down-and-move-back-to-redis', async () => {
    const password = randomBytes(18).toString('base64url');
    const redis = await startRestartableRedis(password);
    const stack = await startStack({
      config: { rateLimit: { redisUrl: redis.url, perIpPerMinute: 1000 } },
    });
    const url = stack.hub.url();
    const redisUp = 'jarvis_dependency_up{dependency="redis"}';
    // A rate-limited route; unauthenticated, it answers 401 once the limit let it through.
    const probe = async () => (await fetch(`${url}/v1/satellites`)).status;
    const port = new URL(redis.url).port;
    const keys = async () =>
      (
        await run('redis-cli', [
          '-p',
          port,
          '--no-auth-warning',
          '-a',
          password,
          'KEYS',
          'jarvis:rl:*',
        ])
      ).stdout.trim();
    try {
      expect(await probe()).toBe(401);
      expect(await metric(url, redisUp)).toBe(1);
      expect(await keys()).toContain('jarvis:rl:ip:');

      await redis.pause();
      await until('redis reported down', async () => (await metric(url, redisUp)) === 0, 5000);
      for (let i = 0; i < 5; i++) expect(await probe()).toBe(401);

      await redis.resume();
      // The restarted Redis is empty: the next counts land in it again.
      await until('redis reported up', async () => (await metric(url, redisUp)) === 1, 15_000);
      expect(await probe()).toBe(401);
      expect(await keys()).toContain('jarvis:rl:ip:');
    } finally {
      await stack.close();
      await redis.stop();
    }
  }, 60_000);

  it('hub-killed-and-restarted-keeps-records-timers-and-its-satellites', async () => {
    const pg = await startRestartablePostgres();
    const port = await freePort();
    const hubUrl = `http://127.0.0.1:${port}`;
    const spoolDir = join(dir, 'spool-kill');
    const configFile = join(dir, 'hub-kill.json');
    await writeFile(
      configFile,
      JSON.stringify({
        host: '127.0.0.1',
        port,
        logLevel: 'warn',
        dataDir: join(dir, 'hub-kill-data'),
        databaseUrl: pg.url,
        mqtt: { port: await freePort(), users: [] },
        devices: DEMO_DEVICES,
        memory: { enabled: false },
        timeZone: 'UTC',
        storage: { spoolDir },
      }),
    );
    // The satellite is enrolled in the database the hub (every incarnation of it) uses.
    const keys = await generateSatelliteKeys();
    const db = await openDb({ databaseUrl: pg.url, dataDir: '' });
    await db.query('INSERT INTO satellites (id, name, room, public_key) VALUES ($1, $2, $3, $4)', [
      'kitchen',
      'kitchen satellite',
      'kitchen',
      keys.publicKeyPem,
    ]);
    let hub: { child: ChildProcess; output: () => string } | undefined;
    const link = new HubLink({
      hubUrl,
      signer: await TokenSigner.fromPem(keys.privateKeyPem, 'kitchen', 'jarvis-hub'),
      hello: {
        satelliteId: 'kitchen',
        capabilities: {
          wakeWords: ['hey_jarvis'],
          audioIn: { rate: 16000, width: 2, channels: 1 },
          audioOut: true,
          leds: false,
        },
      },
      log,
      backoff: new Backoff(100, 1000),
    });
    try {
      hub = await startHubProcess(configFile, hubUrl);
      const linked = new Promise<void>((resolve) => link.once('ready', () => resolve()));
      link.start();
      await linked;

      const timer = await exchangeOn(link, await say('hey jarvis, set a timer for twenty seconds'));
      expect(timer).toMatchObject({ outcome: 'ok', reply: 'Timer set for 20 seconds.' });

      await pg.pause();
      const light = await exchangeOn(link, await say('hey jarvis, turn on the kitchen light'));
      expect(light).toMatchObject({ outcome: 'ok', reply: 'Turning on the kitchen light.' });
      await until('the record spooled', async () => {
        const text = await readFile(join(spoolDir, SPOOL_FILE), 'utf8');
        return text.includes(light.sessionId!);
      });

      // A crash mid-outage: no shutdown, nothing flushed.
      const killed = new Promise((r) => hub!.child.once('exit', r));
      hub.child.kill('SIGKILL');
      await killed;
      const timerRings = nextAnnouncement(link, 45_000);
      await pg.resume();

      hub = await startHubProcess(configFile, hubUrl);
      const upAt = Date.now();
      await until('the satellite to reconnect', () => link.ready, 10_000);
      expect(Date.now() - upAt).toBeLessThan(5000);

      // The record spooled before the kill reaches the database after start-up, once.
      await until('the spooled record written', async () => {
        const text = await readFile(join(spoolDir, SPOOL_FILE), 'utf8');
        return text.trim() === '';
      });
      const rows = await db.query<{ id: string; reply: string }>(
        'SELECT id, reply FROM sessions WHERE id = $1',
        [light.sessionId],
      );
      expect(rows).toEqual([{ id: light.sessionId, reply: 'Turning on the kitchen light.' }]);

      // The timer set before the kill rings after the restart, on the satellite that set it.
      const rang = await timerRings;
      expect(rang.event).toMatchObject({ reason: 'timer', text: 'Your 20 second timer is done.' });

      const time = await exchangeOn(link, await say('hey jarvis, what time is it'));
      expect(time.outcome).toBe('ok');
      expect(time.reply).toMatch(/^It is \d{1,2}:\d\d [AP]M\.$/);
    } catch (err) {
      // The hub's own account helps more than a timeout.
      throw new Error(`${(err as Error).message}\nhub output:\n${hub?.output() ?? ''}`, {
        cause: err,
      });
    } finally {
      await link.stop();
      if (hub) await stopHubProcess(hub.child);
      await db.close();
      await pg.stop();
    }
  }, 120_000);
});

/** Runs `jarvis-hub serve` as its own process, as deployed; resolves once /health answers. */
async function startHubProcess(
  configFile: string,
  hubUrl: string,
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=source',
      'hub/src/cli/main.ts',
      'serve',
      '--config',
      configFile,
    ],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } },
  );
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<never>((_resolve, reject) =>
    child.once('exit', (code) => reject(new Error(`hub exited (${code}) at start:\n${output}`))),
  );
  const healthy = until(
    'the hub to listen',
    async () => (await fetch(`${hubUrl}/health`)).ok,
    40_000,
  );
  await Promise.race([healthy, exited]);
  exited.catch(() => undefined);
  return { child, output: () => output };
}

async function stopHubProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const force = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(force);
}

/** One spoken exchange over a link that stays open (and reconnects) between exchanges. */
async function exchangeOn(
  link: HubLink,
  audio: WavAudio,
): Promise<{ outcome?: string; reply?: string; sessionId?: string; events: DownEvent[] }> {
  const events: DownEvent[] = [];
  const onEvent = (e: DownEvent) => events.push(e);
  link.on('event', onEvent);
  try {
    const sat = new Satellite({
      link,
      source: wavSource(audio, { realtime: false, tailSilenceMs: 1500 }),
      sink: new MemorySink(),
      wake,
      leds: logLeds(log),
      log,
    });
    await sat.run();
  } finally {
    link.off('event', onEvent);
  }
  const end = events.find((e) => e.type === 'session-end');
  const reply = events.find((e) => e.type === 'reply');
  return {
    ...(end?.type === 'session-end' ? { outcome: end.outcome, sessionId: end.sessionId } : {}),
    ...(reply?.type === 'reply' ? { reply: reply.text } : {}),
    events,
  };
}
