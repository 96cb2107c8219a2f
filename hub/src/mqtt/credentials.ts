/**
 * Broker credentials for devices and integrations, made by an admin in the API: a random
 * password shown once (kept as a SHA-256: 192 random bits need no slow hash) and the topic
 * filters the device may publish and subscribe within.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.js';
import type { Db } from '../storage/db.js';
import type { MqttIdentity } from './acl.js';

const digest = (s: string | Buffer): Buffer => createHash('sha256').update(s).digest();

export interface MqttCredential {
  readonly username: string;
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
  readonly createdAt: Date;
}

interface Row {
  username: string;
  secret_hash: string;
  publish: string[] | string;
  subscribe: string[] | string;
  created_at: Date | string;
}

const list = (v: string[] | string): string[] =>
  typeof v === 'string' ? (JSON.parse(v) as string[]) : v;

export class MqttCredentials {
  constructor(private readonly db: Db) {}

  /** @throws AppError('conflict') when the username is taken. */
  async create(c: {
    username: string;
    publish: readonly string[];
    subscribe: readonly string[];
  }): Promise<{ username: string; password: string }> {
    const password = randomBytes(24).toString('base64url');
    const rows = await this.db.query(
      `INSERT INTO mqtt_credentials (username, secret_hash, publish, subscribe)
       VALUES ($1, $2, $3, $4) ON CONFLICT (username) DO NOTHING RETURNING username`,
      [
        c.username,
        digest(password).toString('base64url'),
        JSON.stringify(c.publish),
        JSON.stringify(c.subscribe),
      ],
    );
    if (rows.length === 0) throw new AppError('conflict', `MQTT user "${c.username}" exists`);
    return { username: c.username, password };
  }

  async list(): Promise<MqttCredential[]> {
    const rows = await this.db.query<Row>(
      'SELECT * FROM mqtt_credentials WHERE revoked_at IS NULL ORDER BY username',
    );
    return rows.map((r) => ({
      username: r.username,
      publish: list(r.publish),
      subscribe: list(r.subscribe),
      createdAt: new Date(r.created_at),
    }));
  }

  async revoke(username: string): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE mqtt_credentials SET revoked_at = now()
       WHERE username = $1 AND revoked_at IS NULL RETURNING username`,
      [username],
    );
    return rows.length > 0;
  }

  /** Whether the credential exists and is not revoked. */
  async isLive(username: string): Promise<boolean> {
    const rows = await this.db.query(
      'SELECT 1 FROM mqtt_credentials WHERE username = $1 AND revoked_at IS NULL',
      [username],
    );
    return rows.length > 0;
  }

  /** The identity a device connects as, or undefined for a wrong or revoked password. */
  async identify(username: string, password: Buffer): Promise<MqttIdentity | undefined> {
    const rows = await this.db.query<Row>(
      'SELECT * FROM mqtt_credentials WHERE username = $1 AND revoked_at IS NULL',
      [username],
    );
    const row = rows[0];
    if (!row) return undefined;
    const expected = Buffer.from(row.secret_hash, 'base64url');
    if (!timingSafeEqual(expected, digest(password))) return undefined;
    return {
      name: `device:${username}`,
      publish: list(row.publish),
      subscribe: list(row.subscribe),
      clientIdPrefix: username,
    };
  }
}
