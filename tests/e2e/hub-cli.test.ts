import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exportSPKI, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../hub/src/storage/db.js';
import { connectedLink } from '../support/announcements.js';
import { startPostgres } from '../support/servers.js';
import { startStack } from '../support/stack.js';

const run = promisify(execFile);
const hubCli = (args: string[], env: Record<string, string> = {}) =>
  run('npx', ['tsx', '--conditions=source', 'hub/src/cli/main.ts', ...args], {
    env: { ...process.env, ...env },
    timeout: 60_000,
  }).catch((e: { code: number; stdout: string; stderr: string }) => e);

describe('jarvis-hub CLI', () => {
  it('enrolls-and-revokes-a-satellite-in-the-hub-database', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-cli-'));
    const pub = join(dir, 'kitchen.pub');
    await writeFile(
      pub,
      await exportSPKI((await generateKeyPair('EdDSA', { crv: 'Ed25519' })).publicKey),
    );
    const env = { JARVIS_DATA_DIR: join(dir, 'db') };
    const enrolled = await hubCli(
      ['enroll', '--id', 'kitchen', '--name', 'Kitchen', '--room', 'kitchen', '--public-key', pub],
      env,
    );
    expect(enrolled.stdout).toContain('enrolled kitchen (Kitchen, kitchen)');
    expect((await hubCli(['revoke', '--id', 'kitchen'], env)).stdout).toContain('revoked kitchen');
    expect((await hubCli(['revoke', '--id', 'kitchen'], env)).stdout).toContain('already revoked');
    // Each went to the audit log.
    const db = await openDb({ dataDir: join(dir, 'db') });
    try {
      const rows = await db.query<{ action: string; outcome: string; target: string }>(
        'SELECT action, outcome, target FROM audit_log ORDER BY at',
      );
      expect(rows).toEqual([
        { action: 'satellite-enroll', outcome: 'ok', target: 'kitchen' },
        { action: 'satellite-revoke', outcome: 'ok', target: 'kitchen' },
        { action: 'satellite-revoke', outcome: 'failed', target: 'kitchen' },
      ]);
    } finally {
      await db.close();
    }
  });

  it('revokes-a-connected-satellite-of-a-running-hub-within-seconds', async () => {
    // The cluster shape: a hub on PostgreSQL, and the CLI run beside it on the same database.
    const postgres = await startPostgres();
    const stack = await startStack({ databaseUrl: postgres.url });
    try {
      const link = await connectedLink(stack, await stack.enroll('porch', 'porch'));
      const down = new Promise<string>((resolve) => link.once('down', resolve));
      const out = await hubCli(['revoke', '--id', 'porch'], { DATABASE_URL: postgres.url });
      expect(out.stdout).toContain('revoked porch');
      expect(await down).toMatch(/^4003 revoked/);
      await link.stop();
    } finally {
      await stack.close();
      await postgres.stop();
    }
  });

  it.each([
    [['enroll', '--id', 'Bad Id'], /--id must be/],
    [['enroll', '--id', 'kitchen'], /needs --name, --room and --public-key/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['fly'], /unknown command "fly"/],
  ])('refuses %j with a clear message', async (args, message) => {
    const out = await hubCli(args, { JARVIS_DATA_DIR: 'memory://' });
    expect((out as { code?: unknown }).code).not.toBe(0);
    expect(typeof (out as { code?: unknown }).code).toBe('number');
    expect((out as { stderr: string }).stderr).toMatch(message);
  });

  it('refuses-an-invalid-environment-listing-every-problem', async () => {
    const out = await hubCli(['enroll'], { JARVIS_PORT: 'eighty', JARVIS_LOG_LEVEL: 'loud' });
    expect((out as { stderr: string }).stderr).toMatch(
      /invalid configuration[\s\S]*\/port[\s\S]*\/logLevel/,
    );
  });
});
