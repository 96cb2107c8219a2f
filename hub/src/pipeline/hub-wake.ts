import { AsyncQueue, type AudioChunk, type WakeDetection, type WakeEngine } from '@jarvis/protocol';
import type { Logger } from 'pino';

/** What the hub hands a new session when it heard the wake word itself. */
export interface HubWakeUp {
  readonly detection: WakeDetection;
  /** Audio from `preRollMs` before the detection up to now, to replay into the session. */
  readonly audio: readonly AudioChunk[];
  readonly preRollMs: number;
}

export interface HubWakeOptions {
  /** One engine per satellite: wake engines keep per-stream state. */
  readonly createEngine: () => Promise<WakeEngine>;
  /** Audio kept from before the detection: the whole wake phrase (default 1500 ms). */
  readonly preRollMs?: number;
  readonly log: Logger;
}

interface Listener {
  engine: Promise<WakeEngine>;
  /** The current speech segment's audio, while no session is open. */
  segment: { queue: AsyncQueue<AudioChunk>; recent: AudioChunk[] } | undefined;
}

/**
 * Wake word detection on the hub for satellites too small to run it (Pi Zero, 32-bit OS): such a
 * satellite streams speech-gated segments; each is scored here, and a detection opens a session
 * that starts with the wake phrase, as if the satellite had sent its pre-roll.
 */
export class HubWake {
  private readonly listeners = new Map<string, Listener>();

  constructor(private readonly options: HubWakeOptions) {}

  /** A speech segment began on `satelliteKey`'s stream; `onWake` fires at most once for it. */
  startSegment(satelliteKey: string, onWake: (wakeUp: HubWakeUp) => void): void {
    const listener = this.listenerFor(satelliteKey);
    this.endSegment(satelliteKey);
    const segment = { queue: new AsyncQueue<AudioChunk>(), recent: [] as AudioChunk[] };
    listener.segment = segment;
    void this.watch(listener, segment, onWake);
  }

  /** Audio of the current segment, if any. */
  push(satelliteKey: string, chunk: AudioChunk): void {
    const segment = this.listeners.get(satelliteKey)?.segment;
    if (!segment) return;
    segment.recent.push(chunk);
    const keepFrom = chunk.timestampMs - (this.options.preRollMs ?? 1500) - 500;
    while (segment.recent.length > 0 && segment.recent[0]!.timestampMs < keepFrom)
      segment.recent.shift();
    segment.queue.push(chunk);
  }

  endSegment(satelliteKey: string): void {
    const listener = this.listeners.get(satelliteKey);
    listener?.segment?.queue.end();
    if (listener) listener.segment = undefined;
  }

  /** The satellite left: free its engine. */
  async forget(satelliteKey: string): Promise<void> {
    const listener = this.listeners.get(satelliteKey);
    if (!listener) return;
    this.listeners.delete(satelliteKey);
    listener.segment?.queue.end();
    await (await listener.engine.catch(() => undefined))?.close();
  }

  async close(): Promise<void> {
    await Promise.all([...this.listeners.keys()].map((k) => this.forget(k)));
  }

  private listenerFor(key: string): Listener {
    let listener = this.listeners.get(key);
    if (!listener) {
      listener = { engine: this.options.createEngine(), segment: undefined };
      listener.engine.catch(() => undefined);
      this.listeners.set(key, listener);
    }
    return listener;
  }

  private async watch(
    listener: Listener,
    segment: NonNullable<Listener['segment']>,
    onWake: (wakeUp: HubWakeUp) => void,
  ): Promise<void> {
    const stop = new AbortController();
    try {
      const engine = await listener.engine;
      engine.reset();
      for await (const detection of engine.detect(segment.queue, stop.signal)) {
        if (listener.segment !== segment) break;
        listener.segment = undefined;
        const from = detection.timestampMs - (this.options.preRollMs ?? 1500);
        const audio = segment.recent.filter((c) => c.timestampMs >= from);
        const preRollMs = Math.max(0, detection.timestampMs - (audio[0]?.timestampMs ?? 0));
        this.options.log.info(
          { name: detection.name, score: detection.score },
          'hub heard wake word',
        );
        onWake({ detection, audio, preRollMs });
        break;
      }
    } catch (err) {
      this.options.log.error({ err: (err as Error).message }, 'hub wake word engine failed');
    } finally {
      stop.abort();
      segment.queue.end();
    }
  }
}
