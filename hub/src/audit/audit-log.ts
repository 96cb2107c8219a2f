/**
 * The audit log: who did what to the hub, when, from where, and whether it was allowed. Never
 * holds a password, a token or audio: callers pass names and ids only.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../storage/db.js';

export type AuditOutcome = 'ok' | 'denied' | 'failed';

export interface AuditEvent {
  readonly action: string;
  readonly outcome: AuditOutcome;
  /** The user id, `satellite:<id>`, `api-key`, or absent when unknown (a failed login). */
  readonly actor?: string | undefined;
  readonly target?: string | undefined;
  readonly ip?: string | undefined;
  readonly details?: Readonly<Record<string, string | number | boolean>> | undefined;
}

export interface AuditEntry extends AuditEvent {
  readonly id: string;
  readonly at: Date;
}

interface Row {
  id: string;
  at: Date | string;
  actor: string | null;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  ip: string | null;
  details: Record<string, string | number | boolean> | null;
}

export class AuditLog {
  constructor(
    private readonly db: Db,
    private readonly log: Logger,
  ) {}

  /** Records an event; a storage failure is logged, never thrown at the request it describes. */
  async record(event: AuditEvent): Promise<void> {
    try {
      await this.db.query(
        `INSERT INTO audit_log (id, actor, action, target, outcome, ip, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          randomUUID(),
          event.actor ?? null,
          event.action,
          event.target ?? null,
          event.outcome,
          event.ip ?? null,
          event.details ? JSON.stringify(event.details) : null,
        ],
      );
    } catch (err) {
      this.log.error({ err: (err as Error).message, action: event.action }, 'audit write failed');
    }
  }

  /** Newest first; of one action and/or actor when given. */
  async list(filter: { action?: string; actor?: string; limit: number }): Promise<AuditEntry[]> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM audit_log
       WHERE ($1::text IS NULL OR action = $1) AND ($2::text IS NULL OR actor = $2)
       ORDER BY at DESC, id LIMIT $3`,
      [filter.action ?? null, filter.actor ?? null, filter.limit],
    );
    return rows.map((r) => ({
      id: r.id,
      at: new Date(r.at),
      action: r.action,
      outcome: r.outcome,
      ...(r.actor === null ? {} : { actor: r.actor }),
      ...(r.target === null ? {} : { target: r.target }),
      ...(r.ip === null ? {} : { ip: r.ip }),
      ...(r.details === null ? {} : { details: r.details }),
    }));
  }
}
