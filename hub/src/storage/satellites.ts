import type { Db } from './db.js';

export interface SatelliteRecord {
  readonly id: string;
  readonly name: string;
  readonly room: string;
  /** SPKI PEM of the satellite's Ed25519 public key. */
  readonly publicKey: string;
  readonly enrolledAt: Date;
  readonly revokedAt: Date | null;
  /** When it was last connected (null: never since this was recorded). */
  readonly lastSeenAt?: Date | null;
}

interface Row {
  id: string;
  name: string;
  room: string;
  public_key: string;
  enrolled_at: Date | string;
  revoked_at: Date | string | null;
  last_seen_at: Date | string | null;
}

const toRecord = (r: Row): SatelliteRecord => ({
  id: r.id,
  name: r.name,
  room: r.room,
  publicKey: r.public_key,
  enrolledAt: new Date(r.enrolled_at),
  revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at),
  lastSeenAt: r.last_seen_at === null ? null : new Date(r.last_seen_at),
});

export class SatelliteStore {
  constructor(private readonly db: Db) {}

  /** Enrolls (or re-enrolls, replacing the key and clearing a revocation). */
  async enroll(sat: {
    id: string;
    name: string;
    room: string;
    publicKey: string;
  }): Promise<SatelliteRecord> {
    const rows = await this.db.query<Row>(
      `INSERT INTO satellites (id, name, room, public_key) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, room = EXCLUDED.room,
         public_key = EXCLUDED.public_key, enrolled_at = now(), revoked_at = NULL
       RETURNING *`,
      [sat.id, sat.name, sat.room, sat.publicKey],
    );
    return toRecord(rows[0]!);
  }

  async get(id: string): Promise<SatelliteRecord | undefined> {
    const rows = await this.db.query<Row>('SELECT * FROM satellites WHERE id = $1', [id]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async list(): Promise<SatelliteRecord[]> {
    return (await this.db.query<Row>('SELECT * FROM satellites ORDER BY id')).map(toRecord);
  }

  /** A new key for an enrolled satellite (rotation); false when it is unknown or revoked. */
  async rotateKey(id: string, publicKey: string): Promise<boolean> {
    const rows = await this.db.query<Row>(
      'UPDATE satellites SET public_key = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING *',
      [id, publicKey],
    );
    return rows.length > 0;
  }

  /** Revoking keeps the row (sessions refer to it) but the key no longer authenticates. */
  async revoke(id: string): Promise<boolean> {
    const rows = await this.db.query<Row>(
      'UPDATE satellites SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING *',
      [id],
    );
    return rows.length > 0;
  }

  /** Renames or moves a satellite; undefined when there is none. */
  async update(
    id: string,
    change: { name?: string | undefined; room?: string | undefined },
  ): Promise<SatelliteRecord | undefined> {
    const rows = await this.db.query<Row>(
      `UPDATE satellites SET name = COALESCE($2, name), room = COALESCE($3, room)
       WHERE id = $1 RETURNING *`,
      [id, change.name ?? null, change.room ?? null],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** Notes that the satellite is (or just was) connected. */
  async touch(id: string): Promise<void> {
    await this.db.query('UPDATE satellites SET last_seen_at = now() WHERE id = $1', [id]);
  }
}
