import { describe, expect, it } from 'vitest';
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
