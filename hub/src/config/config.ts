import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { AppError } from '../errors.js';

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

const MqttUserSchema = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 12, maxLength: 256 }),
  },
  { additionalProperties: false },
);

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
        silenceMs: Type.Integer({ minimum: 100, maximum: 3000, default: 400 }),
        threshold: Type.Number({ minimum: 0.05, maximum: 0.95, default: 0.5 }),
      },
      { default: {}, additionalProperties: false },
    ),
    tts: Type.Object(
      { voice: Type.String({ minLength: 1, maxLength: 32, default: 'en-us' }) },
      { default: {}, additionalProperties: false },
    ),
    session: Type.Object(
      {
        /** End the session if no speech starts within this time after the wake word. */
        noSpeechTimeoutMs: Type.Integer({ minimum: 500, maximum: 30000, default: 5000 }),
        /** Cut an utterance that never ends (noise, a TV). */
        maxUtteranceMs: Type.Integer({ minimum: 1000, maximum: 60000, default: 12000 }),
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
