import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeWav, encodeWav, rms } from '@jarvis/protocol';
import { Backoff } from '@jarvis/satellite';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/servers.js';
import { linkFor, startStack, type Stack } from '../support/stack.js';
import { speak } from '../support/voices.js';

const run = promisify(execFile);
const stacks: Stack[] = [];
afterEach(async () => {
  await Promise.allSettled(stacks.splice(0).map((s) => s.close()));
});

describe('satellite link', () => {
  it('reconnects-after-hub-restart', async () => {
    const port = await freePort();
    const first = await startStack({ port });
    stacks.push(first);
    const sat = await first.enroll('kitchen', 'kitchen');
    const link = linkFor(first, sat, new Backoff(50, 500));
    let readyCount = 0;
    link.on('ready', () => readyCount++);
    const down = new Promise<void>((resolve) => link.once('down', () => resolve()));
    link.start();
    await expect.poll(() => readyCount).toBe(1);
    await first.close();
    stacks.length = 0;
    await down;
    expect(link.ready).toBe(false);
    // The new hub has the same satellite enrolled with the same key.
    const second = await startStack({ port });
    stacks.push(second);
    await second.hub.satellites.enroll({
      id: 'kitchen',
      name: 'k',
      room: 'kitchen',
      publicKey: sat.publicKeyPem,
    });
    await expect.poll(() => readyCount, { timeout: 10_000 }).toBe(2);
    expect(link.ready).toBe(true);
    await link.stop();
  });

  it('reports-a-refused-connection-for-an-unenrolled-satellite', async () => {
    const stack = await startStack();
    stacks.push(stack);
    const sat = await stack.enroll('kitchen', 'kitchen');
    await stack.hub.satellites.revoke('kitchen');
    const link = linkFor(stack, sat, new Backoff(50, 200));
    const refused = new Promise<[number, string]>((resolve) =>
      link.once('refused', (status, body) => resolve([status, body])),
    );
    link.start();
    const [status, body] = await refused;
    expect(status).toBe(403);
    expect(JSON.parse(body)).toMatchObject({ code: 'satellite-revoked' });
    await link.stop();
  });
});

describe('jarvis-satellite CLI', () => {
  it('runs-from-a-config-file-with-a-wav-in-and-a-wav-out', async () => {
    const stack = await startStack();
    stacks.push(stack);
    const sat = await stack.enroll('kitchen', 'kitchen');
    const records: string[] = [];
    stack.hub.onSessionEnd((r) => records.push(`${r.outcome}: ${r.transcript ?? ''}`));
    const dir = await mkdtemp(join(tmpdir(), 'sat-cli-'));
    await writeFile(join(dir, 'satellite.key'), sat.privateKeyPem, { mode: 0o600 });
    await writeFile(
      join(dir, 'in.wav'),
      encodeWav(
        await speak('hey jarvis, turn on the kitchen light', 'flite', {
          leadMs: 500,
          trailMs: 200,
        }),
      ),
    );
    const config = {
      hubUrl: stack.hub.url().replace('http', 'ws'),
      satelliteId: 'kitchen',
      privateKeyFile: 'satellite.key',
      logLevel: 'warn',
      audio: {
        input: { type: 'wav', path: 'in.wav', realtime: false },
        output: { type: 'wav', path: 'reply.wav' },
      },
    };
    await writeFile(join(dir, 'satellite.json'), JSON.stringify(config));
    await run(
      'npx',
      [
        'tsx',
        '--conditions=source',
        'satellite/src/cli/main.ts',
        '--config',
        join(dir, 'satellite.json'),
      ],
      {
        timeout: 60_000,
      },
    );
    expect(records).toEqual(['ok: hey jarvis turn on the kitchen light']);
    expect(stack.light.state).toBe('ON');
    const reply = decodeWav(await readFile(join(dir, 'reply.wav')));
    expect(reply.pcm.length / reply.rate).toBeGreaterThan(0.5);
    expect(rms(reply.pcm)).toBeGreaterThan(500);
  });

  it('refuses-a-bad-config-with-a-clear-message', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sat-cli-'));
    await writeFile(
      join(dir, 'satellite.json'),
      JSON.stringify({ hubUrl: 'ftp://x', satelliteId: 'Bad' }),
    );
    const err = await run('npx', [
      'tsx',
      '--conditions=source',
      'satellite/src/cli/main.ts',
      '--config',
      join(dir, 'satellite.json'),
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 1 });
    expect((err as { stderr: string }).stderr).toMatch(
      /invalid satellite config[\s\S]*\/hubUrl[\s\S]*\/satelliteId/,
    );
  });
});
