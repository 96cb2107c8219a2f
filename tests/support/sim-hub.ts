/**
 * Child-process entry for the load and soak benchmarks: a hub on embedded defaults (PGlite in a
 * temp data dir, embedded MQTT, embedded engines, the simulated light) in a process of its own,
 * so its RSS and CPU are its own. Driven over IPC by `sim-fleet.ts`:
 * `{type:'start', satellites}` → enrolls them → `{type:'ready', url, hubId, satellites}`;
 * `{type:'sessions'}` → `{type:'sessions', ended, stored}`; `{type:'gc'}` → `{type:'gc'}` after a
 * full collection (when started with --expose-gc); `{type:'loop'}` → the hub's event-loop delay
 * since the last one; `{type:'close'}` → exits.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, type Stack } from './stack.js';

export type HubRequest =
  | { type: 'start'; satellites: number }
  | { type: 'sessions' }
  | { type: 'gc' }
  | { type: 'loop' }
  | { type: 'close' };

export type HubReply =
  | {
      type: 'ready';
      url: string;
      hubId: string;
      satellites: { id: string; privateKeyPem: string }[];
    }
  | { type: 'sessions'; ended: Record<string, number>; stored: number }
  | { type: 'gc' }
  | { type: 'loop'; p50Ms: number; p99Ms: number; maxMs: number };

/** Every simulated satellite stands in the kitchen, where the simulated light is. */
export const SIM_ROOM = 'kitchen';
export const simId = (i: number): string => `sim-${String(i).padStart(3, '0')}`;

let stack: Stack | undefined;
let dataDir: string | undefined;
const ended: Record<string, number> = {};
/** How long the hub's event loop was held: what every satellite's frames wait behind. */
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();

const reply = (msg: HubReply): void => void process.send?.(msg);

async function onRequest(msg: HubRequest): Promise<void> {
  switch (msg.type) {
    case 'start': {
      dataDir = await mkdtemp(join(tmpdir(), 'jarvis-bench-hub-'));
      // Every simulated satellite connects from loopback, one address (in a home each has its
      // own), so the per-address request limit is raised.
      stack = await startStack({
        dataDir,
        logLevel: process.env['BENCH_HUB_LOG'] ?? 'silent',
        // A diagnostic knob: the periodic revocation check reads each online satellite's record.
        ...(process.env['BENCH_HUB_REVOCATION_CHECK_MS']
          ? { revocationCheckMs: Number(process.env['BENCH_HUB_REVOCATION_CHECK_MS']) }
          : {}),
        // Each simulated satellite is its own speaker: none stands down for another's wake-up.
        config: { rateLimit: { perIpPerMinute: 100_000 }, session: { arbitrationWindowMs: 0 } },
      });
      stack.hub.onSessionEnd((r) => {
        const outcome = r.outcome ?? 'none';
        ended[outcome] = (ended[outcome] ?? 0) + 1;
      });
      const satellites = [];
      for (let i = 0; i < msg.satellites; i++) {
        const sat = await stack.enroll(simId(i), SIM_ROOM);
        satellites.push({ id: sat.id, privateKeyPem: sat.privateKeyPem });
      }
      reply({ type: 'ready', url: stack.hub.url(), hubId: stack.hub.config.hubId, satellites });
      return;
    }
    case 'sessions': {
      const rows = await stack!.hub.db.query<{ n: number | string }>(
        'SELECT count(*) AS n FROM sessions',
      );
      reply({ type: 'sessions', ended: { ...ended }, stored: Number(rows[0]?.n ?? 0) });
      return;
    }
    case 'gc':
      (globalThis as { gc?: () => void }).gc?.();
      reply({ type: 'gc' });
      return;
    case 'loop': {
      const ms = (ns: number): number => Math.round(ns / 1e5) / 10;
      reply({
        type: 'loop',
        p50Ms: ms(loopDelay.percentile(50)),
        p99Ms: ms(loopDelay.percentile(99)),
        maxMs: ms(loopDelay.max),
      });
      loopDelay.reset();
      return;
    }
    case 'close':
      await stack?.close();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
      process.exit(0);
  }
}

process.on('message', (msg: HubRequest) => {
  onRequest(msg).catch((err: unknown) => {
    console.error('sim-hub failed:', err);
    process.exit(1);
  });
});
// The parent went away: do not outlive it.
process.on('disconnect', () => process.exit(0));
