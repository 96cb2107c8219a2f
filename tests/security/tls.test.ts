/**
 * TLS with the hub's own local CA: HTTPS, WSS for a satellite that trusts the CA (and not for
 * one that does not), MQTTS on the embedded broker, and the same CA after a restart.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, startHub, type Hub } from '@jarvis/hub';
import { HubLink, MqttLink, TokenSigner } from '@jarvis/satellite';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSatelliteKeys } from '../../provisioning/src/keys.js';

const log = pino({ level: 'silent' });
const broker = { username: 'bridge', password: 'bridge-password-123' };
let dir: string;
let hub: Hub;

const start = () =>
  startHub({
    config: parseConfig({
      host: '127.0.0.1',
      port: 0,
      logLevel: 'silent',
      dataDir: 'memory://',
      mqtt: { port: 0, users: [broker] },
      tls: { generate: true, dir: join(dir, 'tls'), hostnames: ['localhost', '127.0.0.1'] },
    }),
    log,
    env: {},
    onSetupToken: () => undefined,
  });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jarvis-tls-'));
  hub = await start();
});
afterAll(async () => {
  await hub?.close();
  await rm(dir, { recursive: true, force: true });
});

function fetchCa(url: string, ca?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, ca ? { ca } : {}, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).once('error', reject);
  });
}

/** Resolves 'ready' when the link gets its welcome, else 'failed' within the time. */
function outcome(link: HubLink | MqttLink, ms = 3000): Promise<'ready' | 'failed'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('failed'), ms);
    link.once('ready', () => {
      clearTimeout(timer);
      resolve('ready');
    });
  });
}

/** A satellite's hello: wake word on the satellite, speaker, no LEDs. */
const helloOf = (satelliteId: string) => ({
  satelliteId,
  capabilities: {
    wakeWords: ['hey_jarvis'],
    audioIn: { rate: 16000, width: 2 as const, channels: 1 },
    audioOut: true,
    leds: false,
  },
});

describe('TLS with a local CA', () => {
  it('serves-https-with-the-ca-it-made-and-keeps-it-across-restarts', async () => {
    expect(hub.url()).toMatch(/^https:\/\//);
    const ca = await readFile(join(dir, 'tls', 'ca.crt'), 'utf8');
    const served = await fetchCa(`${hub.url()}/v1/tls/ca`, ca);
    expect(served).toMatchObject({ status: 200, body: ca });
    const fingerprint = new X509Certificate(ca).fingerprint256;
    // Without trusting the CA, a client refuses the hub.
    await expect(fetchCa(`${hub.url()}/health`)).rejects.toThrow(
      /self[- ]signed|unable to verify/i,
    );
    // Plain HTTP on the HTTPS port gets nowhere.
    await expect(fetch(hub.url().replace('https', 'http') + '/health')).rejects.toThrow();
    await hub.close();
    hub = await start();
    const again = await readFile(join(dir, 'tls', 'ca.crt'), 'utf8');
    expect(new X509Certificate(again).fingerprint256).toBe(fingerprint);
  });

  it('lets-a-satellite-that-trusts-the-ca-in-and-no-other', async () => {
    const keys = await generateSatelliteKeys();
    await hub.satellites.enroll({
      id: 'porch',
      name: 'Porch',
      room: 'porch',
      publicKey: keys.publicKeyPem,
    });
    const ca = await readFile(join(dir, 'tls', 'ca.crt'), 'utf8');
    const signer = await TokenSigner.fromPem(keys.privateKeyPem, 'porch', hub.config.hubId);
    const make = (trusted: string | undefined) =>
      new HubLink({
        hubUrl: hub.url(),
        ...(trusted ? { ca: trusted } : {}),
        signer,
        hello: helloOf('porch'),
        log,
      });
    const good = make(ca);
    const ok = outcome(good);
    good.start();
    expect(await ok).toBe('ready');
    await good.stop();
    const other = await mkdtemp(join(tmpdir(), 'jarvis-tls-other-'));
    try {
      const { localCa } = await import('../../hub/src/tls/local-ca.js');
      const stranger = await localCa(other, ['localhost']);
      for (const trusted of [undefined, stranger.ca]) {
        const bad = make(trusted);
        const result = outcome(bad, 1500);
        bad.start();
        expect(await result).toBe('failed');
        await bad.stop();
      }
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('renews-the-hub-certificate-near-its-end-and-keeps-the-pinned-ca', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jarvis-tls-renew-'));
    try {
      const { localCa } = await import('../../hub/src/tls/local-ca.js');
      const first = await localCa(dir, ['localhost']);
      const again = await localCa(dir, ['localhost']);
      expect(again.cert).toBe(first.cert); // nothing to do
      const later = Date.now() + 800 * 86_400_000; // 25 days before its 825 are up
      const renewed = await localCa(dir, ['localhost'], () => later);
      expect(renewed.cert).not.toBe(first.cert);
      expect(renewed.fingerprint).toBe(first.fingerprint); // the CA satellites pinned
      const cert = new X509Certificate(renewed.cert);
      expect(cert.checkIssued(new X509Certificate(renewed.ca ?? ''))).toBe(true);
      expect(new Date(cert.validTo).getTime()).toBeGreaterThan(Date.now() + 800 * 86_400_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lets-provisioning-pin-the-ca-by-its-fingerprint-and-refuses-another', async () => {
    const { main } = await import('../../provisioning/src/cli.js');
    const { EnrollmentCodes } = await import('../../hub/src/auth/enrollment.js');
    const codes = new EnrollmentCodes(hub.db, hub.satellites);
    const code = async () =>
      (await codes.create({ room: 'den', ttlMs: 60_000, createdBy: 'test' })).code;
    const caPem = await readFile(join(dir, 'tls', 'ca.crt'), 'utf8');
    const fingerprint = new X509Certificate(caPem).fingerprint256;
    const run = async (args: string[]) => {
      const lines: string[] = [];
      const status = await main(args, { env: {}, write: (l) => lines.push(l) });
      return { status, out: lines.join('\n') };
    };
    const base = (out: string, c: string) => [
      'enroll',
      '--hub',
      hub.url(),
      '--code',
      c,
      '--room',
      'den',
      '--out',
      join(dir, out),
    ];
    const wrong = await run([...base('wrong', await code()), '--ca-fingerprint', 'AB'.repeat(32)]);
    expect(wrong.status).toBe(1);
    expect(wrong.out).toMatch(/CA fingerprint .* is not the one given/);
    await expect(readFile(join(dir, 'wrong', 'satellite.key'))).rejects.toThrow();

    const pinned = await run([...base('pinned', await code()), '--ca-fingerprint', fingerprint]);
    expect(pinned.status, pinned.out).toBe(0);
    expect(pinned.out).toContain(`CA ${fingerprint} matches the pin`);
    expect(await readFile(join(dir, 'pinned', 'hub-ca.pem'), 'utf8')).toBe(
      new X509Certificate(caPem).toString(),
    );
    const config = JSON.parse(await readFile(join(dir, 'pinned', 'satellite.json'), 'utf8')) as {
      hubUrl: string;
      caFile: string;
    };
    expect(config).toMatchObject({
      hubUrl: hub.url().replace('https', 'wss'),
      caFile: 'hub-ca.pem',
    });

    // No pin: trusted on first use, and the fingerprint is shown to compare.
    const tofu = await run([...base('tofu', await code()), '--id', 'den-2']);
    expect(tofu.status, tofu.out).toBe(0);
    expect(tofu.out).toContain(`trusting the hub's CA on first use: ${fingerprint}`);
  });

  it('an-mqtt-satellite-that-trusts-the-ca-gets-in-over-mqtts-and-no-other', async () => {
    const keys = await generateSatelliteKeys();
    await hub.satellites.enroll({
      id: 'garden',
      name: 'Garden',
      room: 'garden',
      publicKey: keys.publicKeyPem,
    });
    const ca = await readFile(join(dir, 'tls', 'ca.crt'), 'utf8');
    const signer = await TokenSigner.fromPem(keys.privateKeyPem, 'garden', hub.config.hubId);
    const make = (trusted: string | undefined) =>
      new MqttLink({
        url: `mqtts://127.0.0.1:${hub.bus.address!.port}`,
        ...(trusted ? { ca: trusted } : {}),
        signer,
        hello: helloOf('garden'),
        log,
      });
    const good = make(ca);
    const ok = outcome(good);
    good.start();
    expect(await ok).toBe('ready');
    await good.stop();
    const bad = make(undefined);
    const refused = outcome(bad, 1500);
    bad.start();
    expect(await refused).toBe('failed');
    await bad.stop();
  });

  it('speaks-mqtts-on-the-embedded-broker', async () => {
    const ca = await readFile(join(dir, 'tls', 'ca.crt'), 'utf8');
    const url = `mqtts://127.0.0.1:${hub.bus.address!.port}`;
    const client = await mqtt.connectAsync(url, { ...broker, ca, reconnectPeriod: 0 });
    await client.endAsync();
    await expect(
      mqtt.connectAsync(url, { ...broker, reconnectPeriod: 0, connectTimeout: 2000 }),
    ).rejects.toThrow();
  });
});
