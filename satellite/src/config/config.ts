import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { PICOVOICE_ACCESS_KEY_ENV, PORCUPINE_KEYWORDS } from '../wake/porcupine.js';

const Input = Type.Union([
  Type.Object(
    { type: Type.Literal('alsa'), device: Type.Optional(Type.String({ minLength: 1 })) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('wav'),
      path: Type.String({ minLength: 1 }),
      realtime: Type.Boolean({ default: true }),
      /** Silence appended after the file, so the hub's VAD hears the speech end. */
      tailSilenceMs: Type.Integer({ minimum: 0, maximum: 10000, default: 1500 }),
      /**
       * After the file: 'end' stops the satellite; 'silence' keeps it online, hearing a quiet
       * room (a demo or test satellite that stays connected).
       */
      then: Type.Union([Type.Literal('end'), Type.Literal('silence')], { default: 'end' }),
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('stdin') }, { additionalProperties: false }),
]);

const Output = Type.Union([
  Type.Object(
    { type: Type.Literal('wav'), path: Type.String({ minLength: 1 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('aplay'), device: Type.Optional(Type.String({ minLength: 1 })) },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('speaker') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('null') }, { additionalProperties: false }),
]);

const Pin = Type.Integer({ minimum: 0, maximum: 1023 });
const Leds = Type.Union([
  Type.Object({ type: Type.Literal('log') }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('sysfs'),
      pins: Type.Object({ red: Pin, green: Pin, blue: Pin }, { additionalProperties: false }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('gpiod'),
      chip: Type.String({ default: 'gpiochip0' }),
      pins: Type.Object({ red: Pin, green: Pin, blue: Pin }, { additionalProperties: false }),
    },
    { additionalProperties: false },
  ),
]);

export const SatelliteConfigSchema = Type.Object(
  {
    hubUrl: Type.String({ pattern: '^(ws|wss|http|https)://' }),
    /** The hub's id, which the satellite's tokens name as audience. */
    hubId: Type.String({ minLength: 1, default: 'jarvis-hub' }),
    satelliteId: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }),
    privateKeyFile: Type.String({ minLength: 1 }),
    /** The hub's CA certificate (PEM), for a wss:// hub (or an mqtts:// broker) with its own local CA. */
    caFile: Type.Optional(Type.String({ minLength: 1 })),
    /** How to reach the hub: its WebSocket (`hubUrl`), or MQTT on the broker it listens on. */
    link: Type.Union([Type.Literal('websocket'), Type.Literal('mqtt')], { default: 'websocket' }),
    /** With `link: "mqtt"`: the broker. */
    mqtt: Type.Optional(
      Type.Object(
        {
          url: Type.String({ pattern: '^(mqtt|mqtts)://' }),
          /**
           * An external broker (Mosquitto) cannot check the satellite's signed tokens: the
           * password it was given, in a file. Without it the password is a fresh token.
           */
          passwordFile: Type.Optional(Type.String({ minLength: 1 })),
          keepaliveS: Type.Integer({ minimum: 5, maximum: 300, default: 15 }),
        },
        { additionalProperties: false },
      ),
    ),
    logLevel: Type.String({ default: 'info' }),
    audio: Type.Object({ input: Input, output: Output }, { additionalProperties: false }),
    wake: Type.Object(
      {
        /** 'hub': no engine here (Pi Zero, 32-bit OS); stream speech-gated audio to the hub. */
        engine: Type.Union(
          [Type.Literal('openwakeword'), Type.Literal('porcupine'), Type.Literal('hub')],
          { default: 'openwakeword' },
        ),
        /** 'hub' only: the level in dBFS that opens the speech gate. */
        gateThresholdDb: Type.Number({ minimum: -90, maximum: 0, default: -42 }),
        /** openWakeWord only. */
        threshold: Type.Number({ minimum: 0.05, maximum: 0.99, default: 0.3 }),
        words: Type.Array(Type.String({ pattern: '^[a-z_0-9.]+$' }), {
          minItems: 1,
          maxItems: 4,
          default: ['hey_jarvis'],
        }),
        preRollMs: Type.Integer({ minimum: 0, maximum: 3000, default: 1500 }),
        /** Porcupine only. The AccessKey is a secret: env PICOVOICE_ACCESS_KEY or this file, never inline. */
        porcupine: Type.Optional(
          Type.Object(
            {
              accessKeyFile: Type.Optional(Type.String({ minLength: 1 })),
              keyword: Type.Union(
                PORCUPINE_KEYWORDS.map((k) => Type.Literal(k)),
                { default: 'jarvis' },
              ),
              /** A custom .ppn keyword file; replaces `keyword`. */
              keywordPath: Type.Optional(Type.String({ minLength: 1 })),
              sensitivity: Type.Number({ minimum: 0, maximum: 1, default: 0.5 }),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    leds: Type.Optional(Leds),
  },
  { additionalProperties: false },
);

export type SatelliteConfig = Static<typeof SatelliteConfigSchema> & {
  /** Secrets read from the environment or from files the config names; never from its JSON. */
  readonly secrets: { readonly picovoiceAccessKey?: string };
};
const checker = TypeCompiler.Compile(SatelliteConfigSchema);

export class SatelliteConfigError extends Error {
  override readonly name = 'SatelliteConfigError';
}

/**
 * Validates a config object and reads the secrets it needs; every problem is listed in one error.
 * Relative paths resolve from `baseDir`.
 */
export function parseSatelliteConfig(
  raw: unknown,
  baseDir = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
): SatelliteConfig {
  const value = Value.Default(SatelliteConfigSchema, structuredClone(raw ?? {})) as {
    wake?: { engine?: unknown; porcupine?: Record<string, unknown> };
  };
  // Filled in after the schema's defaults, so choosing Porcupine needs no empty section.
  if (value.wake?.engine === 'porcupine')
    value.wake.porcupine = Value.Default(
      SatelliteConfigSchema.properties.wake.properties.porcupine,
      value.wake.porcupine ?? {},
    ) as Record<string, unknown>;
  const problems = [...checker.Errors(value)].map((e) => `${e.path || '/'}: ${explain(e)}`);
  const linked = value as { link?: unknown; mqtt?: unknown };
  if (linked.link === 'mqtt' && linked.mqtt === undefined)
    problems.push('/mqtt: link "mqtt" needs mqtt.url (the broker the hub listens on)');
  const secrets = readSecrets(value.wake, baseDir, env, problems);
  if (problems.length > 0)
    throw new SatelliteConfigError(`invalid satellite config:\n  ${problems.join('\n  ')}`);
  const config = value as Omit<SatelliteConfig, 'secrets'> as SatelliteConfig;
  // Not enumerable, so the key stays out of JSON.stringify and logged objects.
  Object.defineProperty(config, 'secrets', { value: Object.freeze(secrets), enumerable: false });
  config.privateKeyFile = resolve(baseDir, config.privateKeyFile);
  if (config.mqtt?.passwordFile)
    config.mqtt.passwordFile = resolve(baseDir, config.mqtt.passwordFile);
  if (config.audio.input.type === 'wav')
    config.audio.input.path = resolve(baseDir, config.audio.input.path);
  if (config.audio.output.type === 'wav')
    config.audio.output.path = resolve(baseDir, config.audio.output.path);
  const porcupine = config.wake.porcupine;
  if (porcupine?.accessKeyFile) porcupine.accessKeyFile = resolve(baseDir, porcupine.accessKeyFile);
  if (porcupine?.keywordPath) porcupine.keywordPath = resolve(baseDir, porcupine.keywordPath);
  return config;
}

/** A schema error, with the allowed words spelled out where the schema lists them. */
function explain(error: ValueError): string {
  const options = (error.schema as { anyOf?: { const?: unknown }[] }).anyOf;
  if (error.type !== ValueErrorType.Union || !options?.every((o) => typeof o.const === 'string'))
    return error.message;
  return `expected one of ${options.map((o) => JSON.stringify(o.const)).join(', ')}`;
}

/** Reads the secrets the chosen engines need, adding a problem for each one missing. */
function readSecrets(
  wake: { engine?: unknown; porcupine?: Record<string, unknown> } | undefined,
  baseDir: string,
  env: NodeJS.ProcessEnv,
  problems: string[],
): SatelliteConfig['secrets'] {
  if (wake?.engine !== 'porcupine') return {};
  if (wake.porcupine?.accessKey !== undefined)
    problems.push(
      `/wake/porcupine/accessKey: the AccessKey is a secret and never goes in the config: set env ${PICOVOICE_ACCESS_KEY_ENV} or wake.porcupine.accessKeyFile`,
    );
  const keyFile = wake.porcupine?.accessKeyFile;
  const key = picovoiceAccessKey(
    env,
    typeof keyFile === 'string' ? resolve(baseDir, keyFile) : undefined,
  );
  if (typeof key === 'string') return { picovoiceAccessKey: key };
  problems.push(`/wake/porcupine/accessKeyFile: ${key.problem}`);
  return {};
}

/** The Picovoice AccessKey: env PICOVOICE_ACCESS_KEY first (as for the hub, env overrides), then the file. */
function picovoiceAccessKey(
  env: NodeJS.ProcessEnv,
  file: string | undefined,
): string | { problem: string } {
  const fromEnv = env[PICOVOICE_ACCESS_KEY_ENV]?.trim();
  if (fromEnv) return fromEnv;
  if (file === undefined)
    return {
      problem: `wake engine "porcupine" needs a Picovoice AccessKey: set env ${PICOVOICE_ACCESS_KEY_ENV} or wake.porcupine.accessKeyFile`,
    };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return {
      problem: `cannot read the Picovoice AccessKey file ${file}: ${(err as Error).message}`,
    };
  }
  const key = text.trim();
  return key ? key : { problem: `the Picovoice AccessKey file ${file} is empty` };
}

export async function loadSatelliteConfig(file: string): Promise<SatelliteConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new SatelliteConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return parseSatelliteConfig(raw, dirname(resolve(file)));
}
