import { randomUUID } from 'node:crypto';
import { encodeAudioFrame, encodeEvent, PROTOCOL_VERSION, type DownEvent } from '@jarvis/protocol';
import { importPKCS8, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let kitchen: Awaited<ReturnType<Stack['enroll']>>;
let bystander: WebSocket;

beforeAll(async () => {
  stack = await startStack();
  kitchen = await stack.enroll('kitchen', 'kitchen');
  const hall = await stack.enroll('hall', 'hall');
  bystander = await connect(await hall.signer.sign(), 'hall');
});
afterAll(async () => {
  bystander?.close();
  await stack?.close();
});

const wsUrl = (): string => `${stack.hub.url().replace('http', 'ws')}/v1/satellite`;

/** Opens a satellite socket, says hello and waits for welcome. */
async function connect(token: string, id: string): Promise<WebSocket> {
  const ws = new WebSocket(wsUrl(), { headers: { authorization: `Bearer ${token}` } });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_q, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  const welcome = nextEvent(ws);
  ws.send(
    encodeEvent({
      type: 'hello',
      satelliteId: id,
      versions: [PROTOCOL_VERSION],
      capabilities: {
        wakeWords: ['hey_jarvis'],
        audioIn: { rate: 16000, width: 2, channels: 1 },
        audioOut: true,
        leds: false,
      },
    }),
  );
  expect((await welcome).type).toBe('welcome');
  return ws;
}

function nextEvent(ws: WebSocket): Promise<DownEvent> {
  return new Promise((resolve) =>
    ws.once('message', (data, isBinary) => {
      if (!isBinary) resolve(JSON.parse((data as Buffer).toString()) as DownEvent);
    }),
  );
}

/** The upgrade's refusal: HTTP status and coded body. */
async function refusal(
  token: string | undefined,
): Promise<{ status: number; body: { code: string; message: string } }> {
  const ws = new WebSocket(
    wsUrl(),
    token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
  );
  return new Promise((resolve, reject) => {
    ws.once('open', () => reject(new Error('connection was accepted')));
    ws.once('error', () => undefined);
    ws.once('unexpected-response', (_q, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: JSON.parse(body) as { code: string; message: string },
        }),
      );
    });
  });
}

async function signed(claims: {
  sub?: string;
  iat?: number;
  exp?: number;
  jti?: string;
}): Promise<string> {
  const key = await importPKCS8(kitchen.privateKeyPem, 'EdDSA');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA' })
    .setSubject(claims.sub ?? 'kitchen')
    .setAudience('jarvis-hub')
    .setIssuedAt(claims.iat ?? now)
    .setExpirationTime(claims.exp ?? now + 60)
    .setJti(claims.jti ?? randomUUID())
    .sign(key);
}

/** After every hostile act, another satellite is still served. */
async function bystanderStillServed(): Promise<void> {
  const pong = nextEvent(bystander);
  bystander.send(encodeEvent({ type: 'ping', id: 7, timeMs: Date.now() }));
  expect(await pong).toMatchObject({ type: 'pong', id: 7 });
  const health = await fetch(`${stack.hub.url()}/health`);
  expect(health.status).toBe(200);
}

describe('hostile input at the satellite gateway', () => {
  it('refuses-a-malformed-jwt', async () => {
    expect(await refusal('not-a-jwt')).toMatchObject({
      status: 401,
      body: { code: 'auth-invalid' },
    });
    await bystanderStillServed();
  });

  it('refuses-a-missing-token', async () => {
    expect(await refusal(undefined)).toMatchObject({ status: 401, body: { code: 'auth-missing' } });
  });

  it('refuses-a-token-signed-by-another-key', async () => {
    const stranger = await stack.enroll('stranger', 'attic');
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA' })
      .setSubject('kitchen')
      .setAudience('jarvis-hub')
      .setIssuedAt()
      .setExpirationTime('1m')
      .setJti(randomUUID())
      .sign(await importPKCS8(stranger.privateKeyPem, 'EdDSA'));
    expect(await refusal(forged)).toMatchObject({ status: 401, body: { code: 'auth-invalid' } });
  });

  it('refuses-an-expired-jwt', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await refusal(await signed({ iat: now - 600, exp: now - 300 }))).toMatchObject({
      status: 401,
      body: { code: 'auth-expired' },
    });
    await bystanderStillServed();
  });

  it('refuses-a-replayed-jwt', async () => {
    const token = await signed({});
    const first = await connect(token, 'kitchen');
    expect(await refusal(token)).toMatchObject({ status: 401, body: { code: 'auth-replayed' } });
    first.close();
    await bystanderStillServed();
  });

  it('refuses-an-unknown-satellite-without-saying-it-does-not-exist', async () => {
    expect(await refusal(await signed({ sub: 'garage' }))).toMatchObject({
      status: 401,
      body: { code: 'auth-invalid' },
    });
    await bystanderStillServed();
  });

  it('refuses-a-revoked-satellite-and-tells-only-the-key-holder-why', async () => {
    const porch = await stack.enroll('porch', 'porch');
    await stack.hub.satellites.revoke('porch');
    expect((await stack.hub.satellites.get('porch'))?.revokedAt).not.toBeNull();
    expect(await refusal(await porch.signer.sign())).toMatchObject({
      status: 403,
      body: { code: 'satellite-revoked' },
    });
    // Someone else's key naming the revoked satellite learns nothing.
    expect(await refusal(await signed({ sub: 'porch' }))).toMatchObject({
      status: 401,
      body: { code: 'auth-invalid' },
    });
  });

  it('closes-the-connection-on-an-oversized-frame', async () => {
    const ws = await connect(await kitchen.signer.sign(), 'kitchen');
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(Buffer.alloc(1024 * 1024));
    expect(await closed).toBe(1009);
    await bystanderStillServed();
  });

  it('answers-malformed-json-with-an-error-and-keeps-the-connection', async () => {
    const ws = await connect(await kitchen.signer.sign(), 'kitchen');
    let err = nextEvent(ws);
    ws.send('{"type": "wake", "name": ');
    expect(await err).toMatchObject({ type: 'error', code: 'bad-json', retryable: false });
    err = nextEvent(ws);
    ws.send(JSON.stringify({ type: 'wake', name: 'hey_jarvis', score: 7, timeMs: 1 }));
    expect(await err).toMatchObject({ type: 'error', code: 'bad-event' });
    err = nextEvent(ws);
    ws.send(
      JSON.stringify({
        type: 'welcome',
        version: 1,
        hubId: 'x',
        satellite: { id: 'a', name: 'b', room: 'c' },
      }),
    );
    expect(await err).toMatchObject({ type: 'error', code: 'wrong-direction' });
    const pong = nextEvent(ws);
    ws.send(encodeEvent({ type: 'ping', id: 1, timeMs: Date.now() }));
    expect(await pong).toMatchObject({ type: 'pong', id: 1 });
    ws.close();
    await bystanderStillServed();
  });

  it('answers-audio-before-audio-start-with-an-error', async () => {
    const ws = await connect(await kitchen.signer.sign(), 'kitchen');
    const err = nextEvent(ws);
    ws.send(
      encodeAudioFrame({
        kind: 'mic',
        stream: 3,
        sequence: 0,
        timestampMs: 0,
        pcm: new Int16Array(1280),
      }),
    );
    expect(await err).toMatchObject({ type: 'error', code: 'audio-before-start' });
    const pong = nextEvent(ws);
    ws.send(encodeEvent({ type: 'ping', id: 2, timeMs: Date.now() }));
    expect(await pong).toMatchObject({ type: 'pong', id: 2 });
    ws.close();
    await bystanderStillServed();
  });

  it('closes-a-connection-that-floods-messages', async () => {
    const ws = await connect(await kitchen.signer.sign(), 'kitchen');
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    for (let i = 0; i < 500; i++) ws.send(encodeEvent({ type: 'ping', id: i, timeMs: 0 }));
    expect(await closed).toBe(1008);
    await bystanderStillServed();
  });

  /** `count` mic frames of 20 ms, all at once, on an open mic stream. */
  function burst(ws: WebSocket, count: number): void {
    ws.send(
      encodeEvent({
        type: 'audio-start',
        stream: 9,
        kind: 'mic',
        rate: 16000,
        width: 2,
        channels: 1,
      }),
    );
    for (let i = 0; i < count; i++)
      ws.send(
        encodeAudioFrame({
          kind: 'mic',
          stream: 9,
          sequence: i,
          timestampMs: i * 20,
          pcm: new Int16Array(320),
        }),
      );
  }

  it('takes-a-backlog-of-audio-after-a-stall-but-closes-an-audio-flood', async () => {
    // 12 s of audio at once, as after the hub stalled: still within real time plus slack.
    const backlog = await connect(await kitchen.signer.sign(), 'kitchen');
    burst(backlog, 600);
    const pong = nextEvent(backlog);
    backlog.send(encodeEvent({ type: 'ping', id: 7, timeMs: Date.now() }));
    expect(await pong).toMatchObject({ type: 'pong', id: 7 });
    backlog.close();
    // Far more than any backlog: a flood.
    const flood = await connect(await kitchen.signer.sign(), 'kitchen');
    const closed = new Promise<number>((resolve) => flood.once('close', (code) => resolve(code)));
    burst(flood, 3000);
    expect(await closed).toBe(1008);
    await bystanderStillServed();
  });
});
