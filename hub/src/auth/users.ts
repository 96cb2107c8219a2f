import { randomUUID } from 'node:crypto';
import { AppError } from '../errors.js';
import type { Db } from '../storage/db.js';
import type { SecretBox } from './secret-box.js';

export type Role = 'admin' | 'member';

export interface User {
  readonly id: string;
  readonly username: string;
  readonly role: Role;
  readonly tokenVersion: number;
  readonly createdAt: Date;
  /** Set while an admin has the account disabled. */
  readonly disabledAt: Date | null;
  readonly totpEnabled: boolean;
}

interface Row {
  id: string;
  username: string;
  role: Role;
  password_hash: string;
  token_version: number;
  created_at: Date | string;
  disabled_at: Date | string | null;
  totp_enabled: boolean;
}

const toUser = (r: Row): User => ({
  id: r.id,
  username: r.username,
  role: r.role,
  tokenVersion: Number(r.token_version),
  createdAt: new Date(r.created_at),
  disabledAt: r.disabled_at === null ? null : new Date(r.disabled_at),
  totpEnabled: r.totp_enabled,
});

/** Other admins who can still log in: the last one may not be demoted, disabled or deleted. */
const OTHER_ACTIVE_ADMIN = `EXISTS (SELECT 1 FROM users o
  WHERE o.role = 'admin' AND o.disabled_at IS NULL AND o.id <> $1)`;

/** Usernames: what people type, nothing a log or a URL could trip on. */
export const USERNAME_PATTERN = '^[a-z0-9][a-z0-9._-]{1,31}$';

/** Dashboard users in the hub's database. */
export class UserStore {
  constructor(
    private readonly db: Db,
    /** Seals TOTP secrets at rest; without one (unit tests) they are stored as they are. */
    private readonly box?: SecretBox,
  ) {}

  async count(): Promise<number> {
    const rows = await this.db.query<{ n: number | string }>('SELECT count(*) AS n FROM users');
    return Number(rows[0]?.n ?? 0);
  }

  /** @throws AppError('conflict') when the username is taken. */
  async create(user: { username: string; role: Role; passwordHash: string }): Promise<User> {
    const rows = await this.db.query<Row>(
      `INSERT INTO users (id, username, role, password_hash) VALUES ($1, $2, $3, $4)
       ON CONFLICT (username) DO NOTHING RETURNING *`,
      [randomUUID(), user.username, user.role, user.passwordHash],
    );
    if (!rows[0]) throw new AppError('conflict', `user "${user.username}" exists`);
    return toUser(rows[0]);
  }

  /** The first admin, only while there is no user at all; undefined once there is one. */
  async createFirstAdmin(username: string, passwordHash: string): Promise<User | undefined> {
    const rows = await this.db.query<Row>(
      `INSERT INTO users (id, username, role, password_hash)
       SELECT $1, $2, 'admin', $3 WHERE NOT EXISTS (SELECT 1 FROM users) RETURNING *`,
      [randomUUID(), username, passwordHash],
    );
    return rows[0] ? toUser(rows[0]) : undefined;
  }

  async get(id: string): Promise<User | undefined> {
    const rows = await this.db.query<Row>('SELECT * FROM users WHERE id = $1', [id]);
    return rows[0] ? toUser(rows[0]) : undefined;
  }

  /** The user and the stored hash, for a login. */
  async withHash(username: string): Promise<{ user: User; passwordHash: string } | undefined> {
    const rows = await this.db.query<Row>('SELECT * FROM users WHERE username = $1', [username]);
    return rows[0] ? { user: toUser(rows[0]), passwordHash: rows[0].password_hash } : undefined;
  }

  async list(): Promise<User[]> {
    return (await this.db.query<Row>('SELECT * FROM users ORDER BY username')).map(toUser);
  }

  /**
   * Changes role and/or disabled state; every access token issued before stops working.
   * @returns the user, undefined when there is none, or 'last-admin' when the change would
   *   leave no admin able to log in.
   */
  async update(
    id: string,
    change: { role?: Role; disabled?: boolean },
  ): Promise<User | 'last-admin' | undefined> {
    const rows = await this.db.query<Row>(
      `UPDATE users SET
         role = COALESCE($2, role),
         disabled_at = CASE WHEN $3::boolean IS NULL THEN disabled_at
                            WHEN $3 THEN COALESCE(disabled_at, now()) END,
         token_version = token_version + 1
       WHERE id = $1 AND (
         (COALESCE($2, role) = 'admin' AND NOT COALESCE($3::boolean, disabled_at IS NOT NULL))
         OR role <> 'admin' OR ${OTHER_ACTIVE_ADMIN})
       RETURNING *`,
      [id, change.role ?? null, change.disabled ?? null],
    );
    if (rows[0]) return toUser(rows[0]);
    return (await this.get(id)) ? 'last-admin' : undefined;
  }

  /** @returns true when deleted, undefined when there is none, 'last-admin' as for update. */
  async delete(id: string): Promise<true | 'last-admin' | undefined> {
    const rows = await this.db.query(
      `DELETE FROM users WHERE id = $1 AND (role <> 'admin' OR ${OTHER_ACTIVE_ADMIN})
       RETURNING id`,
      [id],
    );
    if (rows[0]) return true;
    return (await this.get(id)) ? 'last-admin' : undefined;
  }

  /** New hash, and every access token issued before stops working. */
  async setPassword(id: string, passwordHash: string): Promise<void> {
    await this.db.query(
      'UPDATE users SET password_hash = $2, token_version = token_version + 1 WHERE id = $1',
      [id, passwordHash],
    );
  }

  async totp(
    id: string,
  ): Promise<{ secret: string | null; enabled: boolean; lastStep: number | null }> {
    const rows = await this.db.query<{
      totp_secret: string | null;
      totp_enabled: boolean;
      totp_last_step: number | string | null;
    }>('SELECT totp_secret, totp_enabled, totp_last_step FROM users WHERE id = $1', [id]);
    const r = rows[0];
    return {
      secret: r?.totp_secret ? (this.box?.open(r.totp_secret) ?? r.totp_secret) : null,
      enabled: r?.totp_enabled ?? false,
      lastStep: r?.totp_last_step == null ? null : Number(r.totp_last_step),
    };
  }

  /** A new, not yet confirmed secret (replaces a pending one). */
  async setPendingTotp(id: string, secret: string): Promise<void> {
    await this.db.query(
      'UPDATE users SET totp_secret = $2, totp_enabled = false, totp_last_step = NULL WHERE id = $1',
      [id, this.box?.seal(secret) ?? secret],
    );
  }

  /** An admin's reset for a user who lost their authenticator: TOTP off, secret gone. */
  async resetTotp(id: string): Promise<void> {
    await this.db.query(
      `UPDATE users SET totp_enabled = false, totp_secret = NULL, totp_last_step = NULL,
         token_version = token_version + 1 WHERE id = $1`,
      [id],
    );
  }

  async setTotpEnabled(id: string, enabled: boolean): Promise<void> {
    await this.db.query(
      `UPDATE users SET totp_enabled = $2, totp_secret = CASE WHEN $2 THEN totp_secret END
       WHERE id = $1`,
      [id, enabled],
    );
  }

  /** Marks a time step used; false when it (or a later one) already was: a replayed code. */
  async useTotpStep(id: string, step: number): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE users SET totp_last_step = $2
       WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2) RETURNING id`,
      [id, step],
    );
    return rows.length > 0;
  }
}
