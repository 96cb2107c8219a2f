import { describe, expect, it } from 'vitest';
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
    });
    expect(c.wake).toEqual({ threshold: 0.5, words: ['hey_jarvis'], preRollMs: 1500 });
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
