import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSatelliteConfig } from './config.js';

const base = {
  hubUrl: 'ws://127.0.0.1:8765',
  satelliteId: 'kitchen',
  privateKeyFile: 'satellite.key',
  audio: { input: { type: 'wav', path: 'in.wav' }, output: { type: 'null' } },
};

describe('satellite config', () => {
  it('fills-defaults-and-resolves-paths-from-the-config-folder', () => {
    const c = parseSatelliteConfig(base, '/etc/jarvis');
    expect(c.privateKeyFile).toBe('/etc/jarvis/satellite.key');
    expect(c.audio.input).toEqual({
      type: 'wav',
      path: '/etc/jarvis/in.wav',
      realtime: true,
      tailSilenceMs: 1500,
      then: 'end',
    });
    expect(c.wake).toEqual({
      engine: 'openwakeword',
      threshold: 0.3,
      words: ['hey_jarvis'],
      preRollMs: 1500,
      gateThresholdDb: -42,
    });
    expect(c.secrets).toEqual({});
  });

  it('links-over-mqtt-with-the-broker-and-an-optional-password-file', () => {
    expect(parseSatelliteConfig(base).link).toBe('websocket');
    const c = parseSatelliteConfig(
      {
        ...base,
        link: 'mqtt',
        mqtt: { url: 'mqtts://hub.local:8883', passwordFile: 'mqtt-password' },
      },
      '/etc/jarvis',
    );
    expect(c.mqtt).toEqual({
      url: 'mqtts://hub.local:8883',
      passwordFile: '/etc/jarvis/mqtt-password',
      keepaliveS: 15,
    });
    expect(() => parseSatelliteConfig({ ...base, link: 'mqtt' })).toThrow(/mqtt\.url/);
    expect(() =>
      parseSatelliteConfig({ ...base, link: 'mqtt', mqtt: { url: 'http://x' } }),
    ).toThrow(/\/mqtt\/url/);
  });

  it('lists-every-problem', () => {
    expect(() =>
      parseSatelliteConfig({
        ...base,
        hubUrl: 'ftp://x',
        satelliteId: 'Bad Id',
        wake: { threshold: 2 },
      }),
    ).toThrow(/\/hubUrl[\s\S]*\/satelliteId[\s\S]*\/wake\/threshold/);
    expect(() =>
      parseSatelliteConfig({
        ...base,
        audio: { input: { type: 'tape' }, output: { type: 'null' } },
      }),
    ).toThrow(/\/audio\/input/);
  });
});

describe('satellite config: porcupine wake engine', () => {
  const porcupine = (section: object = {}) => ({
    ...base,
    wake: { engine: 'porcupine', porcupine: section },
  });
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jarvis-sat-config-'));
    await writeFile(join(dir, 'picovoice.key'), 'key-from-file\n');
    await writeFile(join(dir, 'empty.key'), '  \n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('no-access-key-is-listed-with-the-other-problems-naming-env-and-field', () => {
    let message = '';
    try {
      parseSatelliteConfig({ ...porcupine(), hubUrl: 'ftp://x' }, dir, {});
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/\/hubUrl/);
    expect(message).toMatch(/\/wake\/porcupine\/accessKeyFile: .*PICOVOICE_ACCESS_KEY/);
    expect(message).toMatch(/wake\.porcupine\.accessKeyFile/);
    // Choosing porcupine without a section still asks for the key.
    expect(() => parseSatelliteConfig({ ...base, wake: { engine: 'porcupine' } }, dir, {})).toThrow(
      /PICOVOICE_ACCESS_KEY/,
    );
  });

  it('reads-the-key-from-env-and-fills-porcupine-defaults', () => {
    const c = parseSatelliteConfig({ ...base, wake: { engine: 'porcupine' } }, dir, {
      PICOVOICE_ACCESS_KEY: ' key-from-env ',
    });
    expect(c.secrets.picovoiceAccessKey).toBe('key-from-env');
    expect(c.wake.porcupine).toEqual({ keyword: 'jarvis', sensitivity: 0.5 });
  });

  it('reads-the-key-from-a-file-relative-to-the-config-and-env-wins', () => {
    const c = parseSatelliteConfig(porcupine({ accessKeyFile: 'picovoice.key' }), dir, {});
    expect(c.secrets.picovoiceAccessKey).toBe('key-from-file');
    expect(c.wake.porcupine?.accessKeyFile).toBe(join(dir, 'picovoice.key'));
    const both = parseSatelliteConfig(porcupine({ accessKeyFile: 'picovoice.key' }), dir, {
      PICOVOICE_ACCESS_KEY: 'key-from-env',
    });
    expect(both.secrets.picovoiceAccessKey).toBe('key-from-env');
  });

  it('key-file-missing-or-empty-is-a-config-problem', () => {
    expect(() => parseSatelliteConfig(porcupine({ accessKeyFile: 'nope.key' }), dir, {})).toThrow(
      /\/wake\/porcupine\/accessKeyFile: cannot read the Picovoice AccessKey file .*nope\.key/,
    );
    expect(() => parseSatelliteConfig(porcupine({ accessKeyFile: 'empty.key' }), dir, {})).toThrow(
      /AccessKey file .*empty\.key is empty/,
    );
  });

  it('the-key-never-comes-from-the-json-and-never-goes-back-out', () => {
    expect(() =>
      parseSatelliteConfig(porcupine({ accessKey: 'inline-key' }), dir, {
        PICOVOICE_ACCESS_KEY: 'k',
      }),
    ).toThrow(
      /\/wake\/porcupine\/accessKey: the AccessKey is a secret and never goes in the config/,
    );
    const c = parseSatelliteConfig(porcupine(), dir, { PICOVOICE_ACCESS_KEY: 'secret-key' });
    expect(JSON.stringify(c)).not.toContain('secret-key');
  });

  it('checks-keyword-and-sensitivity', () => {
    expect(() =>
      parseSatelliteConfig(porcupine({ keyword: 'hey_jarvis', sensitivity: 2 }), dir, {
        PICOVOICE_ACCESS_KEY: 'k',
      }),
    ).toThrow(
      /\/wake\/porcupine\/keyword: expected one of .*"jarvis"[\s\S]*\/wake\/porcupine\/sensitivity/,
    );
    expect(() => parseSatelliteConfig({ ...base, wake: { engine: 'snowboy' } }, dir, {})).toThrow(
      /\/wake\/engine/,
    );
  });

  it('openwakeword-needs-no-key', () => {
    expect(parseSatelliteConfig(base, dir, {}).wake.engine).toBe('openwakeword');
  });
});
