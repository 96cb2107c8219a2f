/**
 * The live feed behind the dashboard: what happens in the hub as it happens (satellites coming
 * and going, each session's transcript, intent, reply and timings, device states, timers). Each
 * event is already in its wire form; a slow or broken listener never holds up the others. With
 * several replicas, events also travel between them (cluster/), so the schema below is what a
 * replica checks an event from another against.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { Logger } from 'pino';

/** The view objects (satellite, session, device) are the hub's own: checked as objects only. */
const View = Type.Object({});
const Id = Type.String({ minLength: 1, maxLength: 128 });

export const LiveEventSchema = Type.Union([
  Type.Object(
    { type: Type.Literal('satellite'), satellite: View },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('session-start'),
      sessionId: Id,
      satelliteId: Id,
      at: Type.String({ maxLength: 64 }),
      wake: Type.Object(
        { name: Type.String({ maxLength: 128 }), score: Type.Number() },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('transcript'), sessionId: Id, text: Type.String(), final: Type.Boolean() },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('intent'),
      sessionId: Id,
      name: Type.String({ maxLength: 128 }),
      slots: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('reply'), sessionId: Id, text: Type.String() },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('session-end'), session: View },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('device'), device: View }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('timers') }, { additionalProperties: false }),
]);

export type LiveEvent = Static<typeof LiveEventSchema>;

export type LiveListener = (event: LiveEvent) => void;

export class LiveEvents {
  private readonly listeners = new Set<LiveListener>();
  /**
   * Told of each event published here (not of those delivered from elsewhere): how the cluster
   * passes them to the other replicas without echoing theirs back.
   */
  relay: ((event: LiveEvent) => void) | undefined;

  constructor(private readonly log: Logger) {}

  /** @returns a function that stops the listening. */
  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** An event that happened in this process: to the listeners here, and to the relay. */
  publish(event: LiveEvent): void {
    this.deliver(event);
    this.relay?.(event);
  }

  /** An event that happened elsewhere (another replica): to the listeners here only. */
  deliver(event: LiveEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.log.warn({ err: (err as Error).message, type: event.type }, 'live listener failed');
      }
    }
  }
}
