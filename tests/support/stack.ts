import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { generateSatelliteKeys } from '../../provisioning/src/keys.js';
import { pino, type Logger } from 'pino';
import { parseConfig, startHub, type Engines, type Hub, type SessionRecord } from '@jarvis/hub';
import type { AudioChunk, DownEvent, WavAudio } from '@jarvis/protocol';
import type { Backoff } from '@jarvis/satellite';
import {
  HubLink,
  MqttLink,
  Satellite,
  TokenSigner,
  createOpenWakeWord,
  logLeds,
  wavSource,
  type AudioSink,
  type SatelliteLink,
  type WakeEngine,
} from '@jarvis/satellite';
import { startSatelliteMosquitto } from './satellite-mosquitto.js';
import { SimulatedLight } from './sim-light.js';

export const LIGHT = {
  id: 'kitchen-light',
  name: 'light',
  room: 'kitchen',
  commandTopic: 'home/kitchen/light/set',
  stateTopic: 'home/kitchen/light/state',
} as const;

export const DEMO_DEVICES = [
  LIGHT,
  {
    id: 'bedroom-light',
    name: 'light',
    room: 'bedroom',
    commandTopic: 'home/bedroom/light/set',
    stateTopic: 'home/bedroom/light/state',
  },
  { id: 'kitchen-fan', name: 'fan', room: 'kitchen', commandTopic: 'home/kitchen/fan/set' },
];

export interface Stack {
  readonly hub: Hub;
  readonly light: SimulatedLight;
  readonly dir: string;
  readonly log: Logger;
  /** The broker the hub uses and credentials a device may connect with (the simulated light's). */
  readonly mqtt: { readonly url: string; readonly username: string; readonly password: string };
  /** The one-time setup token the hub showed at start (undefined when users existed). */
  setupToken(): string | undefined;
  /** Enrolls a satellite and returns a signer for its tokens. */
  enroll(
    id: string,
    room: string,
  ): Promise<{
    id: string;
    signer: TokenSigner;
    privateKeyPem: string;
    publicKeyPem: string;
    /** Its password on the stack's Mosquitto, when JARVIS_TEST_BROKER=mosquitto. */
    mqttPassword?: string;
  }>;
  close(): Promise<void>;
}

/**
 * A hub on embedded defaults (PGlite, aedes, real engines), one simulated light and
 * a random MQTT password: what the demo, the end-to-end tests and the benchmark share.
 */
export async function startStack(
  options: {
    logLevel?: string;
    engines?: Engines;
    databaseUrl?: string;
    dataDir?: string;
    port?: number;
    /** Extra top-level config sections (engines, vad, wyoming…). */
    config?: Record<string, unknown>;
    /** Environment the hub reads secrets from (API keys). */
    env?: NodeJS.ProcessEnv;
    /** How often revocations made elsewhere are looked for (the hub's default: 5 s). */
    revocationCheckMs?: number;
    /** The built dashboard the hub serves (dashboard/dist by default). */
    dashboardDir?: string;
  } = {},
): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), 'jarvis-stack-'));
  const log = pino({ level: options.logLevel ?? 'silent' });
  const mqttUser = { username: 'sim-light', password: randomBytes(18).toString('base64url') };
  // JARVIS_TEST_BROKER=mosquitto: the hub on a real Mosquitto with satellite ACLs instead of
  // its embedded broker (for suites that do not choose their broker themselves).
  const hubUser = { username: 'jarvis-hub', password: randomBytes(18).toString('base64url') };
  const mosquitto =
    process.env['JARVIS_TEST_BROKER'] === 'mosquitto' && options.config?.['mqtt'] === undefined
      ? await startSatelliteMosquitto(hubUser)
      : undefined;
  const config = parseConfig({
    host: '127.0.0.1',
    port: options.port ?? 0,
    logLevel: options.logLevel ?? 'silent',
    dataDir: options.dataDir ?? 'memory://',
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    mqtt: mosquitto ? { url: mosquitto.url, ...hubUser } : { port: 0, users: [mqttUser] },
    devices: DEMO_DEVICES,
    timeZone: 'UTC',
    ...options.config,
  });
  let setupToken: string | undefined;
  const hub = await startHub({
    config,
    log,
    ...(options.engines ? { engines: options.engines } : {}),
    env: options.env ?? {},
    ...(options.revocationCheckMs ? { revocationCheckMs: options.revocationCheckMs } : {}),
    ...(options.dashboardDir ? { dashboardDir: options.dashboardDir } : {}),
    onSetupToken: (token) => (setupToken = token),
  });
  // An external broker (config.mqtt.url) takes the hub's own credentials for the light too.
  const mqtt = hub.bus.address
    ? { url: `mqtt://127.0.0.1:${hub.bus.address.port}`, ...mqttUser }
    : {
        url: config.mqtt.url ?? '',
        username: config.mqtt.username ?? '',
        password: config.mqtt.password ?? '',
      };
  const light = await SimulatedLight.connect({
    ...mqtt,
    commandTopic: LIGHT.commandTopic,
    stateTopic: LIGHT.stateTopic,
  });
  return {
    hub,
    light,
    setupToken: () => setupToken,
    dir,
    log,
    mqtt,
    async enroll(id, room) {
      const { privateKeyPem, publicKeyPem } = await generateSatelliteKeys();
      await hub.satellites.enroll({ id, name: `${room} satellite`, room, publicKey: publicKeyPem });
      const mqttPassword = mosquitto ? randomBytes(18).toString('base64url') : undefined;
      if (mosquitto && mqttPassword) await mosquitto.addSatellite(id, mqttPassword);
      return {
        id,
        signer: await TokenSigner.fromPem(privateKeyPem, id, config.hubId),
        privateKeyPem,
        publicKeyPem,
        ...(mqttPassword ? { mqttPassword } : {}),
      };
    },
    async close() {
      await light.close();
      await hub.close();
      await mosquitto?.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A satellite's link to the stack's hub, as a real satellite would open it. */
export function linkFor(
  stack: Stack,
  satellite: { id: string; signer: TokenSigner },
  backoff?: Backoff,
  options: { wakeOnHub?: boolean } = {},
): HubLink {
  return new HubLink({
    hubUrl: stack.hub.url(),
    signer: satellite.signer,
    hello: {
      satelliteId: satellite.id,
      capabilities: {
        wakeWords: ['hey_jarvis'],
        audioIn: { rate: 16000, width: 2, channels: 1 },
        audioOut: true,
        leds: false,
        ...(options.wakeOnHub ? { wakeOnHub: true } : {}),
      },
    },
    log: stack.log,
    ...(backoff ? { backoff } : {}),
  });
}

/** Which way a test satellite reaches the hub: its WebSocket, or MQTT on the stack's broker. */
export type LinkKind = 'websocket' | 'mqtt';

/**
 * A satellite's MQTT link to the stack's broker, as a real satellite would open it: username =
 * its id, password = a fresh token per connection, or `mqttPassword` for an external broker.
 */
export function mqttLinkFor(
  stack: Stack,
  satellite: { id: string; signer: TokenSigner; mqttPassword?: string },
  backoff?: Backoff,
  options: { wakeOnHub?: boolean; keepaliveS?: number } = {},
): MqttLink {
  return new MqttLink({
    url: stack.mqtt.url,
    signer: satellite.signer,
    ...(satellite.mqttPassword === undefined ? {} : { password: satellite.mqttPassword }),
    hello: {
      satelliteId: satellite.id,
      capabilities: {
        wakeWords: ['hey_jarvis'],
        audioIn: { rate: 16000, width: 2, channels: 1 },
        audioOut: true,
        leds: false,
        ...(options.wakeOnHub ? { wakeOnHub: true } : {}),
      },
    },
    log: stack.log,
    ...(backoff ? { backoff } : {}),
    ...(options.keepaliveS === undefined ? {} : { keepaliveS: options.keepaliveS }),
  });
}

/**
 * The link runExchange uses when not told: `JARVIS_TEST_LINK=mqtt` runs the unchanged
 * end-to-end suites with their satellites on MQTT.
 */
export function defaultLink(): LinkKind {
  return process.env['JARVIS_TEST_LINK'] === 'mqtt' ? 'mqtt' : 'websocket';
}

/** Collects reply audio in memory. */
export class MemorySink implements AudioSink {
  readonly replies: { rate: number; pcm: Int16Array }[] = [];
  async play(chunks: AsyncIterable<AudioChunk>): Promise<void> {
    const parts: Int16Array[] = [];
    let rate = 0;
    for await (const c of chunks) {
      parts.push(c.pcm);
      rate = c.rate;
    }
    const pcm = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      pcm.set(p, at);
      at += p.length;
    }
    this.replies.push({ rate, pcm });
  }
  async close(): Promise<void> {}
}

export interface Exchange {
  readonly wake?: { name: string; score: number; timestampMs: number; at: number };
  /** Hub events as the satellite received them; `at` is epoch ms. */
  readonly events: { at: number; event: DownEvent }[];
  readonly record?: SessionRecord;
  readonly reply?: { rate: number; pcm: Int16Array };
}

/**
 * Runs one satellite over `audio` until its session ends; returns what happened.
 * The wake engine may be shared between runs (it is reset after each session).
 */
export async function runExchange(
  stack: Stack,
  satellite: { id: string; signer: TokenSigner; mqttPassword?: string },
  audio: WavAudio,
  options: {
    realtime?: boolean;
    /** A shared engine, or 'hub': the satellite streams gated audio and the hub listens. */
    wake?: WakeEngine | 'hub';
    sink?: AudioSink;
    preRollMs?: number;
    /** WebSocket or MQTT on the stack's broker; by default {@link defaultLink}. */
    link?: LinkKind;
  } = {},
): Promise<Exchange> {
  const sink = options.sink ?? new MemorySink();
  const wake = options.wake ?? (await createOpenWakeWord({}));
  const link: SatelliteLink =
    (options.link ?? defaultLink()) === 'mqtt'
      ? mqttLinkFor(stack, satellite, undefined, { wakeOnHub: wake === 'hub' })
      : linkFor(stack, satellite, undefined, { wakeOnHub: wake === 'hub' });
  const ready = new Promise<void>((resolve) => link.once('ready', () => resolve()));
  link.start();
  await ready;
  const events: { at: number; event: DownEvent }[] = [];
  link.on('event', (event) => events.push({ at: Date.now(), event }));
  let record: SessionRecord | undefined;
  const recorded = new Promise<void>((resolve) =>
    stack.hub.onSessionEnd((r) => {
      if (r.satelliteId === satellite.id) {
        record = r;
        resolve();
      }
    }),
  );
  const sat = new Satellite({
    link,
    source: wavSource(audio, { realtime: options.realtime ?? false, tailSilenceMs: 1500 }),
    sink,
    wake,
    leds: logLeds(stack.log),
    log: stack.log,
    ...(options.preRollMs === undefined ? {} : { preRollMs: options.preRollMs }),
  });
  let wakeDetection: Exchange['wake'];
  sat.on('wake', (d) => (wakeDetection = { ...d, at: Date.now() }));
  await sat.run();
  const opened = events.some((e) => e.event.type === 'listening' && e.event.active);
  if (wakeDetection || opened)
    await Promise.race([recorded, new Promise((r) => setTimeout(r, 5000))]);
  await link.stop();
  if (!options.wake && wake !== 'hub') await wake.close();
  const reply = sink instanceof MemorySink ? sink.replies.at(-1) : undefined;
  return {
    ...(wakeDetection ? { wake: wakeDetection } : {}),
    events,
    ...(record ? { record } : {}),
    ...(reply ? { reply } : {}),
  };
}

/** Creates the first admin with the stack's setup token; returns its access token. */
export async function createFirstAdmin(
  stack: Stack,
  admin = { username: 'admin', password: 'admin passphrase here' },
): Promise<string> {
  const res = await fetch(`${stack.hub.url()}/v1/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: stack.setupToken(), ...admin }),
  });
  if (res.status !== 201) throw new Error(`setup failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}
