import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBundle } from './bundle.js';
import { main } from './cli.js';
import { idFromName } from './enroll.js';
import { hubAddress } from './hub-client.js';
import { archOf } from './release.js';
import { Reporter } from './report.js';

describe('hub address', () => {
  it('takes-http-or-ws-urls-and-gives-both-forms', () => {
    expect(hubAddress('http://hub.local:8765')).toEqual({
      api: 'http://hub.local:8765',
      ws: 'ws://hub.local:8765',
      tls: false,
    });
    expect(hubAddress('wss://10.0.0.2:8443/')).toEqual({
      api: 'https://10.0.0.2:8443',
      ws: 'wss://10.0.0.2:8443',
      tls: true,
    });
    for (const bad of [
      'hub.local',
      'ftp://hub',
      'http://hub/v1',
      'http://u:p@hub',
      'http://hub?x=1',
    ])
      expect(() => hubAddress(bad), bad).toThrow(/--hub/);
  });
});

describe('satellite ids and CPUs', () => {
  it('suggest-an-id-from-a-name-and-know-64-bit-cpus', () => {
    expect(idFromName('Kitchen speaker')).toBe('kitchen-speaker');
    expect(idFromName('  Salle à manger! ')).toBe('salle-a-manger');
    expect(archOf('aarch64')).toBe('arm64');
    expect(archOf('x86_64')).toBe('x64');
    expect(archOf('armv7l')).toBeUndefined();
  });
});

describe('reporter', () => {
  it('counts-only-real-changes-and-prints-json-once', () => {
    const lines: string[] = [];
    const r = new Reporter(true, (l) => lines.push(l));
    r.step('check', 'ok', 'fine');
    r.step('config', 'unchanged', 'same');
    expect(r.changed).toBe(false);
    r.step('package', 'done', 'copied');
    expect(r.changed).toBe(true);
    expect(lines).toEqual([]);
    r.finish({ ok: false, reason: 'no-microphone', message: 'no microphone' });
    expect(JSON.parse(lines[0]!)).toMatchObject({
      ok: false,
      error: { reason: 'no-microphone' },
      steps: [{ step: 'check' }, { step: 'config' }, { step: 'package' }],
    });
  });
});

describe('bad input', () => {
  it('names-a-broken-bundle-and-a-bad-flag-and-exits-with-its-reason', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jarvis-bundle-'));
    try {
      await expect(readBundle(dir)).rejects.toMatchObject({
        reason: 'bad-bundle',
        message: expect.stringMatching(
          /satellite\.json is missing: run jarvis-provision enroll/,
        ) as unknown,
      });
      for (const f of ['satellite.key', 'satellite.pub', 'jarvis-satellite.service', 'ALSA.md'])
        await writeFile(join(dir, f), 'x');
      await writeFile(join(dir, 'satellite.json'), '{not json');
      await expect(readBundle(dir)).rejects.toMatchObject({ reason: 'bad-bundle' });
      await writeFile(join(dir, 'satellite.json'), '{"satelliteId": 7}');
      await expect(readBundle(dir)).rejects.toThrow(/lacks satelliteId, hubId or hubUrl/);
      const lines: string[] = [];
      const status = await main(['install', '--bundle', dir, '--ssh', 'pi@host', '--port', 'abc'], {
        env: {},
        write: (l) => lines.push(l),
      });
      expect(status).toBe(1); // the bundle is read first, and is broken
      // An option smuggled in as the SSH target is bad usage, never an ssh argument.
      const bad = await main(['install', '--ssh', '-oProxyCommand=x@host', '--json'], {
        env: {},
        write: (l) => lines.push(l),
      });
      expect(bad).toBe(2);
      expect(await main(['frobnicate'], { env: {}, write: (l) => lines.push(l) })).toBe(2);
      expect(await main(['enroll', '--nope'], { env: {}, write: (l) => lines.push(l) })).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
