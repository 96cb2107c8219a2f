/**
 * Hostile input against satellite enrollment over real HTTP and WebSocket: codes reused, expired,
 * guessed or aimed at another satellite's id; keys that are not Ed25519; a satellite revoked while
 * connected; key rotation by a satellite that cannot prove its old key.
 */
import { TokenSigner } from '@jarvis/satellite';
import { exportSPKI, generateKeyPair } from 'jose';
import { generateSatelliteKeys } from '../../provisioning/src/keys.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedLink } from '../support/announcements.js';
import { createFirstAdmin, linkFor, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let adminToken: string;
beforeAll(async () => {
  stack = await startStack({ config: { auth: { loginMaxFailuresPerIp: 6 } } });
  adminToken = await createFirstAdmin(stack);
});
afterAll(async () => {
  await stack?.close();
});

async function call(path: string, init: { method?: string; body?: unknown; token?: string } = {}) {
  const headers: Record<string, string> = {};
  if (init.token) headers['authorization'] = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${stack.hub.url()}${path}`, {
    method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

const keys = generateSatelliteKeys;

const newCode = async (body: Record<string, unknown>) => {
  const r = await call('/v1/satellites/enrollment-codes', { token: adminToken, body });
  expect(r.status).toBe(201);
  return r.body['code'] as string;
};

describe('satellite enrollment', () => {
  it('redeems-a-code-once-and-the-satellite-connects-with-its-own-key', async () => {
    const code = await newCode({ room: 'Kitchen', name: 'Kitchen satellite' });
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const k = await keys();
    // Typed the way people do: lower case, no dashes.
    const typed = code.toLowerCase().replace(/-/g, '');
    const enrolled = await call('/v1/satellites/enroll', {
      body: { code: typed, id: 'kitchen', publicKey: k.publicKeyPem },
    });
    expect(enrolled).toMatchObject({
      status: 201,
      body: { id: 'kitchen', name: 'Kitchen satellite', room: 'Kitchen' },
    });
    const signer = await TokenSigner.fromPem(k.privateKeyPem, 'kitchen', stack.hub.config.hubId);
    const link = await connectedLink(stack, { id: 'kitchen', signer });
    await link.stop();
    // The same code again, even for another id and key: refused as reused.
    const again = await call('/v1/satellites/enroll', {
      body: { code, id: 'thief', publicKey: (await keys()).publicKeyPem },
    });
    expect(again).toMatchObject({ status: 401, body: { code: 'auth-replayed' } });
  });

  it('refuses-expired-and-misdirected-codes-and-bad-keys', async () => {
    const expired = await newCode({ room: 'Hall' });
    await stack.hub.db.query(
      "UPDATE enrollment_codes SET expires_at = now() - interval '1 minute' WHERE used_at IS NULL",
    );
    const k = await keys();
    expect(
      await call('/v1/satellites/enroll', {
        body: { code: expired, id: 'hall', publicKey: k.publicKeyPem },
      }),
    ).toMatchObject({ status: 401, body: { code: 'auth-expired' } });
    // A fresh code may not take over an enrolled satellite's id.
    const code = await newCode({ room: 'Hall' });
    expect(
      await call('/v1/satellites/enroll', {
        body: { code, id: 'kitchen', publicKey: k.publicKeyPem },
      }),
    ).toMatchObject({ status: 409, body: { code: 'conflict' } });
    // Not Ed25519: an RSA key, garbage, a private key.
    const rsa = await generateKeyPair('RS256', { extractable: true });
    for (const publicKey of [
      await exportSPKI(rsa.publicKey),
      '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----',
      k.privateKeyPem,
    ]) {
      expect(
        await call('/v1/satellites/enroll', { body: { code, id: 'hall', publicKey } }),
      ).toMatchObject({ status: 400, body: { code: 'bad-request' } });
    }
    // The code survived the bad attempts.
    expect(
      (
        await call('/v1/satellites/enroll', {
          body: { code, id: 'hall', publicKey: k.publicKeyPem },
        })
      ).status,
    ).toBe(201);
    // Only admins make codes.
    expect((await call('/v1/satellites/enrollment-codes', { body: { room: 'x' } })).status).toBe(
      401,
    );
  });
});

describe('revocation and rotation', () => {
  it('disconnects-a-revoked-satellite-at-once-and-refuses-it-after', async () => {
    const code = await newCode({ room: 'Office' });
    const k = await keys();
    await call('/v1/satellites/enroll', {
      body: { code, id: 'office', publicKey: k.publicKeyPem },
    });
    const signer = await TokenSigner.fromPem(k.privateKeyPem, 'office', stack.hub.config.hubId);
    const link = await connectedLink(stack, { id: 'office', signer });
    try {
      const down = new Promise<string>((resolve) => link.once('down', resolve));
      const refused = new Promise<number>((resolve) => link.once('refused', resolve));
      const listed = await call('/v1/satellites', { token: adminToken });
      expect(listed.body['satellites']).toContainEqual(
        expect.objectContaining({ id: 'office', online: true }),
      );
      expect(
        (await call('/v1/satellites/office', { method: 'DELETE', token: adminToken })).status,
      ).toBe(204);
      expect(await down).toMatch(/^4003 revoked/);
      // Its reconnection is refused.
      expect(await refused).toBe(403);
      expect(
        (await call('/v1/satellites/office', { method: 'DELETE', token: adminToken })).status,
      ).toBe(404);
    } finally {
      await link.stop();
    }
  });

  it('rotates-a-key-only-for-the-satellite-that-proves-the-old-one', async () => {
    const code = await newCode({ room: 'Den' });
    const old = await keys();
    await call('/v1/satellites/enroll', { body: { code, id: 'den', publicKey: old.publicKeyPem } });
    const hubId = stack.hub.config.hubId;
    const oldSigner = await TokenSigner.fromPem(old.privateKeyPem, 'den', hubId);
    const next = await keys();
    const rotate = async (id: string, token: string | undefined, publicKey: string) => {
      const res = await fetch(`${stack.hub.url()}/v1/satellites/${id}/key`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ publicKey }),
      });
      return {
        status: res.status,
        body: (await res.json().catch(() => ({}))) as Record<string, unknown>,
      };
    };
    // No token, a token for another satellite, a stranger's key: refused.
    expect((await rotate('den', undefined, next.publicKeyPem)).status).toBe(401);
    const stranger = await keys();
    const forged = await TokenSigner.fromPem(stranger.privateKeyPem, 'den', hubId);
    expect((await rotate('den', await forged.sign(), next.publicKeyPem)).status).toBe(401);
    expect((await rotate('kitchen', await oldSigner.sign(), next.publicKeyPem)).status).toBe(403);
    expect((await rotate('den', await oldSigner.sign(), next.publicKeyPem)).status).toBe(204);
    // The old key no longer connects; the new one does.
    const oldLink = linkFor(stack, { id: 'den', signer: oldSigner });
    const refused = new Promise<number>((resolve) => oldLink.once('refused', resolve));
    oldLink.start();
    expect(await refused).toBe(401);
    await oldLink.stop();
    const link = await connectedLink(stack, {
      id: 'den',
      signer: await TokenSigner.fromPem(next.privateKeyPem, 'den', hubId),
    });
    await link.stop();
  });
});

// Last: it leaves this address paused for enrollments.
describe('code guessing', () => {
  it('pauses-a-code-guesser', async () => {
    const k = await keys();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await call('/v1/satellites/enroll', {
        body: { code: `AAAA-AAAA-AAA${i}`, id: 'guess', publicKey: k.publicKeyPem },
      });
      statuses.push(r.status);
    }
    // Wrong codes are 401 until the address has failed too often (earlier tests' count too),
    // then 429 from there on.
    const first429 = statuses.indexOf(429);
    expect(first429).toBeGreaterThan(0);
    expect(statuses.slice(0, first429).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(first429).every((s) => s === 429)).toBe(true);
    expect((await call('/health')).status).toBe(200);
  });
});
