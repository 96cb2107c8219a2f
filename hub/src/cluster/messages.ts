/**
 * What hub replicas say to each other over the replica bus: one small typed message per thing
 * (live events, presence of satellites, announcements and timer rings to speak elsewhere). Each
 * is checked against its schema on receipt; the envelope names the sending replica, so each one
 * can drop its own echoes.
 */
import {
  MAX_NAME_CHARS,
  ProtocolError,
  SATELLITE_ID_PATTERN,
  parseBoundedJson,
  schemaProblem,
} from '@jarvis/protocol';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { LiveEventSchema } from '../live/live-events.js';

/** Larger than any live event the hub makes (a session's view); larger ones are refused unread. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

const strict = { additionalProperties: false } as const;
/** A replica's id: a UUID made at start. */
const ReplicaId = Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' });
const RequestId = Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' });
const SatelliteId = Type.String({ pattern: SATELLITE_ID_PATTERN });
/** As the home API and MQTT accept it (announcements.ts). */
const SpokenText = Type.String({ minLength: 1, maxLength: 500 });

export const PresentSatelliteSchema = Type.Object(
  {
    id: SatelliteId,
    room: Type.String({ minLength: 1, maxLength: 4 * MAX_NAME_CHARS }),
    /** When its connection became ready (epoch ms): the newer of two connections wins. */
    readyAt: Type.Integer({ minimum: 0 }),
  },
  strict,
);
export type PresentSatellite = Static<typeof PresentSatelliteSchema>;

export const ClusterMessageSchema = Type.Union([
  /** A live event that happened on the sender (never one it received: no loops). */
  Type.Object({ type: Type.Literal('live'), event: LiveEventSchema }, strict),
  /** Every satellite connected to the sender now; sent on each change and as a heartbeat. */
  Type.Object(
    {
      type: Type.Literal('presence'),
      satellites: Type.Array(PresentSatelliteSchema, { maxItems: 10_000 }),
      /** How long to believe it without a newer one (the sender may have died). */
      ttlMs: Type.Integer({ minimum: 1000, maximum: 600_000 }),
    },
    strict,
  ),
  /** A replica started: the others answer with their presence at once. */
  Type.Object({ type: Type.Literal('hello') }, strict),
  /** A replica is shutting down: forget its satellites now rather than at their TTL. */
  Type.Object({ type: Type.Literal('leaving') }, strict),
  /** Speak `text` on these satellites, those that are connected to `to`. */
  Type.Object(
    {
      type: Type.Literal('announce'),
      to: ReplicaId,
      requestId: RequestId,
      satellites: Type.Array(SatelliteId, { minItems: 1, maxItems: 1000 }),
      text: SpokenText,
    },
    strict,
  ),
  /** The answer to `announce`: who heard it in full. */
  Type.Object(
    {
      type: Type.Literal('announced'),
      to: ReplicaId,
      requestId: RequestId,
      satellites: Type.Array(SatelliteId, { maxItems: 1000 }),
    },
    strict,
  ),
  /** Ring a timer (already claimed by the sender) on a satellite connected to `to`. */
  Type.Object(
    {
      type: Type.Literal('ring'),
      to: ReplicaId,
      requestId: RequestId,
      satelliteId: SatelliteId,
      timerId: RequestId,
      text: SpokenText,
    },
    strict,
  ),
  /** Publish your view of this satellite again: ours said "offline" as it moved to you. */
  Type.Object({ type: Type.Literal('republish'), to: ReplicaId, satelliteId: SatelliteId }, strict),
  /** The answer to `ring`: whether the satellite heard it. */
  Type.Object(
    { type: Type.Literal('rang'), to: ReplicaId, requestId: RequestId, ok: Type.Boolean() },
    strict,
  ),
]);
export type ClusterMessage = Static<typeof ClusterMessageSchema>;

export const EnvelopeSchema = Type.Object(
  { v: Type.Literal(1), from: ReplicaId, message: ClusterMessageSchema },
  strict,
);
export type Envelope = Static<typeof EnvelopeSchema>;
const check = TypeCompiler.Compile(EnvelopeSchema);

/**
 * Reads one message off the bus.
 * @throws ProtocolError ('json-too-large', 'bad-json' or 'bad-event') for anything else.
 */
export function parseEnvelope(payload: string): Envelope {
  const value = parseBoundedJson(payload, MAX_MESSAGE_BYTES, 'replica message');
  if (check.Check(value)) return value;
  throw new ProtocolError('bad-event', `replica message: ${schemaProblem(check, value)}`);
}
