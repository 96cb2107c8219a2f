/**
 * `GET /v1/system`: what the hub runs on and how it is doing, for the dashboard's System page —
 * engines in use and whether they have been failing, the broker and the database, and stage
 * latency percentiles over the latest sessions (exact, from their recorded timings).
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { HubConfig } from '../config/config.js';
import type { Engines } from '../engines/registry.js';
import type { MqttBus } from '../mqtt/bus.js';
import type { Db } from '../storage/db.js';
import type { SessionRecord, SessionStore, SessionTimings } from '../storage/sessions.js';
import type { AuthHook } from './request-auth.js';

/** Sessions the latency figures cover. */
const LATENCY_WINDOW = 200;
/** Recent sessions an engine's health is judged on. */
const HEALTH_WINDOW = 10;

const STAGES: readonly [string, keyof SessionTimings][] = [
  ['wakeToStream', 'wakeToStreamMs'],
  ['endpoint', 'endpointMs'],
  ['stt', 'sttMs'],
  ['intent', 'intentMs'],
  ['action', 'actionMs'],
  ['ttsFirstAudio', 'ttsFirstAudioMs'],
  ['speechEndToFirstAudio', 'speechEndToFirstAudioMs'],
  ['total', 'totalMs'],
];

/** Nearest-rank percentiles per stage; stages no session reached are left out. */
export function latencyPercentiles(
  timings: readonly SessionTimings[],
): Record<string, { p50Ms: number; p95Ms: number; count: number }> {
  const out: Record<string, { p50Ms: number; p95Ms: number; count: number }> = {};
  for (const [name, key] of STAGES) {
    const values = timings
      .map((t) => t[key])
      .filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
      .sort((a, b) => a - b);
    if (values.length === 0) continue;
    const at = (p: number) => values[Math.max(0, Math.ceil((p / 100) * values.length) - 1)]!;
    out[name] = { p50Ms: Math.round(at(50)), p95Ms: Math.round(at(95)), count: values.length };
  }
  return out;
}

/** An engine is unhealthy while one of the latest sessions failed in it or fell back from it. */
function healthy(recent: readonly SessionRecord[], kind: 'stt' | 'tts' | 'llm'): boolean {
  return !recent.some(
    (r) =>
      r.errorCode === `${kind}-failed` || (r.engines.fallbacks ?? []).some((f) => f.kind === kind),
  );
}

export async function registerSystemApi<L extends FastifyBaseLogger>(
  app: FastifyInstance<Server, IncomingMessage, ServerResponse, L>,
  options: {
    readonly authenticate: AuthHook;
    readonly config: HubConfig;
    readonly engines: Engines;
    readonly bus: MqttBus;
    readonly db: Db;
    readonly sessions: SessionStore;
    readonly version: string;
    readonly startedAt: number;
  },
): Promise<void> {
  const { config, engines, bus, db, sessions } = options;
  await app.register(async (scope) => {
    scope.addHook('onRequest', options.authenticate);
    scope.get('/v1/system', async () => {
      const recent = await sessions.search({ limit: HEALTH_WINDOW });
      const dbOk = await db.ping().then(
        () => true,
        () => false,
      );
      return {
        version: options.version,
        hubId: config.hubId,
        uptimeS: Math.round((Date.now() - options.startedAt) / 1000),
        language: config.language,
        engines: {
          stt: { id: engines.stt.id, healthy: healthy(recent, 'stt') },
          tts: { id: engines.tts.id, healthy: healthy(recent, 'tts') },
          vad: { id: engines.vad.id, healthy: true },
          wake: { id: config.wake.engine, healthy: true },
          llm:
            config.llm.engine === 'ollama'
              ? { id: `ollama:${config.llm.model ?? ''}`, healthy: healthy(recent, 'llm') }
              : null,
          memory: config.memory.enabled
            ? {
                id: `${config.memory.embeddings.engine}+${config.memory.store.engine}`,
                healthy: true,
              }
            : null,
        },
        mqtt: { kind: bus.kind, connected: bus.connected() },
        database: { kind: db.kind, ok: dbOk },
        latency: latencyPercentiles(await sessions.recentTimings(LATENCY_WINDOW)),
      };
    });
  });
}
