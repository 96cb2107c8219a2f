import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { TimerRequest } from '../intents/handle.js';
import { spokenDuration } from '../intents/duration.js';
import type { Db } from '../storage/db.js';

export interface Timer {
  readonly id: string;
  readonly satelliteId: string;
  readonly durationMs: number;
  readonly endsAt: Date;
}

interface Row {
  id: string;
  satellite_id: string;
  duration_ms: number;
  ends_at: Date | string;
}

const toTimer = (r: Row): Timer => ({
  id: r.id,
  satelliteId: r.satellite_id,
  durationMs: Number(r.duration_ms),
  endsAt: new Date(r.ends_at),
});

/** Says a timer's text on its satellite; false when the satellite cannot hear it now (offline). */
export type RingTimer = (timer: Timer, text: string) => Promise<boolean>;

/** Longest timer accepted: 24 hours (and within a 32-bit setTimeout). */
export const MAX_TIMER_MS = 24 * 3_600_000;

/**
 * Timers on the hub: stored in the database, scheduled in memory, rung on the satellite that set
 * them. A timer whose satellite is offline when it ends rings when the satellite comes back; a
 * hub restart reloads every pending timer.
 */
export class TimerService {
  private readonly scheduled = new Map<string, NodeJS.Timeout>();
  /** Timers being rung now: the scheduled ring and a reconnect must not both say it. */
  private readonly ringing = new Set<string>();
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly ring: RingTimer,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Schedules every pending timer (after a restart). */
  async start(): Promise<void> {
    for (const t of await this.pending()) this.schedule(t);
  }

  /** Acts on a spoken timer request from `satelliteId`; returns the reply to speak. */
  async handle(request: TimerRequest, satelliteId: string): Promise<string> {
    switch (request.kind) {
      case 'set': {
        if (request.durationMs > MAX_TIMER_MS) return 'Sorry, timers can run for 24 hours at most.';
        await this.set(satelliteId, request.durationMs);
        return `Timer set for ${spokenDuration(request.durationMs)}.`;
      }
      case 'cancel': {
        const [next] = await this.pending(satelliteId);
        if (!next) return "There's no timer running.";
        await this.cancel(next.id);
        return `Cancelled your ${spokenDuration(next.durationMs, true)} timer.`;
      }
      case 'remaining': {
        const running = await this.pending(satelliteId);
        const [next] = running;
        if (!next) return "There's no timer running.";
        const left = spokenDuration(next.endsAt.getTime() - this.now());
        return running.length > 1
          ? `${running.length} timers are running; the next ends in ${left}.`
          : `${left} left.`;
      }
    }
  }

  async set(satelliteId: string, durationMs: number): Promise<Timer> {
    const timer: Timer = {
      id: randomUUID(),
      satelliteId,
      durationMs,
      endsAt: new Date(this.now() + durationMs),
    };
    await this.db.query(
      'INSERT INTO timers (id, satellite_id, duration_ms, ends_at) VALUES ($1, $2, $3, $4)',
      [timer.id, timer.satelliteId, timer.durationMs, timer.endsAt],
    );
    this.schedule(timer);
    this.log.info({ timerId: timer.id, satelliteId, durationMs }, 'timer set');
    return timer;
  }

  /** Cancels a timer; false when it was not running. */
  async cancel(id: string): Promise<boolean> {
    const rows = await this.db.query<{ id: string }>(
      `UPDATE timers SET cancelled_at = now()
       WHERE id = $1 AND cancelled_at IS NULL AND rang_at IS NULL RETURNING id`,
      [id],
    );
    clearTimeout(this.scheduled.get(id));
    this.scheduled.delete(id);
    return rows.length > 0;
  }

  /** Running timers, soonest first; of one satellite when given. */
  async pending(satelliteId?: string): Promise<Timer[]> {
    const rows = await this.db.query<Row>(
      `SELECT id, satellite_id, duration_ms, ends_at FROM timers
       WHERE cancelled_at IS NULL AND rang_at IS NULL AND ($1::text IS NULL OR satellite_id = $1)
       ORDER BY ends_at`,
      [satelliteId ?? null],
    );
    return rows.map(toTimer);
  }

  /** A satellite (re)connected: ring what ended while it was away. */
  async satelliteOnline(satelliteId: string): Promise<void> {
    const due = (await this.pending(satelliteId)).filter((t) => t.endsAt.getTime() <= this.now());
    for (const t of due) await this.fire(t);
  }

  close(): void {
    this.closed = true;
    for (const t of this.scheduled.values()) clearTimeout(t);
    this.scheduled.clear();
  }

  private schedule(timer: Timer): void {
    if (this.closed) return;
    clearTimeout(this.scheduled.get(timer.id));
    const inMs = Math.max(0, timer.endsAt.getTime() - this.now());
    this.scheduled.set(
      timer.id,
      setTimeout(() => void this.fire(timer), inMs),
    );
  }

  private async fire(timer: Timer): Promise<void> {
    this.scheduled.delete(timer.id);
    if (this.closed || this.ringing.has(timer.id)) return;
    this.ringing.add(timer.id);
    const text = `Your ${spokenDuration(timer.durationMs, true)} timer is done.`;
    try {
      if (!(await this.ring(timer, text))) {
        this.log.info({ timerId: timer.id }, 'timer ended while its satellite is away');
        return;
      }
      await this.db.query('UPDATE timers SET rang_at = now() WHERE id = $1', [timer.id]);
      this.log.info({ timerId: timer.id, satelliteId: timer.satelliteId }, 'timer rang');
    } catch (err) {
      this.log.error({ timerId: timer.id, err: (err as Error).message }, 'timer could not ring');
    } finally {
      this.ringing.delete(timer.id);
    }
  }
}
