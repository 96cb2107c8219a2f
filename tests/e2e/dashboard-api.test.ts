/**
 * The hub API the dashboard stands on, over real HTTP and WebSocket on a real hub: the live
 * events feed (auth frame, then a spoken command's session as it happens), session history with
 * search and reply audio, devices and their commands reaching MQTT, satellite rename / move /
 * volume, the system page's figures, first-admin detection, and the static app with its SPA
 * fallback and CSP. Hostile frames on the feed are refused and the hub keeps serving.
 */
import { decodeWav, type DownEvent } from '@jarvis/protocol';
import { createOpenWakeWord, type WakeEngine } from '@jarvis/satellite';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  createFirstAdmin,
  linkFor,
  runExchange,
  startStack,
  type Stack,
} from '../support/stack.js';
import { speak } from '../support/voices.js';

let stack: Stack;
let admin: string;
let wake: WakeEngine;
let dist: string;

beforeAll(async () => {
  // A stand-in for dashboard/dist: what vite writes, in miniature.
  dist = await mkdtemp(join(tmpdir(), 'jarvis-dist-'));
  await mkdir(join(dist, 'assets'));
  await writeFile(join(dist, 'index.html'), '<!doctype html><title>Jarvis</title><div id=app>');
  await writeFile(join(dist, 'assets', 'index-abc123.js'), 'console.log("app")');
  wake = await createOpenWakeWord({});
  stack = await startStack({ dashboardDir: dist });
});
afterAll(async () => {
  await stack?.close();
  await wake?.close();
  await rm(dist, { recursive: true, force: true });
});

async function call(
  path: string,
  init: { method?: string; body?: unknown; token?: string } = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers; raw: Buffer }> {
  const headers: Record<string, string> = {};
  if (init.token ?? admin) headers['authorization'] = `Bearer ${init.token ?? admin}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${stack.hub.url()}${path}`, {
    method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const raw = Buffer.from(await res.arrayBuffer());
  const json = (res.headers.get('content-type') ?? '').includes('json');
  return {
    status: res.status,
    body: json && raw.length ? (JSON.parse(raw.toString()) as Record<string, unknown>) : {},
    headers: res.headers,
    raw,
  };
}

/** A dashboard's feed: opened, authenticated, collecting every event. */
async function openFeed(token = admin) {
  const ws = new WebSocket(`${stack.hub.url().replace('http', 'ws')}/v1/events`);
  const events: Record<string, unknown>[] = [];
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.on('message', (data: Buffer) => events.push(JSON.parse(data.toString()) as never));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'auth', token }));
  const waitFor = async (pred: (e: Record<string, unknown>) => boolean, timeoutMs = 30_000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = events.find(pred);
      if (found) return found;
      if (Date.now() > until) throw new Error(`no such event in ${JSON.stringify(events)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { ws, events, closed, waitFor };
}

describe('first admin', () => {
  it('is-offered-until-one-exists', async () => {
    expect((await call('/v1/setup', { token: '' })).body).toEqual({ needed: true });
    admin = await createFirstAdmin(stack);
    expect((await call('/v1/setup', { token: '' })).body).toEqual({ needed: false });
  });
});

describe('the live feed', () => {
  it('shows-a-satellite-come-online-and-a-spoken-command-as-it-happens', async () => {
    const feed = await openFeed();
    await feed.waitFor((e) => e['type'] === 'ready');
    const sat = await stack.enroll('kitchen', 'kitchen');
    const audio = await speak('hey jarvis, turn on the kitchen light', 'espeak', { leadMs: 500 });
    const ex = await runExchange(stack, sat, audio, { wake });
    expect(ex.record).toMatchObject({ outcome: 'ok', intent: 'turn_on' });
    const id = ex.record!.id;

    const online = await feed.waitFor(
      (e) => e['type'] === 'satellite' && (e['satellite'] as { online: boolean }).online,
    );
    expect(online['satellite']).toMatchObject({
      id: 'kitchen',
      room: 'kitchen',
      wakeEngine: 'satellite',
      wakeWords: ['hey_jarvis'],
    });
    const start = await feed.waitFor((e) => e['type'] === 'session-start');
    expect(start).toMatchObject({ sessionId: id, satelliteId: 'kitchen' });
    expect((start['wake'] as { score: number }).score).toBeGreaterThan(0.3);
    await feed.waitFor((e) => e['type'] === 'transcript' && e['final'] === true);
    expect(feed.events.filter((e) => e['type'] === 'transcript').at(-1)).toMatchObject({
      sessionId: id,
      text: ex.record!.transcript,
      final: true,
    });
    expect(await feed.waitFor((e) => e['type'] === 'intent')).toMatchObject({
      sessionId: id,
      name: 'turn_on',
    });
    expect(await feed.waitFor((e) => e['type'] === 'reply')).toMatchObject({
      sessionId: id,
      text: ex.record!.reply,
    });
    const end = await feed.waitFor((e) => e['type'] === 'session-end');
    const session = end['session'] as { timings: Record<string, number>; hasAudio: boolean };
    expect(session).toMatchObject({ id, outcome: 'ok', hasAudio: true });
    expect(session.timings['sttMs']).toBeGreaterThan(0);
    expect(session.timings['ttsFirstAudioMs']).toBeGreaterThan(0);
    // The LEDs' phases went by: listening, then speaking.
    const phases = feed.events
      .filter((e) => e['type'] === 'satellite')
      .map((e) => (e['satellite'] as { ledState: string }).ledState);
    expect(phases).toContain('listening');
    expect(phases).toContain('speaking');
    // The light answered its command: its new state reaches the feed.
    expect(await feed.waitFor((e) => e['type'] === 'device')).toMatchObject({
      device: { id: 'kitchen-light', state: { on: true } },
    });
    feed.ws.close();
  });

  it('refuses-frames-that-are-not-a-valid-auth-and-keeps-serving', async () => {
    const url = `${stack.hub.url().replace('http', 'ws')}/v1/events`;
    const attempt = async (frame: string | Buffer) => {
      const ws = new WebSocket(url);
      await new Promise((r) => ws.once('open', r));
      const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
      ws.send(frame);
      return closed;
    };
    expect(await attempt(JSON.stringify({ type: 'auth', token: 'forged.token.here' }))).toBe(4001);
    expect(await attempt('{not json')).toBe(4001);
    expect(await attempt(JSON.stringify({ type: 'subscribe', all: true }))).toBe(4001);
    expect(await attempt(JSON.stringify({ type: 'auth', token: admin, extra: 1 }))).toBe(4001);
    expect(await attempt(Buffer.from([1, 2, 3]))).toBe(1008);
    expect(await attempt('x'.repeat(10_000))).toBe(1009);
    const member = await call('/v1/users', {
      body: { username: 'kid', password: 'kid has a passphrase', role: 'member' },
    });
    expect(member.status).toBe(201);
    // A logged-out token opens nothing.
    const login = await call('/v1/auth/login', {
      token: '',
      body: { username: 'kid', password: 'kid has a passphrase' },
    });
    const kid = login.body['accessToken'] as string;
    await call('/v1/auth/logout', { method: 'POST', token: kid });
    expect(await attempt(JSON.stringify({ type: 'auth', token: kid }))).toBe(4001);
    expect((await call('/health')).status).toBe(200);
  });
});

describe('history', () => {
  it('searches-filters-and-plays-back-the-reply', async () => {
    const all = await call('/v1/sessions');
    const sessions = all.body['sessions'] as {
      id: string;
      transcript: string;
      hasAudio: boolean;
    }[];
    expect(sessions.length).toBeGreaterThan(0);
    const first = sessions[0]!;
    expect(first.hasAudio).toBe(true);
    const word = first.transcript.split(' ').at(-1)!;
    expect(
      ((await call(`/v1/sessions?q=${word}`)).body['sessions'] as unknown[]).length,
    ).toBeGreaterThan(0);
    // The user's "%" is a character, not a wildcard.
    expect((await call('/v1/sessions?q=%25')).body['sessions']).toEqual([]);
    expect((await call('/v1/sessions?outcome=error')).body['sessions']).toEqual([]);
    expect((await call('/v1/sessions?satellite=kitchen&outcome=ok')).body['sessions']).toHaveLength(
      sessions.length,
    );
    expect(
      (await call(`/v1/sessions?before=${encodeURIComponent('2000-01-01T00:00:00Z')}`)).body[
        'sessions'
      ],
    ).toEqual([]);
    for (const bad of [
      '?outcome=maybe',
      '?limit=0',
      '?before=yesterday',
      "?satellite=x' OR '1'='1",
      `?q=${'a'.repeat(101)}`,
    ])
      expect((await call(`/v1/sessions${bad}`)).status, bad).toBe(400);
    expect((await call(`/v1/sessions/${first.id}`)).body).toMatchObject({ id: first.id });
    const wav = await call(`/v1/sessions/${first.id}/reply.wav`);
    expect(wav.status).toBe(200);
    expect(wav.headers.get('content-type')).toBe('audio/wav');
    const decoded = decodeWav(new Uint8Array(wav.raw));
    expect(decoded.pcm.length / decoded.rate).toBeGreaterThan(0.3); // a spoken sentence
    expect((await call('/v1/sessions/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await call('/v1/sessions/..%2F..%2Fetc%2Fpasswd')).status).toBe(400);
    expect((await call('/v1/sessions', { token: 'nope' })).status).toBe(401);
  });
});

describe('devices', () => {
  it('lists-devices-with-state-and-sends-commands-over-mqtt', async () => {
    const list = (await call('/v1/devices')).body['devices'] as {
      id: string;
      state: unknown;
      capabilities: { onOff: boolean };
    }[];
    expect(list.map((d) => d.id)).toEqual(['kitchen-light', 'bedroom-light', 'kitchen-fan']);
    expect(list[0]).toMatchObject({ room: 'kitchen', source: 'config', state: { on: true } });
    const before = stack.light.received.length;
    const toggled = await call('/v1/devices/kitchen-light/command', { body: { action: 'toggle' } });
    expect(toggled).toMatchObject({
      status: 202,
      body: { topic: 'home/kitchen/light/set', payload: 'OFF' },
    });
    for (let i = 0; i < 100 && stack.light.received.length === before; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(stack.light.received.at(-1)).toMatchObject({ payload: 'OFF' });
    expect(stack.light.state).toBe('OFF');
    for (const [path, body, status] of [
      ['/v1/devices/kitchen-light/command', { brightness: 50 }, 409],
      ['/v1/devices/kitchen-light/command', { action: 'explode' }, 400],
      ['/v1/devices/kitchen-light/command', { action: 'on', brightness: 3 }, 400],
      ['/v1/devices/nothing-here/command', { action: 'on' }, 404],
      // Discovered ids hold "/" and ".": a path-like id is just an unknown device.
      ['/v1/devices/..%2F..%2Fetc/command', { action: 'on' }, 404],
      ["/v1/devices/x'%20OR%20'1'='1/command", { action: 'on' }, 400],
    ] as const)
      expect((await call(path, { body })).status, JSON.stringify(body)).toBe(status);
    const audit = (await call('/v1/audit?action=device-command&limit=5')).body['entries'] as {
      target: string;
      details: { via?: string };
    }[];
    expect(audit[0]).toMatchObject({ target: 'kitchen-light', details: { via: 'api' } });
  });
});

describe('satellites', () => {
  it('are-renamed-moved-and-have-their-volume-set-while-online', async () => {
    const sat = await stack.enroll('den', 'den');
    const link = linkFor(stack, sat);
    const got: DownEvent[] = [];
    link.on('event', (e) => got.push(e));
    const ready = new Promise<void>((r) => link.once('ready', () => r()));
    link.start();
    await ready;
    try {
      const list = (await call('/v1/satellites')).body['satellites'] as { id: string }[];
      expect(list.find((s) => s.id === 'den')).toMatchObject({
        online: true,
        ledState: 'idle',
        volume: 100,
        muted: false,
        hasLeds: false,
      });
      const moved = await call('/v1/satellites/den', {
        method: 'PATCH',
        body: { name: 'Den speaker', room: 'office' },
      });
      expect(moved.body).toMatchObject({ name: 'Den speaker', room: 'office', online: true });
      expect(
        (await call('/v1/satellites/den/volume', { body: { volume: 40, muted: true } })).status,
      ).toBe(204);
      for (let i = 0; i < 100 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      expect(got).toEqual(
        expect.arrayContaining([
          { type: 'set-volume', volume: 40 },
          { type: 'mute', muted: true },
        ]),
      );
      const now = (await call('/v1/satellites')).body['satellites'] as { id: string }[];
      expect(now.find((s) => s.id === 'den')).toMatchObject({ volume: 40, muted: true });
      for (const [body, status] of [
        [{}, 400],
        [{ volume: 101 }, 400],
        [{ volume: 10, loud: true }, 400],
      ] as const)
        expect((await call('/v1/satellites/den/volume', { body })).status).toBe(status);
      expect(
        (await call('/v1/satellites/den', { method: 'PATCH', body: { room: '../etc' } })).status,
      ).toBe(400);
    } finally {
      await link.stop();
    }
    for (let i = 0; i < 100; i++) {
      const list = (await call('/v1/satellites')).body['satellites'] as {
        id: string;
        online: boolean;
        lastSeen: string | null;
      }[];
      const den = list.find((s) => s.id === 'den');
      if (den && !den.online) {
        expect(den.lastSeen).not.toBeNull();
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await call('/v1/satellites/den/volume', { body: { volume: 10 } })).toMatchObject({
      status: 409,
      body: { code: 'not-online' },
    });
  });
});

describe('system', () => {
  it('reports-engines-services-and-latency-percentiles', async () => {
    const r = await call('/v1/system');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      hubId: 'jarvis-hub',
      language: 'en',
      mqtt: { kind: 'embedded', connected: true },
      database: { kind: 'pglite', ok: true },
      engines: { stt: { healthy: true }, tts: { healthy: true }, wake: { id: 'openwakeword' } },
    });
    expect(r.body['version']).toMatch(/^\d+\.\d+\.\d+/);
    const latency = r.body['latency'] as Record<string, { p50Ms: number; p95Ms: number }>;
    expect(latency['stt']!.p95Ms).toBeGreaterThanOrEqual(latency['stt']!.p50Ms);
    expect(latency['total']!.p50Ms).toBeGreaterThan(0);
  });
});

describe('the dashboard app', () => {
  it('is-served-with-its-csp-and-an-spa-fallback-and-nothing-else', async () => {
    const page = await call('/', { token: '' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const deep = await call('/history', { token: '' });
    expect(deep.raw.toString()).toBe(page.raw.toString());
    const js = await call('/assets/index-abc123.js', { token: '' });
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(js.headers.get('cache-control')).toMatch(/immutable/);
    expect((await call('/assets/missing.js', { token: '' })).status).toBe(404);
    expect((await call('/v1/nothing', { token: '' })).status).toBe(404);
    for (const path of ['/..%2F..%2F..%2Fetc%2Fpasswd', '/%2e%2e/%2e%2e/etc/passwd', '/%E0%A4%A'])
      expect((await call(path, { token: '' })).raw.toString()).not.toMatch(/root:/);
    // The API keeps its own strict policy.
    expect((await call('/v1/setup', { token: '' })).headers.get('content-security-policy')).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
  });
});
