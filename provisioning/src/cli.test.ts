import { readFile, stat } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importPKCS8, importSPKI, jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { keygen } from './cli.js';

describe('jarvis-provision keygen', () => {
  it('writes-a-working-key-pair-and-config-with-a-private-key-only-the-owner-reads', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'prov-')), 'kitchen');
    await keygen({ id: 'kitchen', hub: 'ws://127.0.0.1:8765', hubId: 'jarvis-hub', out });
    expect((await stat(join(out, 'satellite.key'))).mode & 0o777).toBe(0o600);
    const config = JSON.parse(await readFile(join(out, 'satellite.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(config).toMatchObject({ satelliteId: 'kitchen', hubUrl: 'ws://127.0.0.1:8765' });
    const priv = await importPKCS8(await readFile(join(out, 'satellite.key'), 'utf8'), 'EdDSA');
    const pub = await importSPKI(await readFile(join(out, 'satellite.pub'), 'utf8'), 'EdDSA');
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA' })
      .setSubject('kitchen')
      .sign(priv);
    expect((await jwtVerify(jwt, pub)).payload.sub).toBe('kitchen');
  });

  it.each([
    [{ id: 'Bad Id', hub: 'ws://x' }, /--id/],
    [{ id: 'ok', hub: 'ftp://x' }, /--hub/],
  ])('refuses-bad-flags %#', async (flags, message) => {
    await expect(
      keygen({ ...flags, hubId: 'h', out: await mkdtemp(join(tmpdir(), 'prov-')) }),
    ).rejects.toThrow(message);
  });
});
