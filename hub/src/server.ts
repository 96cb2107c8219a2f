import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import websocket from '@fastify/websocket';
import { MAX_AUDIO_FRAME_BYTES, MAX_JSON_BYTES, rmsDb } from '@jarvis/protocol';
import Fastify from 'fastify';
import { pino, type Logger } from 'pino';
import { SatelliteTokenVerifier } from './auth/satellite-token.js';
import type { HubConfig } from './config/config.js';
import { DeviceRegistry } from './devices/registry.js';
import { startLiveDevices } from './devices/live-devices.js';
import { bearerToken, readApiKeys } from './api/api-keys.js';
import { registerAuthApi } from './api/auth-api.js';
import { registerHomeApi } from './api/home-api.js';
import { registerMqttApi } from './api/mqtt-api.js';
import { checkRate, MemoryRateStore, redisRateStore, type RateStore } from './api/rate-limit.js';
import { registerSatellitesApi } from './api/satellites-api.js';
import { EnrollmentCodes } from './auth/enrollment.js';
import { registerHttpHygiene } from './api/http-hygiene.js';
import { requestAuthenticator } from './api/request-auth.js';
import { AuditLog } from './audit/audit-log.js';
import { AccessTokens } from './auth/access-tokens.js';
import { readAuthSecret } from './auth/auth-secret.js';
import { refuseWeakSecrets } from './config/production-secrets.js';
import { LoginLimiter } from './auth/login-limiter.js';
import { RefreshTokens } from './auth/refresh-tokens.js';
import { RateLimited, UserAuth } from './auth/user-auth.js';
import { UserStore } from './auth/users.js';
import { loadDataKey } from './auth/secret-box.js';
import { startSpeechServices } from './api/speech-services.js';
import { createEngines, wakeEngineFactory, type Engines } from './engines/registry.js';
import { AppError } from './errors.js';
import { WakeArbiter } from './gateway/arbiter.js';
import {
  CLOSE,
  SatelliteConnection,
  webSocketTransport,
  type ConnectionHooks,
} from './gateway/connection.js';
import { startMqttGateway } from './gateway/mqtt-gateway.js';
import { IntentMatcher, loadTemplates } from './intents/intents.js';
import { HubMetrics } from './metrics/metrics.js';
import { TOPIC_PREFIX } from '@jarvis/protocol';
import { firstIdentity, satelliteLogin } from './mqtt/acl.js';
import {
  configUsers,
  connectExternalBroker,
  startEmbeddedBroker,
  type MqttBus,
} from './mqtt/bus.js';
import { MqttCredentials } from './mqtt/credentials.js';
import { loadTls, localCa } from './tls/local-ca.js';
import { startSatelliteStates, withoutOwnEntities } from './mqtt/satellite-state.js';
import { startAnnouncements } from './announcements/announcements.js';
import { createOllamaLlm } from './engines/llm/ollama.js';
import { lazyMemory } from './memory/lazy.js';
import { Conversations } from './pipeline/conversation.js';
import { HubWake } from './pipeline/hub-wake.js';
import { announce } from './pipeline/speech-out.js';
import { TimerService } from './timers/timers.js';
import { startCluster } from './cluster/cluster.js';
import { VoiceSession, type SessionDeps } from './pipeline/session.js';
import { openDb, type Db } from './storage/db.js';
import { SatelliteStore } from './storage/satellites.js';
import { SessionStore } from './storage/sessions.js';
import { RecordSpool, spoolDir } from './storage/record-spool.js';
import { registerDashboard } from './api/dashboard-static.js';
import { deviceView, registerDevicesApi } from './api/devices-api.js';
import { registerEventsSocket } from './api/events-socket.js';
import { satelliteView, type LedState } from './api/satellite-view.js';
import { registerSessionsApi, sessionView } from './api/sessions-api.js';
import { registerSystemApi } from './api/system-api.js';
import { addressGroup } from './auth/login-limiter.js';
import { LiveEvents } from './live/live-events.js';
import { ReplyAudio } from './live/reply-audio.js';
import { tapSession } from './live/session-tap.js';
import type { SatelliteRecord } from './storage/satellites.js';

export interface HubOptions {
  readonly config: Readonly<HubConfig>;
  readonly log?: Logger;
  /** Engines to use instead of the configured ones. */
  readonly engines?: Engines;
  /** Where secrets (API keys) are read from; process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Shown the one-time setup token when no user exists yet (printed to stderr by default, the
   * only place it appears).
   */
  readonly onSetupToken?: (token: string) => void;
  /** How often open connections are checked against revocations made elsewhere (5 s). */
  readonly revocationCheckMs?: number;
  /** The built dashboard's folder (dashboard/dist by default). */
  readonly dashboardDir?: string;
}

export interface Hub {
  readonly config: Readonly<HubConfig>;
  readonly db: Db;
  readonly bus: MqttBus;
  readonly satellites: SatelliteStore;
  readonly sessions: SessionStore;
  readonly devices: DeviceRegistry;
  readonly metrics: HubMetrics;
  readonly timers: TimerService;
  /** What the dashboard's live feed carries. */
  readonly live: LiveEvents;
  /** Resolves with each session's stored record; for tests and the demo's timeline. */
  onSessionEnd(listener: (record: Awaited<VoiceSession['done']>) => void): void;
  /** http://host:port once listening. */
  url(): string;
  /** The Wyoming server's port, when one is configured. */
  readonly wyomingPort: number | undefined;
  close(): Promise<void>;
}

/** Builds and starts the hub: storage, MQTT, engines, gateway and HTTP API. */
export async function startHub(options: HubOptions): Promise<Hub> {
  const { config } = options;
  const log =
    options.log ?? pino({ level: config.logLevel, redact: ['req.headers.authorization'] });
  // Before anything starts: a bad keys file stops the hub with nothing to clean up.
  const env = options.env ?? process.env;
  refuseWeakSecrets(config, env);
  const homeApiKeys = await readApiKeys(env['JARVIS_API_KEYS'], config.api.keysFile, 'home API');
  const authSecret = await readAuthSecret({ file: config.auth.secretFile, env, log });
  const dataKey = await loadDataKey({ env, dataDir: config.dataDir });
  const tls = config.tls.certFile
    ? await loadTls(config.tls.certFile, config.tls.keyFile ?? '')
    : config.tls.generate
      ? await localCa(config.tls.dir, config.tls.hostnames)
      : undefined;
  if (tls)
    log.info(
      { fingerprint: tls.fingerprint },
      tls.ca ? 'TLS on: satellites trust the local CA with this SHA-256 fingerprint' : 'TLS on',
    );
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const satellites = new SatelliteStore(db);
  const verifier = new SatelliteTokenVerifier({
    audience: config.hubId,
    lookup: (id) => satellites.get(id),
  });
  const mqttCredentials = new MqttCredentials(db);
  // One brake setting, three counts: logins, MQTT logins, enrollment-code guesses.
  const newLoginLimiter = () =>
    new LoginLimiter({
      maxPerUser: config.auth.loginMaxFailures,
      maxPerIp: config.auth.loginMaxFailuresPerIp,
      maxPerUserAnyIp: config.auth.loginMaxFailuresAnyIp,
      windowMs: config.auth.loginWindowS * 1000,
    });
  const bus = config.mqtt.url
    ? await connectExternalBroker({
        url: config.mqtt.url,
        username: config.mqtt.username ?? '',
        password: config.mqtt.password ?? '',
        clientId: `${config.hubId}-${randomUUID().slice(0, 8)}`,
        log,
      })
    : await startEmbeddedBroker({
        host: config.mqtt.host,
        port: config.mqtt.port,
        ...(tls ? { tls: { key: tls.key, cert: tls.cert } } : {}),
        identify: firstIdentity(
          configUsers(config.mqtt.users),
          satelliteLogin((token) => verifier.verify(token), TOPIC_PREFIX),
          (username, password) => mqttCredentials.identify(username, password),
        ),
        brake: newLoginLimiter(),
        log,
      });
  const devices = new DeviceRegistry(config.devices);
  // Set once the live feed exists; retained states arrive before that and are only recorded.
  let onDeviceState: (id: string) => void = () => undefined;
  for (const d of config.devices) {
    if (d.stateTopic)
      await bus.subscribe(d.stateTopic, (topic, payload) => {
        const device = devices.recordState(topic, payload.toString());
        if (device) onDeviceState(device.id);
      });
  }
  const matcher = new IntentMatcher(
    devices,
    loadTemplates(config.language, config.intents.templatesDir),
  );
  const metrics = new HubMetrics();
  const engines =
    options.engines ?? (await createEngines(config, matcher.grammar(), log, metrics, options.env));
  if (options.engines) engines.stt.setGrammar(matcher.grammar());
  // Devices announced with Home Assistant MQTT discovery join the configured ones as they come.
  const liveDevices = config.discovery.enabled
    ? await startLiveDevices({
        bus: withoutOwnEntities(bus, config.discovery.prefix),
        log,
        registry: devices,
        prefix: config.discovery.prefix,
        areas: config.discovery.areas,
        onDevicesChanged: () => {
          matcher.rebuild();
          engines.stt.setGrammar(matcher.grammar());
        },
      })
    : undefined;
  // Rooms with a satellite join the device rooms voice commands can name ("tell the nursery …");
  // one the recogniser cannot say is left out, and the grammar stays what it was.
  const satelliteRooms = new Set<string>();
  const useRooms = (rooms: Iterable<string>): void => {
    matcher.setSatelliteRooms([...rooms]);
    matcher.rebuild();
    engines.stt.setGrammar(matcher.grammar());
  };
  const learnRooms = (rooms: readonly string[]): void => {
    const fresh = [...new Set(rooms)].filter((r) => !satelliteRooms.has(r));
    if (fresh.length === 0) return;
    try {
      useRooms([...satelliteRooms, ...fresh]);
      for (const r of fresh) satelliteRooms.add(r);
      return;
    } catch {
      // One of them is unsayable: find which, one at a time.
    }
    for (const room of fresh) {
      try {
        useRooms([...satelliteRooms, room]);
        satelliteRooms.add(room);
      } catch (err) {
        log.warn(
          { room, err: (err as Error).message },
          'room left out: the recogniser cannot say it',
        );
      }
    }
    try {
      useRooms(satelliteRooms);
    } catch (err) {
      log.error({ err: (err as Error).message }, 'the recogniser refused its grammar');
    }
  };
  learnRooms((await satellites.list()).filter((s) => s.revokedAt === null).map((s) => s.room));
  const sessions = new SessionStore(db);
  // Records the database refuses (an outage) are written behind, kept on disk across a crash.
  const spool = new RecordSpool({
    save: (r) => sessions.save(r),
    dir: spoolDir(config),
    maxPending: config.storage.maxPendingRecords,
    log: log.child({ component: 'record-spool' }),
    onPending: (n) => metrics.recordsPending.set(n),
    onDropped: (n) => metrics.recordsDropped.inc(n),
  });
  await spool.start();
  const startedAt = Date.now();
  const live = new LiveEvents(log.child({ component: 'live' }));
  const replies = new ReplyAudio();
  const phases = new Map<string, LedState>();
  const listeners: ((r: Awaited<VoiceSession['done']>) => void)[] = [];

  const online = new Map<string, SatelliteConnection>();
  // Satellites' state for Home Assistant, and announcements asked for over MQTT.
  const satelliteStates = await startSatelliteStates({ bus, log, prefix: config.discovery.prefix });
  const viewOf = (s: SatelliteRecord) =>
    satelliteView(s, {
      conn: online.get(s.id),
      state: satelliteStates.state(s.id),
      phase: phases.get(s.id),
    });
  const publishSatellite = (s: SatelliteRecord) =>
    live.publish({ type: 'satellite', satellite: viewOf(s) });
  satelliteStates.onChange = (id) => {
    const conn = online.get(id);
    if (conn) publishSatellite(conn.satellite);
    else
      void satellites.get(id).then(
        (s) => s && publishSatellite(s),
        () => undefined,
      );
  };
  // Replicas of one hub share presence, live events, announcements and timer rings (issue 9).
  const cluster = config.cluster.redisUrl
    ? await startCluster({
        redisUrl: config.cluster.redisUrl,
        hubId: config.hubId,
        log,
        live,
        online: () => online,
        tts: engines.tts,
        onRemoteRooms: learnRooms,
        republishSatellite: (id) => {
          const conn = online.get(id);
          if (conn) publishSatellite(conn.satellite);
        },
      })
    : undefined;
  const announcer = await startAnnouncements({
    bus,
    tts: engines.tts,
    log,
    online: () => online.values(),
    remote: cluster,
  });
  const timers = new TimerService(
    db,
    async (timer, text) => {
      const conn = online.get(timer.satelliteId);
      if (!conn) return (await cluster?.ringElsewhere(timer, text)) ?? false;
      const ctx = { signal: new AbortController().signal, log, sessionId: `timer-${timer.id}` };
      await announce(conn, engines.tts, { reason: 'timer', text, chime: true }, ctx);
      return true;
    },
    log.child({ component: 'timers' }),
    Date.now,
    config.language,
  );

  const memory = config.memory.enabled
    ? lazyMemory({ config: config.memory, hubDataDir: config.dataDir, env: options.env })
    : undefined;
  const llm =
    config.llm.engine === 'ollama'
      ? createOllamaLlm({
          baseUrl: config.llm.url ?? '',
          model: config.llm.model ?? '',
          timeoutMs: config.llm.timeoutMs,
        })
      : undefined;
  const conversations = llm
    ? new Conversations({
        llm,
        devices,
        log: log.child({ component: 'llm' }),
        budgetMs: config.llm.budgetMs,
        contextMs: config.llm.contextMs,
        language: config.language,
        onFailure: (code) => metrics.engineFailure('llm', llm.id, code),
        recentExchanges: async (satelliteId, sinceMs) =>
          (await sessions.listForSatellite(satelliteId, 6))
            .filter((r) => r.outcome === 'ok' && r.startedAt.getTime() >= sinceMs)
            .flatMap((r) =>
              r.transcript && r.reply ? [{ user: r.transcript, assistant: r.reply }] : [],
            )
            .reverse(),
      })
    : undefined;

  const audit = new AuditLog(db, log.child({ component: 'audit' }));
  const sessionDeps: SessionDeps = {
    lastReplies: new Map(),
    volumes: new Map(),
    memory,
    conversations,
    ...engines,
    matcher,
    devices,
    bus,
    metrics,
    log,
    noSpeechTimeoutMs: config.session.noSpeechTimeoutMs,
    maxUtteranceMs: config.session.maxUtteranceMs,
    followUpMs: config.session.followUpMs,
    questions: new Map(),
    endpointing: config.vad,
    timers,
    announcer,
    timeZone: config.timeZone,
    audit,
  };
  const active = new Map<string, VoiceSession>();
  const sessionOf = (conn: SatelliteConnection): VoiceSession | undefined =>
    conn.sessionId ? active.get(conn.sessionId) : undefined;

  const arbiter = new WakeArbiter<SatelliteConnection>(config.session.arbitrationWindowMs);
  /**
   * Opens a session on `conn` for a wake-up heard by the satellite or by the hub, unless a
   * satellite that heard the same words better already answers; a better one stands the
   * earlier winner down.
   */
  const openSession = (
    conn: SatelliteConnection,
    wake: {
      name: string;
      score: number;
      energyDb?: number | undefined;
      heardAt?: number;
      followUp?: boolean;
    },
  ): VoiceSession | undefined => {
    if (sessionOf(conn)) {
      conn.sendError('session-busy', 'a session is already open on this satellite', true);
      return undefined;
    }
    // An answer to a question is this satellite's alone: no other heard a wake word.
    if (!wake.followUp) {
      const verdict = arbiter.claim({ satelliteId: conn.satellite.id, ...wake }, conn);
      if (!verdict.won) {
        conn.send({ type: 'stand-down', reason: 'another-satellite' });
        metrics.standDowns.inc();
        return undefined;
      }
      const displaced = verdict.displaced;
      if (displaced && displaced !== conn) {
        const beaten = sessionOf(displaced);
        displaced.send({
          type: 'stand-down',
          reason: 'another-satellite',
          ...(beaten ? { sessionId: beaten.id } : {}),
        });
        beaten?.cancel('another satellite heard it better', 'stood-down');
        displaced.sessionId = undefined;
        metrics.standDowns.inc();
      }
    }
    const id = randomUUID();
    const session = new VoiceSession(sessionDeps, {
      id,
      satellite: conn.satellite,
      wake: { name: wake.name, score: wake.score },
      followUp: wake.followUp === true,
      io: tapSession(satelliteStates.observe(conn), id, live, replies, (phase) => {
        phases.set(conn.satellite.id, phase);
        publishSatellite(conn.satellite);
      }),
    });
    live.publish({
      type: 'session-start',
      sessionId: id,
      satelliteId: conn.satellite.id,
      at: new Date().toISOString(),
      wake: { name: wake.name, score: wake.score },
    });
    conn.sessionId = session.id;
    active.set(session.id, session);
    metrics.wakeups.inc({ satellite: conn.satellite.id });
    void session.done.then(async (record) => {
      active.delete(session.id);
      if (conn.sessionId === session.id) conn.sessionId = undefined;
      await spool.save(record); // never throws: kept for later when storage fails
      for (const l of listeners) l(record);
      live.publish({ type: 'session-end', session: sessionView(record, replies) });
    });
    return session;
  };
  const hubWake = new HubWake({ createEngine: wakeEngineFactory(config), log });

  const hooks: ConnectionHooks = {
    hubId: config.hubId,
    log,
    metrics,
    onReady(conn) {
      const previous = online.get(conn.satellite.id);
      online.set(conn.satellite.id, conn);
      // A satellite that reconnects replaces its stale connection.
      if (previous && previous !== conn)
        previous.close(CLOSE.replaced, 'replaced by a newer connection');
      metrics.satellitesOnline.set(online.size);
      learnRooms([conn.satellite.room]);
      phases.set(conn.satellite.id, 'idle');
      satelliteStates.online(conn);
      cluster?.satelliteReady(conn);
      void satellites.touch(conn.satellite.id).catch(() => undefined);
      // The database may be down: ringing what ended waits for the next connection then.
      timers.satelliteOnline(conn.satellite.id).catch((err: unknown) => {
        log.warn({ err: (err as Error).message }, 'missed timers not checked');
      });
    },
    onWake(conn, wake) {
      openSession(conn, wake);
    },
    onAudioStart(conn, preRollMs) {
      const session = sessionOf(conn);
      if (session) session.startAudio(preRollMs);
      else if (conn.wakeOnHub) {
        metrics.hubWakeSegments.inc({ satellite: conn.satellite.id });
        hubWake.startSegment(conn.connectionId, (w) => {
          const heard = w.audio.filter((c) => c.timestampMs >= w.detection.timestampMs - 1000);
          const opened = openSession(conn, {
            name: w.detection.name,
            score: w.detection.score,
            energyDb: rmsDb(heard.map((c) => c.pcm)),
          });
          opened?.startAudio(w.preRollMs);
          for (const chunk of w.audio) opened?.pushAudio(chunk);
        });
      }
    },
    onAudio(conn, chunk) {
      const session = sessionOf(conn);
      if (session) session.pushAudio(chunk);
      else hubWake.push(conn.connectionId, chunk);
    },
    onAudioStop(conn) {
      const session = sessionOf(conn);
      if (session) session.endAudio();
      else hubWake.endSegment(conn.connectionId);
    },
    onAudioGap(conn, frames) {
      sessionOf(conn)?.countLostFrames(frames);
    },
    onCancel(conn) {
      sessionOf(conn)?.cancel('satellite asked');
      // Detached at once: a barge-in's wake-up follows right behind the cancel.
      conn.sessionId = undefined;
    },
    onClose(conn) {
      if (online.get(conn.satellite.id) === conn) online.delete(conn.satellite.id);
      void satellites.touch(conn.satellite.id).catch(() => undefined);
      satelliteStates.offline(conn);
      cluster?.satelliteGone(conn);
      metrics.satellitesOnline.set(online.size);
      sessionOf(conn)?.cancel('satellite disconnected');
      void hubWake.forget(conn.connectionId);
    },
  };
  // Satellites on the broker: the same connections and hooks as the WebSocket route's.
  const mqttGateway = await startMqttGateway({
    bus,
    hooks,
    lookup: (id) => satellites.get(id),
    log: log.child({ component: 'mqtt-gateway' }),
    onRefused: (_id, code) => metrics.error('gateway', code),
  });

  const app = Fastify({
    // HTTPS serves the same requests and responses: one server type for the routes' typings.
    ...(tls
      ? {
          serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
            createHttpsServer({ key: tls.key, cert: tls.cert }, handler) as unknown as Server,
        }
      : {}),
    loggerInstance: log.child({ component: 'http' }),
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
    bodyLimit: MAX_JSON_BYTES,
    // A field the schema does not know is an error to report, not something to drop quietly.
    ajv: { customOptions: { removeAdditional: false } },
  });
  await app.register(websocket, {
    options: { maxPayload: Math.max(MAX_AUDIO_FRAME_BYTES, MAX_JSON_BYTES) },
  });

  registerHttpHygiene(app, { corsOrigins: config.corsOrigins });
  // Past a rate limit: say when to come back (RFC 6585 §4).
  const rates: RateStore = config.rateLimit.redisUrl
    ? await redisRateStore(config.rateLimit.redisUrl, log.child({ component: 'rate-limit' }))
    : new MemoryRateStore();
  metrics.watchDependencies({
    database: () =>
      db.ping().then(
        () => true,
        () => false,
      ),
    mqtt: () => Promise.resolve(bus.connected()),
    ...(rates.connected ? { redis: () => Promise.resolve(rates.connected?.() ?? false) } : {}),
    ...(cluster ? { cluster: () => Promise.resolve(cluster.connected()) } : {}),
  });
  // By the matched route, not the raw URL ("/%761/…" routes to /v1/…); unknown paths count too.
  const unlimited = new Set(['/health', '/ready', '/metrics']);
  app.addHook('onRequest', async (req) => {
    if (!unlimited.has(req.routeOptions.url ?? ''))
      await checkRate(rates, `ip:${addressGroup(req.ip)}`, config.rateLimit.perIpPerMinute);
  });
  app.setErrorHandler((err, req, reply) => {
    if (err instanceof RateLimited) void reply.header('retry-after', String(err.retryAfterS));
    const status =
      err instanceof AppError
        ? err.httpStatus
        : ((err as { statusCode?: number }).statusCode ?? 500);
    // The client gets no internals; the log keeps them (Fastify's own handler would have).
    if (status >= 500)
      log.error({ err, url: req.routeOptions.url, reqId: req.id }, 'request failed');
    if (err instanceof AppError) return reply.status(err.httpStatus).send(err.toWire());
    return reply.status(status).send({
      code: status < 500 ? 'bad-request' : 'internal',
      message: status < 500 ? (err as Error).message : 'internal error',
      retryable: status >= 500,
    });
  });

  app.get('/health', () => ({ status: 'ok' }));
  // The local CA for provisioning: public, and checked against the fingerprint the hub logs.
  if (tls?.ca) {
    const caPem = tls.ca;
    app.get('/v1/tls/ca', (_req, reply) => reply.type('application/x-pem-file').send(caPem));
  }
  app.get('/ready', async (_req, reply) => {
    const checks: Record<string, string> = {};
    await db.ping().then(
      () => (checks['database'] = 'ok'),
      () => (checks['database'] = 'unreachable'),
    );
    checks['mqtt'] = bus.connected() ? 'ok' : 'disconnected';
    const ready = Object.values(checks).every((v) => v === 'ok');
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', checks });
  });
  app.get('/metrics', async (_req, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.get(
    '/v1/satellite',
    {
      websocket: true,
      // Authenticate before the upgrade, so a refused satellite gets an HTTP status and a reason.
      preValidation: async (req, reply) => {
        const token = bearerToken(req.headers.authorization);
        try {
          (req as { satellite?: unknown }).satellite = await verifier.verify(token);
        } catch (err) {
          const e =
            err instanceof AppError ? err : new AppError('auth-invalid', 'authentication failed');
          log.warn({ code: e.code, reason: e.message, ip: req.ip }, 'satellite connection refused');
          metrics.error('gateway', e.code);
          return reply.status(e.httpStatus).send(e.toWire());
        }
      },
    },
    (socket, req) => {
      const satellite = (
        req as unknown as { satellite: Awaited<ReturnType<SatelliteTokenVerifier['verify']>> }
      ).satellite;
      new SatelliteConnection(satellite, webSocketTransport(socket, log), hooks);
    },
  );

  const speech = await startSpeechServices({ app, config, engines, log, env: options.env });
  const userAuth = new UserAuth({
    users: new UserStore(db, dataKey),
    refresh: new RefreshTokens(
      db,
      config.auth.refreshTtlDays * 86_400_000,
      config.auth.sessionMaxDays * 86_400_000,
    ),
    access: new AccessTokens(authSecret, config.hubId, config.auth.accessTtlS),
    audit,
    limiter: newLoginLimiter(),
    log: log.child({ component: 'auth' }),
  });
  const authenticate = requestAuthenticator({
    userAuth,
    apiKeys: homeApiKeys,
    log,
    limitUser: (id) => checkRate(rates, `user:${id}`, config.rateLimit.perUserPerMinute),
  });
  await registerAuthApi(app, { userAuth, audit, authenticate });
  await registerMqttApi(app, {
    credentials: mqttCredentials,
    bus,
    audit,
    authenticate,
    reserved: config.mqtt.users.map((u) => u.username),
  });
  await registerSatellitesApi(app, {
    codes: new EnrollmentCodes(db, satellites),
    satellites,
    verifier,
    audit,
    authenticate,
    limiter: newLoginLimiter(),
    hubId: config.hubId,
    view: viewOf,
    changed: (s) => {
      const conn = online.get(s.id);
      if (conn) conn.satellite = s;
      learnRooms([s.room]);
      publishSatellite(s);
    },
    control: (id, change) => {
      if (change.volume !== undefined) sessionDeps.volumes?.set(id, change.volume);
      return satelliteStates.control(id, change);
    },
    disconnect: (id, reason) => {
      online.get(id)?.close(CLOSE.revoked, reason);
      bus.disconnectIdentity?.(`satellite:${id}`);
    },
  });
  await registerHomeApi(app, {
    authenticate,
    timers,
    announcer,
    log,
  });
  const discoveredState = liveDevices
    ? (id: string) => liveDevices.discovered.state(id)
    : undefined;
  await registerDevicesApi(app, {
    authenticate,
    registry: devices,
    discovered: discoveredState,
    bus,
    audit,
  });
  await registerSessionsApi(app, { authenticate, sessions, replies });
  await registerSystemApi(app, {
    authenticate,
    config,
    engines,
    bus,
    db,
    sessions,
    version: await hubVersion(),
    startedAt,
  });
  registerEventsSocket(app, { userAuth, live });
  await registerDashboard(app, { dir: options.dashboardDir, log });
  // Device states and timers reach the live feed as they change.
  const publishDevice = (id: string) => {
    const d = devices.find(id);
    if (d) live.publish({ type: 'device', device: deviceView(d, devices, discoveredState) });
  };
  onDeviceState = publishDevice;
  liveDevices?.discovered.on('change', (change) => {
    if (change.type === 'state') publishDevice(change.id);
  });
  timers.onChange = () => live.publish({ type: 'timers' });
  await app.listen({ host: config.host, port: config.port });
  await timers.start(cluster ? 30_000 : undefined);
  // A revocation made outside this process (`jarvis-hub revoke`, another replica) reaches the
  // satellite's open connection within one check; the API's own revocations are immediate.
  const revocationCheck = setInterval(() => {
    void (async () => {
      // One read for all: a query per online satellite held the event loop (PGlite runs on it)
      // for ~100-200 ms every check with 200 satellites, delaying every audio frame behind it.
      const records = online.size === 0 ? [] : await satellites.list().catch(() => []);
      for (const record of records) {
        const conn = record.revokedAt ? online.get(record.id) : undefined;
        if (conn) {
          conn.close(CLOSE.revoked, 'revoked');
          bus.disconnectIdentity?.(`satellite:${record.id}`);
        }
      }
      // Clients on the broker alone (a satellite or a device on MQTT only).
      for (const name of bus.connectedIdentities?.() ?? []) {
        const [kind, id = ''] = name.split(/:(.*)/s);
        const revoked =
          kind === 'satellite'
            ? (await satellites.get(id).catch(() => undefined))?.revokedAt
            : kind === 'device' && !(await mqttCredentials.isLive(id).catch(() => true));
        if (revoked) bus.disconnectIdentity?.(name);
      }
    })();
  }, options.revocationCheckMs ?? 5000);
  revocationCheck.unref();
  await userAuth.prepareSetup(
    options.onSetupToken ??
      ((token) =>
        process.stderr.write(
          `\nNo user yet. Create the first admin within this run with the one-time setup token:\n  ${token}\n(POST /v1/setup {"token", "username", "password"})\n\n`,
        )),
  );

  return {
    config,
    db,
    bus,
    satellites,
    sessions,
    devices,
    metrics,
    live,
    onSessionEnd: (l) => listeners.push(l),
    wyomingPort: speech.wyomingPort,
    url() {
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.port;
      return `${tls ? 'https' : 'http'}://${config.host}:${port}`;
    },
    timers,
    async close() {
      clearInterval(revocationCheck);
      timers.close();
      announcer.close();
      await cluster?.close();
      await liveDevices?.stop(); // before the engines close
      for (const s of active.values()) s.cancel('hub shutting down');
      await Promise.allSettled([...active.values()].map((s) => s.done));
      await speech.close();
      await hubWake.close();
      await memory?.close();
      await llm?.close();
      mqttGateway.close();
      await app.close();
      await rates.close();
      await Promise.allSettled([engines.stt.close(), engines.tts.close(), engines.vad.close()]);
      await satelliteStates.close();
      await bus.close();
      await spool.close();
      await db.close();
    },
  };
}

async function hubVersion(): Promise<string> {
  try {
    const text = await readFile(new URL('../package.json', import.meta.url), 'utf8');
    return (JSON.parse(text) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
