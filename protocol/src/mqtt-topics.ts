import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ProtocolError } from './errors.js';
import { parseBoundedJson, schemaProblem } from './json.js';
import { MAX_EPOCH_MS, MAX_STATUS_BYTES, SATELLITE_ID_PATTERN } from './limits.js';

/**
 * The MQTT binding of the protocol: per satellite, JSON events up and down, binary audio frames
 * up and down, and a retained status that the broker's last-will turns to offline.
 */
export const MQTT_PREFIX = 'jarvis/v1';
/** Every per-satellite topic starts with this. */
export const TOPIC_PREFIX = `${MQTT_PREFIX}/satellite`;

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

/**
 * The five topics of one satellite: `up`/`down` carry JSON events, `audioUp`/`audioDown` binary
 * audio frames, `status` the retained {@link SatelliteStatus}.
 * @throws ProtocolError 'bad-event' for an id that does not match SATELLITE_ID_PATTERN (which
 *   also keeps `+`, `#` and `/` out of the topic).
 */
export function satelliteTopics(satelliteId: string): SatelliteTopics {
  if (typeof satelliteId !== 'string' || !ID.test(satelliteId)) {
    throw new ProtocolError(
      'bad-event',
      `invalid satellite id "${String(satelliteId).slice(0, 64)}"`,
    );
  }
  const base = `${TOPIC_PREFIX}/${satelliteId}`;
  return {
    up: `${base}/up`,
    down: `${base}/down`,
    audioUp: `${base}/audio/up`,
    audioDown: `${base}/audio/down`,
    status: `${base}/status`,
  };
}

/** What {@link parseSatelliteTopic} finds in a topic. */
export interface SatelliteTopicRef {
  readonly satelliteId: string;
  readonly channel: SatelliteChannel;
}

/** A subscription filter for one channel of every satellite. */
export function allSatellites(channel: SatelliteChannel): string {
  return `${TOPIC_PREFIX}/+/${CHANNEL_PATH[channel]}`;
}

/**
 * Reads a concrete topic back; null for anything that is not exactly one of ours (wildcards,
 * bad ids, missing or extra levels, other prefixes). Never throws.
 */
export function parseSatelliteTopic(topic: string): SatelliteTopicRef | null {
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

/** The retained payload on `.../status`: online, or (from the last will) offline. */
export const SatelliteStatusSchema = Type.Object(
  {
    online: Type.Boolean(),
    /** When this status was published (for the last will: when the session connected). */
    timeMs: Type.Number({ minimum: 0, maximum: MAX_EPOCH_MS }),
    /** The negotiated protocol version, when online. */
    version: Type.Optional(Type.Integer({ minimum: 1, maximum: 255 })),
  },
  { additionalProperties: false },
);
export type SatelliteStatus = Static<typeof SatelliteStatusSchema>;
/** The same schema under the type's name, for `SatelliteStatus` as both value and type. */
export const SatelliteStatus = SatelliteStatusSchema;
const statusCheck = TypeCompiler.Compile(SatelliteStatusSchema);

export function encodeStatus(status: SatelliteStatus): string {
  return JSON.stringify(status);
}

/**
 * Decodes a status payload.
 * @throws ProtocolError only: json-too-large, bad-json, bad-event.
 */
export function decodeStatus(input: string | Uint8Array): SatelliteStatus {
  let value: unknown;
  try {
    value = parseBoundedJson(input, MAX_STATUS_BYTES, 'status');
    if (statusCheck.Check(value)) return value;
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw new ProtocolError('bad-event', 'status could not be decoded', String(err));
  }
  throw new ProtocolError('bad-event', `status: ${schemaProblem(statusCheck, value)}`);
}

/** Retained, QoS 1: a late subscriber still learns who is online (MQTT 3.1.1 §3.3.1.3). */
export const STATUS_PUBLISH_OPTIONS = { retain: true, qos: 1 } as const;
/** The options shape MQTT.js and aedes take; plain data, no mqtt dependency. */
export type StatusPublishOptions = typeof STATUS_PUBLISH_OPTIONS;

/** The payload a satellite publishes on its status topic once connected. */
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
export function lastWillStatus(
  satelliteId: string,
  connectedAtMs = Date.now(),
): {
  topic: string;
  payload: string;
  options: typeof STATUS_PUBLISH_OPTIONS;
} {
  return {
    topic: satelliteTopics(satelliteId).status,
    // The will is fixed at CONNECT time, so the best timestamp it can carry is that moment.
    payload: encodeStatus({ online: false, timeMs: connectedAtMs }),
    options: STATUS_PUBLISH_OPTIONS,
  };
}
