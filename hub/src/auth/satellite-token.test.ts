import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SatelliteRecord } from '../storage/satellites.js';
import { SatelliteTokenVerifier } from './satellite-token.js';

let privateKey: CryptoKey;
let otherKey: CryptoKey;
const sats = new Map<string, SatelliteRecord>();

beforeAll(async () => {
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair('EdDSA', { crv: 'Ed25519' })).privateKey;
  const base = {
    name: 'K',
    room: 'kitchen',
    publicKey: await exportSPKI(pair.publicKey),
    enrolledAt: new Date(),
  };
  sats.set('kitchen', { ...base, id: 'kitchen', revokedAt: null });
  sats.set('attic', { ...base, id: 'attic', revokedAt: new Date() });
});

const verifier = (now = Date.now) =>
  new SatelliteTokenVerifier({
    audience: 'hub-1',
    lookup: (id) => Promise.resolve(sats.get(id)),
    now,
  });

async function token(
  opts: {
    sub?: string;
    aud?: string;
    lifetimeS?: number;
    iatOffsetS?: number;
    jti?: string;
    key?: CryptoKey;
  } = {},
) {
  const iat = Math.floor(Date.now() / 1000) + (opts.iatOffsetS ?? 0);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA' })
    .setSubject(opts.sub ?? 'kitchen')
    .setAudience(opts.aud ?? 'hub-1')
    .setIssuedAt(iat)
    .setExpirationTime(iat + (opts.lifetimeS ?? 60))
    .setJti(opts.jti ?? crypto.randomUUID())
    .sign(opts.key ?? privateKey);
}

describe('satellite token verification', () => {
  it('accepts-a-fresh-token-from-an-enrolled-satellite', async () => {
    expect((await verifier().verify(await token())).id).toBe('kitchen');
  });

  it.each([
    ['missing token', () => Promise.resolve(undefined), 'auth-missing'],
    ['garbage', () => Promise.resolve('not.a.jwt'), 'auth-invalid'],
    [
      'unknown satellite (no oracle: reads as a bad signature)',
      () => token({ sub: 'garage' }),
      'auth-invalid',
    ],
    ['revoked satellite', () => token({ sub: 'attic' }), 'satellite-revoked'],
    ['wrong audience', () => token({ aud: 'other-hub' }), 'auth-invalid'],
    ['wrong key', () => token({ key: otherKey }), 'auth-invalid'],
    ['expired', () => token({ iatOffsetS: -600, lifetimeS: 120 }), 'auth-expired'],
    ['lifetime over five minutes', () => token({ lifetimeS: 3600 }), 'auth-invalid'],
    ['issued in the future', () => token({ iatOffsetS: 600 }), 'auth-invalid'],
  ] as const)('refuses %s', async (_name, make, code) => {
    await expect(verifier().verify(await make())).rejects.toMatchObject({ code });
  });

  it('refuses-a-replayed-jti', async () => {
    const v = verifier();
    const t = await token({ jti: 'once' });
    await v.verify(t);
    await expect(v.verify(t)).rejects.toMatchObject({ code: 'auth-replayed' });
  });

  it('refuses-a-token-signed-with-alg-none', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const body = Buffer.from(
      JSON.stringify({ sub: 'kitchen', aud: 'hub-1', iat: now, exp: now + 60, jti: 'x' }),
    ).toString('base64url');
    await expect(verifier().verify(`${header}.${body}.`)).rejects.toMatchObject({
      code: 'auth-invalid',
    });
  });

  it('admits-a-known-satellite-from-its-last-record-while-the-database-is-down', async () => {
    let down = false;
    let record: SatelliteRecord | undefined = sats.get('kitchen');
    const v = new SatelliteTokenVerifier({
      audience: 'hub-1',
      lookup: (id) =>
        down
          ? Promise.reject(new Error('connect ECONNREFUSED'))
          : Promise.resolve(id === 'kitchen' ? record : sats.get(id)),
    });
    await v.verify(await token());
    await expect(v.verify(await token({ sub: 'attic' }))).rejects.toMatchObject({
      code: 'satellite-revoked',
    });
    down = true;
    expect((await v.verify(await token())).id).toBe('kitchen');
    // A cached revocation still refuses; an id never read gets "try again", not a way in.
    await expect(v.verify(await token({ sub: 'attic' }))).rejects.toMatchObject({
      code: 'satellite-revoked',
    });
    await expect(v.verify(await token({ sub: 'porch' }))).rejects.toMatchObject({
      code: 'storage-failed',
      retryable: true,
    });
    // "Not found" from a database that answers forgets the cached record.
    down = false;
    record = undefined;
    await expect(v.verify(await token())).rejects.toMatchObject({ code: 'auth-invalid' });
    down = true;
    await expect(v.verify(await token())).rejects.toMatchObject({ code: 'storage-failed' });
  });
});
