import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ProtocolError } from './errors.js';
import { SATELLITE_ID_PATTERN } from './limits.js';

/**
 * The MQTT binding of the protocol: per satellite, JSON events up and down, binary audio frames
 * up and down, and a retained status that the broker's last-will turns to offline.
 */
export const TOPIC_PREFIX = 'jarvis/v1/satellite';

export type SatelliteChannel = 'up' | 'down' | 'audio-up' | 'audio-down' | 'status';
const CHANNEL_PATH: Record<SatelliteChannel, string> = {
  up: 'up',
  down: 'down',
  'audio-up': 'audio/up',
  'audio-down': 'audio/down',
  status: 'status',
};
const ID = new RegExp(SATELLITE_ID_PATTERN);

export interface SatelliteTopics {
  readonly up: string;
  readonly down: string;
  readonly audioUp: string;
  readonly audioDown: string;
  readonly status: string;
}

export function satelliteTopics(satelliteId: string): SatelliteTopics {
  if (!ID.test(satelliteId))
    throw new ProtocolError('bad-event', `invalid satellite id "${satelliteId.slice(0, 64)}"`);
  const base = `${TOPIC_PREFIX}/${satelliteId}`;
  return {
    up: `${base}/up`,
    down: `${base}/down`,
    audioUp: `${base}/audio/up`,
    audioDown: `${base}/audio/down`,
    status: `${base}/status`,
  };
}

/** A subscription filter for one channel of every satellite. */
export function allSatellites(channel: SatelliteChannel): string {
  return `${TOPIC_PREFIX}/+/${CHANNEL_PATH[channel]}`;
}

/** Reads a concrete topic back; null for anything that is not exactly one of ours. */
export function parseSatelliteTopic(
  topic: string,
): { satelliteId: string; channel: SatelliteChannel } | null {
  if (typeof topic !== 'string' || !topic.startsWith(`${TOPIC_PREFIX}/`)) return null;
  const rest = topic.slice(TOPIC_PREFIX.length + 1);
  const slash = rest.indexOf('/');
  if (slash < 0) return null;
  const satelliteId = rest.slice(0, slash);
  if (!ID.test(satelliteId)) return null;
  const path = rest.slice(slash + 1);
  for (const [channel, p] of Object.entries(CHANNEL_PATH)) {
    if (p === path) return { satelliteId, channel: channel as SatelliteChannel };
  }
  return null;
}

export const SatelliteStatusSchema = Type.Object(
  {
    online: Type.Boolean(),
    timeMs: Type.Number({ minimum: 0, maximum: 1e14 }),
    version: Type.Optional(Type.Integer({ minimum: 1, maximum: 255 })),
  },
  { additionalProperties: false },
);
export type SatelliteStatus = Static<typeof SatelliteStatusSchema>;
const statusCheck = TypeCompiler.Compile(SatelliteStatusSchema);

export function encodeStatus(status: SatelliteStatus): string {
  return JSON.stringify(status);
}

/** Throws only ProtocolError. */
export function decodeStatus(input: string | Uint8Array): SatelliteStatus {
  if (input.length > 1024) throw new ProtocolError('json-too-large', 'status payload too large');
  let value: unknown;
  try {
    value = JSON.parse(typeof input === 'string' ? input : new TextDecoder().decode(input));
  } catch {
    throw new ProtocolError('bad-json', 'status is not valid JSON');
  }
  if (!statusCheck.Check(value))
    throw new ProtocolError('bad-event', 'status does not match its schema');
  return value;
}

/** Retained, QoS 1: a late subscriber still learns who is online (MQTT 3.1.1 §3.3.1.3). */
export const STATUS_PUBLISH_OPTIONS = { retain: true, qos: 1 } as const;

export function onlineStatus(
  version: number,
  nowMs = Date.now(),
): { payload: string; options: typeof STATUS_PUBLISH_OPTIONS } {
  return {
    payload: encodeStatus({ online: true, timeMs: nowMs, version }),
    options: STATUS_PUBLISH_OPTIONS,
  };
}

/** The last-will message the broker publishes if the satellite vanishes (MQTT 3.1.1 §3.1.2.5). */
export function lastWillStatus(satelliteId: string): {
  topic: string;
  payload: string;
  options: typeof STATUS_PUBLISH_OPTIONS;
} {
  return {
    topic: satelliteTopics(satelliteId).status,
    payload: encodeStatus({ online: false, timeMs: 0 }),
    options: STATUS_PUBLISH_OPTIONS,
  };
}
