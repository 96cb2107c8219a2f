import { parseConfig, startHub, type Hub } from '@jarvis/hub';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, startPostgres, type RunningServer } from '../support/servers.js';

const user = { username: 'jarvis-hub', password: 'hub-password-for-tests' };
let mosquitto: RunningServer;
let postgres: RunningServer;
let hub: Hub;

// The cluster shape: PostgreSQL and an external broker instead of the embedded defaults.
beforeAll(async () => {
  [mosquitto, postgres] = await Promise.all([startMosquitto(user), startPostgres()]);
  const config = parseConfig({
    port: 0,
    logLevel: 'silent',
    databaseUrl: postgres.url,
    mqtt: { url: mosquitto.url, ...user },
  });
  hub = await startHub({ config, log: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await hub?.close();
  await postgres?.stop();
  await mosquitto?.stop();
});

describe('hub HTTP endpoints on PostgreSQL and Mosquitto', () => {
  it('reports-liveness-readiness-and-metrics', async () => {
    expect(await (await fetch(`${hub.url()}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${hub.url()}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', mqtt: 'ok' } });
    const metrics = await (await fetch(`${hub.url()}/metrics`)).text();
    expect(metrics).toContain('jarvis_satellites_online 0');
    expect(metrics).toContain('# TYPE jarvis_stage_duration_seconds histogram');
    expect(hub.db.kind).toBe('postgres');
  });

  it('answers-unknown-routes-with-a-coded-error', async () => {
    // Unknown page paths are the dashboard's (its router answers them); API paths are not.
    const api = await fetch(`${hub.url()}/v1/nope`);
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ code: 'not-found' });
    expect((await fetch(`${hub.url()}/nope`, { method: 'POST' })).status).toBe(404);
  });

  it('is-not-ready-when-the-broker-goes-away', async () => {
    await mosquitto.stop();
    await expect
      .poll(async () => (await fetch(`${hub.url()}/ready`)).status, {
        timeout: 10_000,
        interval: 200,
      })
      .toBe(503);
    const body = (await (await fetch(`${hub.url()}/ready`)).json()) as {
      checks: Record<string, string>;
    };
    expect(body.checks).toEqual({ database: 'ok', mqtt: 'disconnected' });
    // The same, for Prometheus: the JarvisDependencyDown alert reads this.
    const metrics = await (await fetch(`${hub.url()}/metrics`)).text();
    expect(metrics).toMatch(/^jarvis_dependency_up\{dependency="mqtt"\} 0$/m);
    expect(metrics).toMatch(/^jarvis_dependency_up\{dependency="database"\} 1$/m);
    expect((await fetch(`${hub.url()}/health`)).status).toBe(200);
  });
});
