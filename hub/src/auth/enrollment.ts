/**
 * Satellite enrollment codes: an admin makes one (one-time, expiring, for a room), the new
 * satellite's provisioning redeems it with the public key it made; the private key never leaves
 * the satellite. Codes are 60 random bits in Crockford base32 ("7KQ2-M9XD-4TRB"), kept hashed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { importSPKI } from 'jose';
import { AppError } from '../errors.js';
import type { Db } from '../storage/db.js';
import type { SatelliteRecord, SatelliteStore } from '../storage/satellites.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_CHARS = 12;
export const MAX_PUBLIC_KEY_CHARS = 1024;

/** Upper case, without the dashes and spaces people type; Crockford's look-alikes mapped. */
export function normaliseCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

const hash = (code: string): string =>
  createHash('sha256').update(normaliseCode(code)).digest('base64url');

function newCode(): string {
  const bytes = randomBytes(CODE_CHARS);
  const chars = [...bytes].map((b) => ALPHABET[b % 32]!).join('');
  return chars.match(/.{4}/g)!.join('-');
}

/**
 * The key a satellite presents: an Ed25519 SPKI PEM, nothing else.
 * @throws AppError('bad-request') saying what is wrong.
 */
export async function checkPublicKey(pem: string): Promise<void> {
  if (pem.length > MAX_PUBLIC_KEY_CHARS || !pem.includes('-----BEGIN PUBLIC KEY-----'))
    throw new AppError('bad-request', 'publicKey must be a PEM public key');
  try {
    await importSPKI(pem, 'EdDSA');
  } catch {
    throw new AppError('bad-request', 'publicKey must be an Ed25519 public key');
  }
}

export interface EnrollmentCode {
  readonly code: string;
  readonly room: string;
  readonly expiresAt: Date;
}

export class EnrollmentCodes {
  constructor(
    private readonly db: Db,
    private readonly satellites: SatelliteStore,
    private readonly now: () => number = Date.now,
  ) {}

  async create(options: {
    room: string;
    name?: string | undefined;
    satelliteId?: string | undefined;
    ttlMs: number;
    createdBy: string;
  }): Promise<EnrollmentCode> {
    const code = newCode();
    const expiresAt = new Date(this.now() + options.ttlMs);
    await this.db.query(
      `INSERT INTO enrollment_codes (code_hash, room, name, satellite_id, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        hash(code),
        options.room,
        options.name ?? null,
        options.satelliteId ?? null,
        options.createdBy,
        expiresAt,
      ],
    );
    return { code, room: options.room, expiresAt };
  }

  /**
   * Enrolls `id` with `publicKey` if the code is good, and uses the code up.
   * @throws AppError auth-invalid (unknown code), auth-replayed (used), auth-expired,
   *   conflict (the id belongs to an enrolled satellite the code was not made for) or
   *   bad-request (a key that is not Ed25519).
   */
  async redeem(
    code: string,
    satellite: { id: string; name?: string | undefined; publicKey: string },
  ): Promise<SatelliteRecord> {
    await checkPublicKey(satellite.publicKey);
    const rows = await this.db.query<{
      room: string;
      name: string | null;
      satellite_id: string | null;
      expires_at: Date | string;
      used_at: Date | string | null;
    }>(
      'SELECT room, name, satellite_id, expires_at, used_at FROM enrollment_codes WHERE code_hash = $1',
      [hash(code)],
    );
    const row = rows[0];
    if (!row) throw new AppError('auth-invalid', 'unknown enrollment code');
    if (row.used_at !== null) throw new AppError('auth-replayed', 'enrollment code already used');
    if (new Date(row.expires_at).getTime() <= this.now())
      throw new AppError('auth-expired', 'enrollment code expired');
    if (row.satellite_id !== null && row.satellite_id !== satellite.id)
      throw new AppError('conflict', `this code is for satellite "${row.satellite_id}"`);
    const existing = await this.satellites.get(satellite.id);
    if (existing && existing.revokedAt === null && row.satellite_id !== satellite.id)
      throw new AppError('conflict', `satellite "${satellite.id}" is enrolled: revoke it first`);
    // Atomic: two redemptions racing with one code, only one wins.
    const used = await this.db.query(
      `UPDATE enrollment_codes SET used_at = now(), used_by = $2
       WHERE code_hash = $1 AND used_at IS NULL RETURNING code_hash`,
      [hash(code), satellite.id],
    );
    if (used.length === 0) throw new AppError('auth-replayed', 'enrollment code already used');
    return this.satellites.enroll({
      id: satellite.id,
      name: satellite.name ?? row.name ?? satellite.id,
      room: row.room,
      publicKey: satellite.publicKey,
    });
  }
}
