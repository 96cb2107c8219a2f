/**
 * Announcements: text spoken on satellites without a wake-up, asked for over MQTT on
 * `jarvis/announce`, by voice ("tell the kitchen …") and over REST (api/home-api.ts). With
 * several hub replicas, a satellite held by another replica is spoken to through it.
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

/** A satellite connected to another hub replica: spoken to through that replica. */
export interface RemoteTarget {
  readonly satellite: { readonly id: string; readonly room: string };
  readonly remote: true;
}

/** Whoever an announcement can reach: here, or on another replica. */
export type Listener = AnnounceTarget | RemoteTarget;

/** The other hub replicas, as announcements need them (cluster/cluster.ts). */
export interface RemoteAnnouncements {
  /** Satellites online on other replicas (not on this one) now. */
  satellites(): Iterable<{ readonly id: string; readonly room: string }>;
  /** Has the replicas holding `ids` speak `text`; resolves with the ids that heard it. */
  speak(ids: readonly string[], text: string): Promise<string[]>;
  /** Lets the other replicas ask this one to speak on its own satellites. */
  serve(speakHere: (ids: readonly string[], text: string) => Promise<string[]>): void;
}

type Filter = { satellite?: string | undefined; room?: string | undefined };

const matches = (filter: Filter) => {
  const room = filter.room?.trim().toLowerCase();
  return (s: { id: string; room: string }): boolean =>
    (filter.satellite === undefined || s.id === filter.satellite) &&
    (room === undefined || s.room.toLowerCase() === room);
};

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
      /** The satellites online on this replica now. */
      online: () => Iterable<AnnounceTarget>;
      /** The other replicas, when the hub runs as several. */
      remote?: RemoteAnnouncements | undefined;
    },
  ) {
    options.remote?.serve((ids, text) =>
      this.announceTo(
        [...options.online()].filter((t) => ids.includes(t.satellite.id)),
        text,
      ),
    );
  }

  /**
   * The online satellites a request names, on this replica and on the others; rooms compare
   * without regard to case.
   */
  targets(filter: Filter): Listener[] {
    const match = matches(filter);
    const here: Listener[] = this.localTargets(filter);
    const seen = new Set(here.map((t) => t.satellite.id));
    const elsewhere: Listener[] = [...(this.options.remote?.satellites() ?? [])]
      .filter((s) => match(s) && !seen.has(s.id))
      .map((s) => ({ satellite: { id: s.id, room: s.room }, remote: true }));
    return [...here, ...elsewhere];
  }

  /** The satellites a request names on this replica only. */
  localTargets(filter: Filter): AnnounceTarget[] {
    const match = matches(filter);
    return [...this.options.online()].filter((t) => match(t.satellite));
  }

  /**
   * Speaks `text` on each target; resolves, once all have finished, with the ids of those that
   * heard it in full. Never rejects: a failure on one satellite is logged and skipped.
   */
  async announceTo(targets: readonly Listener[], text: string): Promise<string[]> {
    const remote = this.options.remote;
    const elsewhere = targets.filter((t) => 'remote' in t).map((t) => t.satellite.id);
    const [results, heardElsewhere] = await Promise.all([
      Promise.all(
        targets.map((t) => ('remote' in t ? Promise.resolve(false) : this.speakOn(t, text))),
      ),
      elsewhere.length > 0 && remote && !this.abort.signal.aborted
        ? remote.speak(elsewhere, text)
        : Promise.resolve([]),
    ]);
    return targets
      .filter((t, i) => results[i] || ('remote' in t && heardElsewhere.includes(t.satellite.id)))
      .map((t) => t.satellite.id);
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
    // Every replica gets this message from the shared broker: each speaks on its own satellites.
    const targets = this.localTargets(request);
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
  remote?: RemoteAnnouncements | undefined;
}): Promise<Announcer> {
  const announcer = new Announcer({
    tts: options.tts,
    log: options.log.child({ component: 'announcements' }),
    online: options.online,
    remote: options.remote,
  });
  await options.bus.subscribe(ANNOUNCE_TOPIC, (_topic, payload) => {
    void announcer.onMessage(payload);
  });
  return announcer;
}
