import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';

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
    logLevel: Type.String({ default: 'info' }),
    audio: Type.Object({ input: Input, output: Output }, { additionalProperties: false }),
    wake: Type.Object(
      {
        threshold: Type.Number({ minimum: 0.05, maximum: 0.99, default: 0.5 }),
        words: Type.Array(Type.String({ pattern: '^[a-z_0-9.]+$' }), {
          minItems: 1,
          maxItems: 4,
          default: ['hey_jarvis'],
        }),
        preRollMs: Type.Integer({ minimum: 0, maximum: 3000, default: 1500 }),
      },
      { default: {}, additionalProperties: false },
    ),
    leds: Type.Optional(Leds),
  },
  { additionalProperties: false },
);

export type SatelliteConfig = Static<typeof SatelliteConfigSchema>;
const checker = TypeCompiler.Compile(SatelliteConfigSchema);

export class SatelliteConfigError extends Error {
  override readonly name = 'SatelliteConfigError';
}

/** Validates a config object; every problem is listed in one error. Relative paths resolve from `baseDir`. */
export function parseSatelliteConfig(raw: unknown, baseDir = process.cwd()): SatelliteConfig {
  const value = Value.Default(SatelliteConfigSchema, structuredClone(raw ?? {}));
  const problems = [...checker.Errors(value)].map((e) => `${e.path || '/'}: ${e.message}`);
  if (problems.length > 0)
    throw new SatelliteConfigError(`invalid satellite config:\n  ${problems.join('\n  ')}`);
  const config = value as SatelliteConfig;
  config.privateKeyFile = resolve(baseDir, config.privateKeyFile);
  if (config.audio.input.type === 'wav')
    config.audio.input.path = resolve(baseDir, config.audio.input.path);
  if (config.audio.output.type === 'wav')
    config.audio.output.path = resolve(baseDir, config.audio.output.path);
  return config;
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
