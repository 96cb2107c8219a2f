/**
 * The live feed behind the dashboard: what happens in the hub as it happens (satellites coming
 * and going, each session's transcript, intent, reply and timings, device states, timers). Each
 * event is already in its wire form; a slow or broken listener never holds up the others.
 */
import type { Logger } from 'pino';

export type LiveEvent =
  | { readonly type: 'satellite'; readonly satellite: object }
  | {
      readonly type: 'session-start';
      readonly sessionId: string;
      readonly satelliteId: string;
      readonly at: string;
      readonly wake: { readonly name: string; readonly score: number };
    }
  | {
      readonly type: 'transcript';
      readonly sessionId: string;
      readonly text: string;
      readonly final: boolean;
    }
  | {
      readonly type: 'intent';
      readonly sessionId: string;
      readonly name: string;
      readonly slots: Readonly<Record<string, string | number>>;
    }
  | { readonly type: 'reply'; readonly sessionId: string; readonly text: string }
  | { readonly type: 'session-end'; readonly session: object }
  | { readonly type: 'device'; readonly device: object }
  | { readonly type: 'timers' };

export type LiveListener = (event: LiveEvent) => void;

export class LiveEvents {
  private readonly listeners = new Set<LiveListener>();

  constructor(private readonly log: Logger) {}

  /** @returns a function that stops the listening. */
  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  publish(event: LiveEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.log.warn({ err: (err as Error).message, type: event.type }, 'live listener failed');
      }
    }
  }
}
