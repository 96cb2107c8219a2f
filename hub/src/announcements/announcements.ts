/**
 * Announcements: text spoken on satellites without a wake-up, asked for over MQTT on
 * `jarvis/announce`, by voice ("tell the kitchen …") and over REST (api/home-api.ts).
 */
import {
  ProtocolError,
  SATELLITE_ID_PATTERN,
  parseBoundedJson,
  schemaProblem,
} from '@jarvis/protocol';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Logger } from 'pino';
import type { TtsEngine } from '../engines/types.js';
import type { MqttBus } from '../mqtt/bus.js';
import type { SessionIo } from '../pipeline/session.js';
import { announce } from '../pipeline/speech-out.js';

export const ANNOUNCE_TOPIC = 'jarvis/announce';
/** Far more than a 500-character text needs; larger payloads are refused before parsing. */
const MAX_PAYLOAD_BYTES = 4096;

/** The JSON on {@link ANNOUNCE_TOPIC}. Neither `satellite` nor `room`: every online satellite. */
export const AnnounceRequestSchema = Type.Object(
  {
    text: Type.String({ minLength: 1, maxLength: 500 }),
    satellite: Type.Optional(Type.String({ pattern: SATELLITE_ID_PATTERN })),
    room: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type AnnounceRequest = Static<typeof AnnounceRequestSchema>;
const check = TypeCompiler.Compile(AnnounceRequestSchema);

/** A satellite that can be spoken to: its identity and the io its connection offers. */
export interface AnnounceTarget extends SessionIo {
  readonly satellite: { readonly id: string; readonly room: string };
}

/**
 * Reads an announce request.
 * @throws ProtocolError ('json-too-large', 'bad-json' or 'bad-event') for anything else.
 */
export function parseAnnounceRequest(payload: string | Uint8Array): AnnounceRequest {
  const value = parseBoundedJson(payload, MAX_PAYLOAD_BYTES, 'announcement');
  if (check.Check(value)) return value;
  throw new ProtocolError('bad-event', `announcement: ${schemaProblem(check, value)}`);
}

/** Speaks announcements on satellites, one at a time per satellite. */
export class Announcer {
  private readonly abort = new AbortController();
  /** Per satellite, the end of its last announcement: two never share a speaker at once. */
  private readonly queues = new Map<string, Promise<void>>();
  private count = 0;

  constructor(
    private readonly options: {
      tts: TtsEngine;
      log: Logger;
      /** The satellites online now. */
      online: () => Iterable<AnnounceTarget>;
    },
  ) {}

  /** The online satellites a request names; rooms compare without regard to case. */
  targets(filter: { satellite?: string | undefined; room?: string | undefined }): AnnounceTarget[] {
    const room = filter.room?.trim().toLowerCase();
    return [...this.options.online()].filter(
      (t) =>
        (filter.satellite === undefined || t.satellite.id === filter.satellite) &&
        (room === undefined || t.satellite.room.toLowerCase() === room),
    );
  }

  /**
   * Speaks `text` on each target; resolves, once all have finished, with the ids of those that
   * heard it in full. Never rejects: a failure on one satellite is logged and skipped.
   */
  async announceTo(targets: readonly AnnounceTarget[], text: string): Promise<string[]> {
    const results = await Promise.all(targets.map((t) => this.speakOn(t, text)));
    return targets.filter((_t, i) => results[i]).map((t) => t.satellite.id);
  }

  /** Handles one MQTT message on {@link ANNOUNCE_TOPIC}; bad ones are logged and dropped. */
  async onMessage(payload: Buffer): Promise<void> {
    let request: AnnounceRequest;
    try {
      request = parseAnnounceRequest(payload);
    } catch (err) {
      const code = err instanceof ProtocolError ? err.code : 'bad-event';
      this.options.log.warn({ code, err: (err as Error).message }, 'announcement ignored');
      return;
    }
    const targets = this.targets(request);
    if (targets.length === 0) {
      this.options.log.info(
        { satellite: request.satellite, room: request.room },
        'announcement ignored: no online satellite matches',
      );
      return;
    }
    const spoken = await this.announceTo(targets, request.text);
    this.options.log.info({ satellites: spoken }, 'announcement spoken');
    this.options.log.debug({ text: request.text }, 'announcement text');
  }

  /** Stops announcements in progress. */
  close(): void {
    this.abort.abort(new Error('hub shutting down'));
  }

  private speakOn(target: AnnounceTarget, text: string): Promise<boolean> {
    const id = target.satellite.id;
    const ctx = {
      signal: this.abort.signal,
      log: this.options.log,
      sessionId: `announcement-${++this.count}`,
    };
    const spoken = (this.queues.get(id) ?? Promise.resolve()).then(async () => {
      if (this.abort.signal.aborted) return false;
      try {
        await announce(target, this.options.tts, { reason: 'announcement', text }, ctx);
        return true;
      } catch (err) {
        this.options.log.warn(
          { err: (err as Error).message, satelliteId: id },
          'announcement failed',
        );
        return false;
      }
    });
    const done = spoken.then(() => undefined);
    this.queues.set(id, done);
    void done.then(() => {
      if (this.queues.get(id) === done) this.queues.delete(id);
    });
    return spoken;
  }
}

/** Creates the announcer and subscribes it to {@link ANNOUNCE_TOPIC}. */
export async function startAnnouncements(options: {
  bus: Pick<MqttBus, 'subscribe'>;
  tts: TtsEngine;
  log: Logger;
  online: () => Iterable<AnnounceTarget>;
}): Promise<Announcer> {
  const announcer = new Announcer({
    tts: options.tts,
    log: options.log.child({ component: 'announcements' }),
    online: options.online,
  });
  await options.bus.subscribe(ANNOUNCE_TOPIC, (_topic, payload) => {
    void announcer.onMessage(payload);
  });
  return announcer;
}
