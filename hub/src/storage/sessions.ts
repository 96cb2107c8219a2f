import type { Db } from './db.js';

export type SessionOutcome = 'ok' | 'not-understood' | 'no-speech' | 'cancelled' | 'error';

/** Milliseconds per stage; absent when the session never reached the stage. */
export interface SessionTimings {
  wakeToStreamMs?: number;
  endpointMs?: number;
  sttMs?: number;
  intentMs?: number;
  actionMs?: number;
  ttsFirstAudioMs?: number;
  speechEndToFirstAudioMs?: number;
  totalMs?: number;
}

/** Engines that served a session; `fallbacks` lists each hand-over from a failed engine. */
export interface SessionEngines {
  stt?: string;
  tts?: string;
  fallbacks?: { kind: string; from: string; to: string; code: string; message: string }[];
}

export interface SessionRecord {
  id: string;
  satelliteId: string;
  startedAt: Date;
  endedAt: Date | null;
  wakeWord: string | null;
  wakeScore: number | null;
  transcript: string | null;
  sttSource: string | null;
  intent: string | null;
  slots: Record<string, string | number> | null;
  action: { topic: string; payload: string } | null;
  reply: string | null;
  outcome: SessionOutcome | null;
  errorCode: string | null;
  timings: SessionTimings;
  engines: SessionEngines;
  /** Microphone frames that never reached the hub (sequence gaps), 0 on a clean link. */
  audioFramesLost: number;
}

interface Row {
  id: string;
  satellite_id: string;
  started_at: Date | string;
  ended_at: Date | string | null;
  wake_word: string | null;
  wake_score: number | null;
  transcript: string | null;
  stt_source: string | null;
  intent: string | null;
  slots: Record<string, string | number> | null;
  action: { topic: string; payload: string } | null;
  reply: string | null;
  outcome: SessionOutcome | null;
  error_code: string | null;
  timings: SessionTimings;
  engines: SessionEngines;
  audio_frames_lost: number;
}

const toRecord = (r: Row): SessionRecord => ({
  id: r.id,
  satelliteId: r.satellite_id,
  startedAt: new Date(r.started_at),
  endedAt: r.ended_at === null ? null : new Date(r.ended_at),
  wakeWord: r.wake_word,
  wakeScore: r.wake_score,
  transcript: r.transcript,
  sttSource: r.stt_source,
  intent: r.intent,
  slots: r.slots,
  action: r.action,
  reply: r.reply,
  outcome: r.outcome,
  errorCode: r.error_code,
  timings: r.timings,
  engines: r.engines,
  audioFramesLost: r.audio_frames_lost,
});

export class SessionStore {
  constructor(private readonly db: Db) {}

  /** Writes the whole record once the session has ended. */
  async save(s: SessionRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO sessions (id, satellite_id, started_at, ended_at, wake_word, wake_score, transcript,
         stt_source, intent, slots, action, reply, outcome, error_code, timings, engines,
         audio_frames_lost)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
       ON CONFLICT (id) DO NOTHING`,
      [
        s.id,
        s.satelliteId,
        s.startedAt,
        s.endedAt,
        s.wakeWord,
        s.wakeScore,
        s.transcript,
        s.sttSource,
        s.intent,
        s.slots === null ? null : JSON.stringify(s.slots),
        s.action === null ? null : JSON.stringify(s.action),
        s.reply,
        s.outcome,
        s.errorCode,
        JSON.stringify(s.timings),
        JSON.stringify(s.engines),
        s.audioFramesLost ?? 0,
      ],
    );
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const rows = await this.db.query<Row>('SELECT * FROM sessions WHERE id = $1', [id]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async listForSatellite(satelliteId: string, limit = 50): Promise<SessionRecord[]> {
    const rows = await this.db.query<Row>(
      'SELECT * FROM sessions WHERE satellite_id = $1 ORDER BY started_at DESC LIMIT $2',
      [satelliteId, limit],
    );
    return rows.map(toRecord);
  }

  /** Newest first, narrowed by satellite, outcome, words in the transcript or reply, and time. */
  async search(filter: {
    satelliteId?: string | undefined;
    outcome?: SessionOutcome | undefined;
    text?: string | undefined;
    before?: Date | undefined;
    limit: number;
  }): Promise<SessionRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (v: unknown): string => `$${params.push(v)}`;
    if (filter.satelliteId) where.push(`satellite_id = ${param(filter.satelliteId)}`);
    if (filter.outcome) where.push(`outcome = ${param(filter.outcome)}`);
    if (filter.before) where.push(`started_at < ${param(filter.before)}`);
    if (filter.text) {
      // The user's words are matched literally: % and _ are not wildcards here.
      const like = param(`%${filter.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`(transcript ILIKE ${like} OR reply ILIKE ${like})`);
    }
    const rows = await this.db.query<Row>(
      `SELECT * FROM sessions ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY started_at DESC LIMIT ${param(filter.limit)}`,
      params,
    );
    return rows.map(toRecord);
  }

  /** The most recent sessions' timings, for latency percentiles. */
  async recentTimings(limit: number): Promise<SessionTimings[]> {
    const rows = await this.db.query<{ timings: SessionTimings }>(
      'SELECT timings FROM sessions ORDER BY started_at DESC LIMIT $1',
      [limit],
    );
    return rows.map((r) => r.timings);
  }
}
