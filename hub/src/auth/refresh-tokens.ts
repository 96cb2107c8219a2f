/**
 * Rotating refresh tokens: each login starts a family; each refresh uses its token up and gets
 * the next one. A used token presented again means it was stolen (or the real client's copy
 * was): the whole family is revoked, the thief's and the user's session alike (RFC 9700 §4.14).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AppError } from '../errors.js';
import type { Db } from '../storage/db.js';

const hash = (token: string): string => createHash('sha256').update(token).digest('base64url');

export interface Issued {
  readonly token: string;
  readonly familyId: string;
  readonly expiresAt: Date;
}

export class RefreshTokens {
  constructor(
    private readonly db: Db,
    private readonly ttlMs: number,
    /** A login's absolute lifetime: rotating does not stretch a session past it. */
    private readonly maxSessionMs: number = Number.POSITIVE_INFINITY,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new family (a login) with its first token. */
  async start(userId: string): Promise<Issued> {
    const familyId = randomUUID();
    await this.db.query('INSERT INTO refresh_families (id, user_id) VALUES ($1, $2)', [
      familyId,
      userId,
    ]);
    return this.issue(familyId);
  }

  /**
   * Uses `token` up and returns the family's next one with its user.
   * @throws AppError auth-invalid (unknown or revoked), auth-expired, or auth-replayed (reuse:
   *   the family is revoked).
   */
  async rotate(token: string): Promise<Issued & { userId: string }> {
    const rows = await this.db.query<{
      family_id: string;
      user_id: string;
      expires_at: Date | string;
      used_at: Date | string | null;
      revoked_at: Date | string | null;
      started_at: Date | string;
    }>(
      `SELECT t.family_id, f.user_id, t.expires_at, t.used_at, f.revoked_at,
         f.created_at AS started_at
       FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id
       WHERE t.token_hash = $1`,
      [hash(token)],
    );
    const row = rows[0];
    if (!row || row.revoked_at !== null)
      throw new AppError('auth-invalid', 'invalid refresh token');
    if (row.used_at !== null) return this.reused(row.family_id);
    if (new Date(row.expires_at).getTime() <= this.now())
      throw new AppError('auth-expired', 'refresh token expired');
    if (new Date(row.started_at).getTime() + this.maxSessionMs <= this.now()) {
      await this.revokeFamily(row.family_id);
      throw new AppError('auth-expired', 'this login is too old: log in again');
    }
    // Atomic: of two requests racing with one token, only one gets a successor.
    const used = await this.db.query(
      `UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL
       RETURNING token_hash`,
      [hash(token)],
    );
    if (used.length === 0) return this.reused(row.family_id);
    return { ...(await this.issue(row.family_id)), userId: row.user_id };
  }

  /** Whether a family (an access token's `sid`) is still live. */
  async isLive(familyId: string): Promise<boolean> {
    const rows = await this.db.query<{ revoked_at: Date | string | null }>(
      'SELECT revoked_at FROM refresh_families WHERE id = $1',
      [familyId],
    );
    return rows[0] !== undefined && rows[0].revoked_at === null;
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.db.query(
      'UPDATE refresh_families SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL',
      [familyId],
    );
  }

  /** Every session of a user (a password change). */
  async revokeUser(userId: string): Promise<void> {
    await this.db.query(
      'UPDATE refresh_families SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL',
      [userId],
    );
  }

  /** Every session of a user but `keep` (the one making a security change). */
  async revokeOthers(userId: string, keep: string): Promise<void> {
    await this.db.query(
      `UPDATE refresh_families SET revoked_at = now()
       WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL`,
      [userId, keep],
    );
  }

  private async reused(familyId: string): Promise<never> {
    await this.revokeFamily(familyId);
    throw new AppError('auth-replayed', 'refresh token reused: every session of it is revoked');
  }

  private async issue(familyId: string): Promise<Issued> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(this.now() + this.ttlMs);
    await this.db.query(
      'INSERT INTO refresh_tokens (token_hash, family_id, expires_at) VALUES ($1, $2, $3)',
      [hash(token), familyId, expiresAt],
    );
    return { token, familyId, expiresAt };
  }
}
