import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { TimerRequest } from '../intents/handle.js';
import { spokenDuration } from '../intents/duration.js';
import type { Language } from '../intents/numbers.js';
import type { Db } from '../storage/db.js';

export interface Timer {
  readonly id: string;
  readonly satelliteId: string;
  readonly durationMs: number;
  readonly endsAt: Date;
  /** What the user called it ("pasta"), if anything. */
  readonly name?: string | undefined;
}

interface Row {
  id: string;
  satellite_id: string;
  duration_ms: number;
  ends_at: Date | string;
  name: string | null;
}

const toTimer = (r: Row): Timer => ({
  id: r.id,
  satelliteId: r.satellite_id,
  durationMs: Number(r.duration_ms),
  endsAt: new Date(r.ends_at),
  ...(r.name ? { name: r.name } : {}),
});

/** Timer replies; a named timer is called by its name, an unnamed one by its length. */
const SAY = {
  en: {
    tooLong: 'Sorry, timers can run for 24 hours at most.',
    set: (t: Timer) =>
      t.name
        ? `${t.name.charAt(0).toUpperCase()}${t.name.slice(1)} timer set for ${spokenDuration(t.durationMs)}.`
        : `Timer set for ${spokenDuration(t.durationMs)}.`,
    none: (name?: string) =>
      name ? `There's no ${name} timer running.` : "There's no timer running.",
    cancelled: (t: Timer) => `Cancelled your ${label(t, 'en')} timer.`,
    several: (n: number, left: string) => `${n} timers are running; the next ends in ${left}.`,
    left: (left: string, t: Timer) =>
      t.name ? `${left} left on the ${t.name} timer.` : `${left} left.`,
    done: (t: Timer) => `Your ${label(t, 'en')} timer is done.`,
  },
  fr: {
    tooLong: 'Désolé, un minuteur dure 24 heures au plus.',
    set: (t: Timer) =>
      `Minuteur ${t.name ? `${t.name} ` : ''}réglé sur ${spokenDuration(t.durationMs, false, 'fr')}.`,
    none: (name?: string) =>
      name ? `Il n'y a pas de minuteur ${name}.` : "Il n'y a pas de minuteur en cours.",
    cancelled: (t: Timer) => `Minuteur ${label(t, 'fr')} annulé.`,
    several: (n: number, left: string) =>
      `${n} minuteurs tournent ; le prochain sonne dans ${left}.`,
    left: (left: string, t: Timer) =>
      t.name ? `Il reste ${left} au minuteur ${t.name}.` : `Il reste ${left}.`,
    done: (t: Timer) => `Le minuteur ${label(t, 'fr')} est terminé.`,
  },
};

function label(t: Timer, language: Language): string {
  if (t.name) return t.name;
  return language === 'fr'
    ? `de ${spokenDuration(t.durationMs, false, 'fr')}`
    : spokenDuration(t.durationMs, true);
}

/** Says a timer's text on its satellite; false when the satellite cannot hear it now (offline). */
export type RingTimer = (timer: Timer, text: string) => Promise<boolean>;

/** Longest timer accepted: 24 hours (and within a 32-bit setTimeout). */
export const MAX_TIMER_MS = 24 * 3_600_000;

/**
 * Timers on the hub: stored in the database, scheduled in memory, rung on the satellite that set
 * them. A timer whose satellite is offline when it ends rings when the satellite comes back; a
 * hub restart reloads every pending timer. Replicas sharing the database each schedule what they
 * know of and claim a timer in the database before ringing it, so it rings once.
 */
export class TimerService {
  private readonly scheduled = new Map<string, NodeJS.Timeout>();
  /** Timers being rung now: the scheduled ring and a reconnect must not both say it. */
  private readonly ringing = new Set<string>();
  private closed = false;
  private rescan: NodeJS.Timeout | undefined;
  /** Told after a timer was set, cancelled or rang (the dashboard's live feed). */
  onChange: () => void = () => undefined;

  constructor(
    private readonly db: Db,
    private readonly ring: RingTimer,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    private readonly language: Language = 'en',
  ) {}

  /**
   * Schedules every pending timer (after a restart). With several replicas, `rescanMs` also
   * picks up, that often, timers set on another replica: should that one stop, its timers still
   * ring here (which replica rings one is settled in fire()).
   */
  async start(rescanMs?: number): Promise<void> {
    await this.scheduleUnknown();
    if (rescanMs === undefined || this.closed) return;
    this.rescan = setInterval(() => {
      this.scheduleUnknown().catch((err: unknown) =>
        this.log.warn({ err: (err as Error).message }, 'could not look for new timers'),
      );
    }, rescanMs);
    this.rescan.unref();
  }

  /** Acts on a spoken timer request from `satelliteId`; returns the reply to speak. */
  async handle(request: TimerRequest, satelliteId: string): Promise<string> {
    const say = SAY[this.language];
    switch (request.kind) {
      case 'set': {
        if (request.durationMs > MAX_TIMER_MS) return say.tooLong;
        return say.set(await this.set(satelliteId, request.durationMs, request.name));
      }
      case 'cancel': {
        const [next] = await this.pending(satelliteId, request.name);
        if (!next) return say.none(request.name);
        await this.cancel(next.id);
        return say.cancelled(next);
      }
      case 'remaining': {
        const running = await this.pending(satelliteId, request.name);
        const [next] = running;
        if (!next) return say.none(request.name);
        const left = spokenDuration(next.endsAt.getTime() - this.now(), false, this.language);
        return running.length > 1 ? say.several(running.length, left) : say.left(left, next);
      }
    }
  }

  async set(satelliteId: string, durationMs: number, name?: string): Promise<Timer> {
    const timer: Timer = {
      id: randomUUID(),
      satelliteId,
      durationMs,
      endsAt: new Date(this.now() + durationMs),
      ...(name ? { name } : {}),
    };
    await this.db.query(
      'INSERT INTO timers (id, satellite_id, duration_ms, ends_at, name) VALUES ($1, $2, $3, $4, $5)',
      [timer.id, timer.satelliteId, timer.durationMs, timer.endsAt, name ?? null],
    );
    this.schedule(timer);
    this.log.info({ timerId: timer.id, satelliteId, durationMs }, 'timer set');
    this.onChange();
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
    if (rows.length > 0) this.onChange();
    return rows.length > 0;
  }

  /** Running timers, soonest first; of one satellite, and with one name, when given. */
  async pending(satelliteId?: string, name?: string): Promise<Timer[]> {
    const rows = await this.db.query<Row>(
      `SELECT id, satellite_id, duration_ms, ends_at, name FROM timers
       WHERE cancelled_at IS NULL AND rang_at IS NULL AND ($1::text IS NULL OR satellite_id = $1)
         AND ($2::text IS NULL OR lower(name) = lower($2))
       ORDER BY ends_at`,
      [satelliteId ?? null, name ?? null],
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
    clearInterval(this.rescan);
    for (const t of this.scheduled.values()) clearTimeout(t);
    this.scheduled.clear();
  }

  private async scheduleUnknown(): Promise<void> {
    for (const t of await this.pending())
      if (!this.scheduled.has(t.id) && !this.ringing.has(t.id)) this.schedule(t);
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
    const text = SAY[this.language].done(timer);
    try {
      // Claimed in the database first: of several replicas that all scheduled it (or a ring and
      // a reconnect here), exactly one rings it; a cancelled one is not claimed.
      const claimed = await this.db.query<{ id: string }>(
        `UPDATE timers SET rang_at = now()
         WHERE id = $1 AND rang_at IS NULL AND cancelled_at IS NULL RETURNING id`,
        [timer.id],
      );
      if (claimed.length === 0) return;
      let rang = false;
      try {
        rang = await this.ring(timer, text);
      } finally {
        // Not heard: handed back, to ring when its satellite comes back (satelliteOnline).
        if (!rang)
          await this.db.query('UPDATE timers SET rang_at = NULL WHERE id = $1', [timer.id]);
      }
      if (!rang) {
        this.log.info({ timerId: timer.id }, 'timer ended while its satellite is away');
        return;
      }
      this.onChange();
      this.log.info({ timerId: timer.id, satelliteId: timer.satelliteId }, 'timer rang');
    } catch (err) {
      this.log.error({ timerId: timer.id, err: (err as Error).message }, 'timer could not ring');
    } finally {
      this.ringing.delete(timer.id);
    }
  }
}
