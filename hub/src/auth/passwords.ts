/**
 * Password hashing with scrypt (memory-hard: 32 MiB and ~0.1 s per hash at these settings),
 * stored as `scrypt$N$r$p$salt$hash` so the cost can be raised later without breaking old hashes.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { AppError } from '../errors.js';

const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_BYTES = 32;
/** Node's default scrypt memory cap is exactly 32 MiB; N=2^15, r=8 needs a little more. */
const MAX_MEM = 64 * 1024 * 1024;

export const MIN_PASSWORD_CHARS = 12;
export const MAX_PASSWORD_CHARS = 128;

const derive = (password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, options, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, { N, r: R, p: P, maxmem: MAX_MEM });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Whether `password` matches `stored`; false for a hash this code cannot read. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const options = { N: Number(n), r: Number(r), p: Number(p), maxmem: MAX_MEM };
  if (![options.N, options.r, options.p].every((v) => Number.isInteger(v) && v > 0)) return false;
  const actual = await derive(password, Buffer.from(salt, 'base64url'), options);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash of a random password: checked against when the user does not exist, to take as long. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
}

/**
 * OWASP ASVS 2.1: at least 12 characters, at most 128, not the username.
 * @throws AppError('bad-request') saying what is wrong.
 */
export function checkPasswordPolicy(password: string, username: string): void {
  const length = [...password].length;
  if (length < MIN_PASSWORD_CHARS)
    throw new AppError('bad-request', `password must be at least ${MIN_PASSWORD_CHARS} characters`);
  if (length > MAX_PASSWORD_CHARS)
    throw new AppError('bad-request', `password must be at most ${MAX_PASSWORD_CHARS} characters`);
  if (password.toLowerCase() === username.toLowerCase())
    throw new AppError('bad-request', 'password must not be the username');
}
