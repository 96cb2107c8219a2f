import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { AppError } from '../errors.js';
import { isTopicFilter } from '../mqtt/acl.js';

const DeviceSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }),
    name: Type.String({ minLength: 1, maxLength: 64 }),
    room: Type.String({ minLength: 1, maxLength: 64 }),
    commandTopic: Type.String({ minLength: 1, maxLength: 256, pattern: '^[^#+]+$' }),
    stateTopic: Type.Optional(Type.String({ minLength: 1, maxLength: 256, pattern: '^[^#+]+$' })),
  },
  { additionalProperties: false },
);

const TopicFilters = Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 64 });
const MqttUserSchema = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 12, maxLength: 256 }),
    /** Topic filters it may publish to / subscribe within; the whole broker when absent. */
    publish: Type.Optional(TopicFilters),
    subscribe: Type.Optional(TopicFilters),
  },
  { additionalProperties: false },
);

const REMOTE_ENGINES = [Type.Literal('wyoming'), Type.Literal('openai')];

/** Settings every remote speech engine shares. */
const REMOTE_FIELDS = {
  /** tcp://host:port for Wyoming, http(s)://host:port for OpenAI-compatible servers. */
  url: Type.Optional(Type.String({ pattern: '^(tcp|https?)://' })),
  /** Model name an OpenAI-compatible server expects (e.g. "Systran/faster-whisper-small"). */
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  /** File holding the remote server's API key (or env JARVIS_STT_API_KEY / JARVIS_TTS_API_KEY). */
  apiKeyFile: Type.Optional(Type.String({ minLength: 1 })),
  /** Hand the work to the embedded engine when the remote one fails. */
  fallback: Type.Boolean({ default: true }),
  /** STT: from the end of speech to the transcript; TTS: the longest wait for audio. */
  timeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 5000 }),
  /** Retries of a retryable failure before falling back. */
  retries: Type.Integer({ minimum: 0, maximum: 5, default: 1 }),
};

export const ConfigSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8765 }),
    /** This hub's id: the `aud` satellites put in their tokens. */
    hubId: Type.String({ minLength: 1, maxLength: 64, default: 'jarvis-hub' }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
    /** PGlite data folder (`memory://` for none); ignored when databaseUrl is set. */
    dataDir: Type.String({ minLength: 1, default: '.data/db' }),
    databaseUrl: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    /** Language the hub understands and answers in (its intent templates and replies). */
    language: Type.Union([Type.Literal('en'), Type.Literal('fr')], { default: 'en' }),
    intents: Type.Object(
      {
        /** Folder of the user's own template files (`*.yaml`), added to the built-in ones. */
        templatesDir: Type.Optional(Type.String({ minLength: 1 })),
      },
      { default: {}, additionalProperties: false },
    ),
    mqtt: Type.Object(
      {
        /** External broker URL; the embedded broker runs when absent. */
        url: Type.Optional(Type.String({ pattern: '^mqtts?://' })),
        /** Credentials the hub uses on an external broker. */
        username: Type.Optional(Type.String({ minLength: 1 })),
        password: Type.Optional(Type.String({ minLength: 1 })),
        /** Embedded broker listener; port 0 picks a free one. */
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 1883 }),
        /** Who may connect to the embedded broker. Nobody when empty: no default passwords. */
        users: Type.Array(MqttUserSchema, { default: [], maxItems: 256 }),
      },
      { default: {}, additionalProperties: false },
    ),
    devices: Type.Array(DeviceSchema, { default: [], maxItems: 1000 }),
    vad: Type.Object(
      {
        /** Silence that ends an utterance which is not (yet) a complete command. */
        silenceMs: Type.Integer({ minimum: 100, maximum: 3000, default: 700 }),
        /** Silence that ends an utterance whose partial transcript is already a whole command. */
        commandSilenceMs: Type.Integer({ minimum: 100, maximum: 3000, default: 250 }),
        /** Off: every utterance waits silenceMs (fixed endpointing, for comparison). */
        adaptive: Type.Boolean({ default: true }),
        threshold: Type.Number({ minimum: 0.05, maximum: 0.95, default: 0.5 }),
      },
      { default: {}, additionalProperties: false },
    ),
    stt: Type.Object(
      {
        engine: Type.Union([Type.Literal('pocketsphinx'), ...REMOTE_ENGINES], {
          default: 'pocketsphinx',
        }),
        ...REMOTE_FIELDS,
        /** Language hint for a remote engine, e.g. "en". */
        language: Type.Optional(Type.String({ minLength: 2, maxLength: 16 })),
      },
      { default: {}, additionalProperties: false },
    ),
    tts: Type.Object(
      {
        engine: Type.Union([Type.Literal('espeak'), ...REMOTE_ENGINES], { default: 'espeak' }),
        /** The embedded espeak-ng voice. */
        voice: Type.String({ minLength: 1, maxLength: 32, default: 'en-us' }),
        ...REMOTE_FIELDS,
        /** The remote engine's voice, e.g. a Piper voice name. */
        remoteVoice: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
      },
      { default: {}, additionalProperties: false },
    ),
    /** Wake word detection on the hub, for satellites that say `wakeOnHub` in their hello. */
    wake: Type.Object(
      {
        engine: Type.Union([Type.Literal('openwakeword'), Type.Literal('wyoming')], {
          default: 'openwakeword',
        }),
        /** Score that counts as a detection (openWakeWord; 0.3 from `npm run eval:wake`). */
        threshold: Type.Number({ minimum: 0.05, maximum: 0.99, default: 0.3 }),
        /** tcp://host:port of a Wyoming wake word service (engine "wyoming"). */
        url: Type.Optional(Type.String({ pattern: '^tcp://' })),
      },
      { default: {}, additionalProperties: false },
    ),
    /** The language model for requests no intent template understands. */
    llm: Type.Object(
      {
        engine: Type.Union([Type.Literal('none'), Type.Literal('ollama')], { default: 'none' }),
        /** Ollama's base URL, e.g. http://gpu-node:11434. */
        url: Type.Optional(Type.String({ pattern: '^https?://' })),
        model: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
        /** Longest wait for the first token and between tokens. */
        timeoutMs: Type.Integer({ minimum: 500, maximum: 120_000, default: 15_000 }),
        /** Hard budget for a whole answer, tool calls included; past it the user hears an apology. */
        budgetMs: Type.Integer({ minimum: 1000, maximum: 120_000, default: 10_000 }),
        /** A follow-up within this time continues the conversation ("and the bedroom?"). */
        contextMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 120_000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    /** "Remember that …" / "where is …": semantic memory. */
    memory: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        /** Sentence vectors: the embedded Universal Sentence Encoder, or an Ollama server's. */
        embeddings: Type.Object(
          {
            engine: Type.Union([Type.Literal('use'), Type.Literal('ollama')], { default: 'use' }),
            url: Type.Optional(Type.String({ pattern: '^https?://' })),
            /** An embedding model the server has pulled, e.g. nomic-embed-text. */
            model: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            /** Its vector length (nomic-embed-text: 768). */
            dimensions: Type.Optional(Type.Integer({ minimum: 1, maximum: 8192 })),
          },
          { default: {}, additionalProperties: false },
        ),
        /** Where vectors live: pgvector in the hub's own PGlite, or a Qdrant server. */
        store: Type.Object(
          {
            engine: Type.Union([Type.Literal('pgvector'), Type.Literal('qdrant')], {
              default: 'pgvector',
            }),
            /** Qdrant's URL with its port, e.g. http://qdrant:6333 (API key: env JARVIS_QDRANT_API_KEY). */
            url: Type.Optional(Type.String({ pattern: '^https?://' })),
            collection: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', default: 'jarvis_memory' }),
          },
          { default: {}, additionalProperties: false },
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    /** Devices announced over MQTT with Home Assistant discovery, besides the config file's. */
    discovery: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        prefix: Type.String({ minLength: 1, maxLength: 64, default: 'homeassistant' }),
        /** Room for a discovered device, by its id or device name (else its suggested area). */
        areas: Type.Record(Type.String(), Type.String({ minLength: 1, maxLength: 64 }), {
          default: {},
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    /** The hub's own STT and TTS served over Wyoming (for Home Assistant); off without a port. */
    wyoming: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
      },
      { default: {}, additionalProperties: false },
    ),
    /** The hub's own STT and TTS as OpenAI-compatible HTTP endpoints; off without keys. */
    speechApi: Type.Object(
      {
        /** File holding the accepted API keys, one per line (or env JARVIS_SPEECH_API_KEYS). */
        keysFile: Type.Optional(Type.String({ minLength: 1 })),
      },
      { default: {}, additionalProperties: false },
    ),
    /** Users' logins: token lifetimes and the brute-force brake. */
    auth: Type.Object(
      {
        /** File holding the access-token signing secret (or env JARVIS_AUTH_SECRET), ≥ 32 characters. */
        secretFile: Type.Optional(Type.String({ minLength: 1 })),
        accessTtlS: Type.Integer({ minimum: 60, maximum: 3600, default: 600 }),
        refreshTtlDays: Type.Integer({ minimum: 1, maximum: 365, default: 30 }),
        /** A login's absolute lifetime, however often it is refreshed. */
        sessionMaxDays: Type.Integer({ minimum: 1, maximum: 730, default: 90 }),
        /**
         * Failed logins within loginWindowS before a pause: against one username from one
         * address, from one address, and against one username from anywhere.
         */
        loginMaxFailures: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
        loginMaxFailuresPerIp: Type.Integer({ minimum: 1, maximum: 10_000, default: 20 }),
        loginMaxFailuresAnyIp: Type.Integer({ minimum: 1, maximum: 10_000, default: 50 }),
        loginWindowS: Type.Integer({ minimum: 10, maximum: 86_400, default: 900 }),
      },
      { default: {}, additionalProperties: false },
    ),
    /** Requests per minute to /v1 routes; counted in Redis when a URL is given (replicas share). */
    rateLimit: Type.Object(
      {
        perIpPerMinute: Type.Integer({ minimum: 1, maximum: 100_000, default: 300 }),
        perUserPerMinute: Type.Integer({ minimum: 1, maximum: 100_000, default: 600 }),
        redisUrl: Type.Optional(Type.String({ pattern: '^rediss?://' })),
      },
      { default: {}, additionalProperties: false },
    ),
    /**
     * Several hub replicas as one (same hubId, databaseUrl and an external mqtt.url): with a
     * Redis URL here (env JARVIS_CLUSTER_REDIS_URL; it may be the rateLimit.redisUrl one) they
     * share live events, announcements, timer rings and satellite presence over Redis pub/sub.
     * Without it each hub is on its own.
     */
    cluster: Type.Object(
      { redisUrl: Type.Optional(Type.String({ pattern: '^rediss?://' })) },
      { default: {}, additionalProperties: false },
    ),
    /** HTTPS/WSS (and MQTTS on the embedded broker): the user's certificate, or a local CA. */
    tls: Type.Object(
      {
        certFile: Type.Optional(Type.String({ minLength: 1 })),
        keyFile: Type.Optional(Type.String({ minLength: 1 })),
        /** Make (once) a local CA and a hub certificate in `dir` for `hostnames`. */
        generate: Type.Boolean({ default: false }),
        dir: Type.String({ minLength: 1, default: '.data/tls' }),
        hostnames: Type.Array(Type.String({ pattern: '^[A-Za-z0-9.:-]{1,253}$' }), {
          minItems: 1,
          maxItems: 20,
          default: ['localhost', '127.0.0.1'],
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    /**
     * Reverse proxies (addresses or CIDRs, e.g. the cluster's ingress) whose X-Forwarded-For is
     * believed for the client's address; none by default, so a client cannot pick its own.
     */
    trustProxy: Type.Array(
      Type.String({ pattern: '^[0-9a-fA-F:.]+(/[0-9]{1,3})?$', maxLength: 64 }),
      {
        default: [],
        maxItems: 50,
      },
    ),
    /** Browser origins allowed to call the API from another origin (CORS); none by default. */
    corsOrigins: Type.Array(Type.String({ pattern: '^https?://[^/\\s]+$', maxLength: 200 }), {
      default: [],
      maxItems: 50,
    }),
    /** Integration keys for the HTTP API (timers, announcements) besides users' tokens. */
    api: Type.Object(
      {
        /** File holding the accepted API keys, one per line (or env JARVIS_API_KEYS). */
        keysFile: Type.Optional(Type.String({ minLength: 1 })),
      },
      { default: {}, additionalProperties: false },
    ),
    /** Session records written behind while the database is down. */
    storage: Type.Object(
      {
        /**
         * Folder of the spool file that keeps those records across a crash; by default
         * `spool` beside dataDir, and memory only when dataDir is `memory://`.
         */
        spoolDir: Type.Optional(Type.String({ minLength: 1 })),
        /** Records kept at most; the oldest beyond it are dropped (and counted). */
        maxPendingRecords: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    session: Type.Object(
      {
        /** End the session if no speech starts within this time after the wake word. */
        noSpeechTimeoutMs: Type.Integer({ minimum: 500, maximum: 30000, default: 5000 }),
        /** Cut an utterance that never ends (noise, a TV). */
        maxUtteranceMs: Type.Integer({ minimum: 1000, maximum: 60000, default: 12000 }),
        /**
         * After a reply that asks a question, the satellite listens this long for the answer
         * without the wake word (0: never).
         */
        followUpMs: Type.Integer({ minimum: 0, maximum: 60000, default: 6000 }),
        /**
         * Satellites waking within this time of each other heard one utterance: only the one
         * that heard it best answers (0: every satellite answers).
         */
        arbitrationWindowMs: Type.Integer({ minimum: 0, maximum: 2000, default: 400 }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type HubConfig = Static<typeof ConfigSchema>;
const checker = TypeCompiler.Compile(ConfigSchema);

/** Environment variables the hub reads, each mapped onto a config path. */
const ENV: Record<string, { path: readonly string[]; number?: true }> = {
  JARVIS_HOST: { path: ['host'] },
  JARVIS_PORT: { path: ['port'], number: true },
  JARVIS_HUB_ID: { path: ['hubId'] },
  JARVIS_LOG_LEVEL: { path: ['logLevel'] },
  JARVIS_DATA_DIR: { path: ['dataDir'] },
  JARVIS_TIME_ZONE: { path: ['timeZone'] },
  DATABASE_URL: { path: ['databaseUrl'] },
  JARVIS_MQTT_URL: { path: ['mqtt', 'url'] },
  JARVIS_MQTT_USERNAME: { path: ['mqtt', 'username'] },
  JARVIS_MQTT_PASSWORD: { path: ['mqtt', 'password'] },
  JARVIS_MQTT_PORT: { path: ['mqtt', 'port'], number: true },
  JARVIS_STT_ENGINE: { path: ['stt', 'engine'] },
  JARVIS_STT_URL: { path: ['stt', 'url'] },
  JARVIS_STT_MODEL: { path: ['stt', 'model'] },
  JARVIS_TTS_ENGINE: { path: ['tts', 'engine'] },
  JARVIS_TTS_URL: { path: ['tts', 'url'] },
  JARVIS_TTS_MODEL: { path: ['tts', 'model'] },
  JARVIS_TTS_VOICE: { path: ['tts', 'remoteVoice'] },
  JARVIS_WYOMING_PORT: { path: ['wyoming', 'port'], number: true },
  JARVIS_LLM_ENGINE: { path: ['llm', 'engine'] },
  JARVIS_LLM_URL: { path: ['llm', 'url'] },
  JARVIS_LLM_MODEL: { path: ['llm', 'model'] },
  JARVIS_SPEECH_API_KEYS_FILE: { path: ['speechApi', 'keysFile'] },
  JARVIS_EMBEDDINGS_ENGINE: { path: ['memory', 'embeddings', 'engine'] },
  JARVIS_EMBEDDINGS_URL: { path: ['memory', 'embeddings', 'url'] },
  JARVIS_EMBEDDINGS_MODEL: { path: ['memory', 'embeddings', 'model'] },
  JARVIS_EMBEDDINGS_DIMENSIONS: { path: ['memory', 'embeddings', 'dimensions'], number: true },
  JARVIS_MEMORY_STORE: { path: ['memory', 'store', 'engine'] },
  JARVIS_QDRANT_URL: { path: ['memory', 'store', 'url'] },
  JARVIS_API_KEYS_FILE: { path: ['api', 'keysFile'] },
  JARVIS_AUTH_SECRET_FILE: { path: ['auth', 'secretFile'] },
  JARVIS_REDIS_URL: { path: ['rateLimit', 'redisUrl'] },
  JARVIS_CLUSTER_REDIS_URL: { path: ['cluster', 'redisUrl'] },
  JARVIS_TLS_CERT_FILE: { path: ['tls', 'certFile'] },
  JARVIS_TLS_KEY_FILE: { path: ['tls', 'keyFile'] },
  JARVIS_SPOOL_DIR: { path: ['storage', 'spoolDir'] },
};

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node = (node[key] = typeof next === 'object' && next !== null ? next : {}) as Record<
      string,
      unknown
    >;
  }
  node[path[path.length - 1]!] = value;
}

/**
 * Builds the config from an optional JSON file, then the environment, then explicit overrides;
 * validates it once, reporting every problem together, and freezes it.
 */
export async function loadConfig(
  options: {
    file?: string | undefined;
    env?: NodeJS.ProcessEnv;
    overrides?: Record<string, unknown>;
  } = {},
): Promise<Readonly<HubConfig>> {
  const env = options.env ?? process.env;
  const file = options.file ?? env['JARVIS_CONFIG'];
  let raw: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new AppError(
        'config-invalid',
        `cannot read config file ${file}: ${(err as Error).message}`,
      );
    }
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new AppError(
        'config-invalid',
        `config file ${file} is not valid JSON: ${(err as Error).message}`,
      );
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new AppError('config-invalid', `config file ${file} must hold a JSON object`);
    }
  }
  for (const [name, { path, number }] of Object.entries(ENV)) {
    const value = env[name];
    // A non-numeric port stays a string so validation names it.
    if (value !== undefined && value !== '')
      setPath(raw, path, number && /^\d+$/.test(value) ? Number(value) : value);
  }
  return parseConfig({ ...raw, ...options.overrides });
}

/** Validates a plain object as hub config; all problems in one AppError. */
export function parseConfig(raw: unknown): Readonly<HubConfig> {
  const withDefaults = Value.Default(ConfigSchema, structuredClone(raw ?? {}));
  const problems = [...checker.Errors(withDefaults)].map((e) => `${e.path || '/'}: ${e.message}`);
  const config = withDefaults as HubConfig;
  if (problems.length === 0) {
    const ids = new Set<string>();
    for (const d of config.devices) {
      if (ids.has(d.id)) problems.push(`/devices: duplicate device id "${d.id}"`);
      ids.add(d.id);
    }
    for (const kind of ['stt', 'tts'] as const) {
      const e = config[kind];
      if (e.engine !== 'wyoming' && e.engine !== 'openai') continue;
      const scheme = e.engine === 'wyoming' ? 'tcp://' : 'http(s)://';
      if (!e.url) problems.push(`/${kind}/url: the ${e.engine} engine needs a ${scheme} URL`);
      else if ((e.engine === 'wyoming') !== e.url.startsWith('tcp://'))
        problems.push(`/${kind}/url: the ${e.engine} engine needs a ${scheme} URL, not ${e.url}`);
      if (e.engine === 'openai' && !e.model)
        problems.push(`/${kind}/model: the openai engine needs a model name`);
    }
    if (config.llm.engine === 'ollama' && !(config.llm.url && config.llm.model))
      problems.push(
        '/llm: the ollama engine needs url and model (JARVIS_LLM_URL, JARVIS_LLM_MODEL)',
      );
    if ((config.tls.certFile === undefined) !== (config.tls.keyFile === undefined))
      problems.push('/tls: certFile and keyFile go together');
    if (config.tls.certFile && config.tls.generate)
      problems.push('/tls: either certFile/keyFile or generate, not both');
    const { embeddings, store } = config.memory;
    if (
      embeddings.engine === 'ollama' &&
      !(embeddings.url && embeddings.model && embeddings.dimensions)
    )
      problems.push(
        '/memory/embeddings: the ollama engine needs url, model and dimensions (JARVIS_EMBEDDINGS_URL, JARVIS_EMBEDDINGS_MODEL, JARVIS_EMBEDDINGS_DIMENSIONS)',
      );
    if (store.engine === 'qdrant' && !store.url)
      problems.push('/memory/store/url: the qdrant store needs a URL (JARVIS_QDRANT_URL)');
    if (config.wake.engine === 'wyoming' && !config.wake.url)
      problems.push('/wake/url: the wyoming wake engine needs a tcp:// URL');
    // The embedded recogniser's only acoustic model is US English.
    if (config.language !== 'en' && (config.stt.engine === 'pocketsphinx' || config.stt.fallback))
      problems.push(
        `/language: "${config.language}" needs a remote speech-to-text engine (stt.engine wyoming or openai) with stt.fallback false: pocketsphinx here only has an English model`,
      );
    if (config.vad.commandSilenceMs > config.vad.silenceMs)
      problems.push('/vad/commandSilenceMs: must not exceed /vad/silenceMs');
    for (const [i, u] of config.mqtt.users.entries())
      for (const f of [...(u.publish ?? []), ...(u.subscribe ?? [])])
        if (!isTopicFilter(f)) problems.push(`/mqtt/users/${i}: "${f}" is not a topic filter`);
    if (config.mqtt.url && !(config.mqtt.username && config.mqtt.password)) {
      problems.push(
        '/mqtt: an external broker needs username and password (JARVIS_MQTT_USERNAME/PASSWORD)',
      );
    }
  }
  if (problems.length > 0) {
    throw new AppError('config-invalid', `invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
