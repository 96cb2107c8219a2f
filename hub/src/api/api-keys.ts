/**
 * Bearer API keys for the hub's HTTP APIs: read from the environment and/or a file, checked in
 * constant time. (Users, roles and tokens replace them for people: issue 5.)
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AppError } from '../errors.js';

/** Shorter keys are refused at start-up: they can be guessed. */
export const MIN_API_KEY_CHARS = 16;

/**
 * Keys from a comma-separated environment value and/or a file with one key per line.
 * @throws AppError('config-invalid') naming `what` for an unreadable file or a short key.
 */
export async function readApiKeys(
  fromEnv: string | undefined,
  file: string | undefined,
  what: string,
): Promise<string[]> {
  const keys = (fromEnv ?? '').split(',');
  if (file) {
    try {
      keys.push(...(await readFile(file, 'utf8')).split('\n'));
    } catch (err) {
      throw new AppError(
        'config-invalid',
        `cannot read the ${what} keys file ${file}: ${(err as Error).message}`,
      );
    }
  }
  const valid = keys.map((k) => k.trim()).filter((k) => k !== '');
  if (valid.some((k) => k.length < MIN_API_KEY_CHARS))
    throw new AppError(
      'config-invalid',
      `${what} keys must be at least ${MIN_API_KEY_CHARS} characters long`,
    );
  return valid;
}

export type BearerCheck = 'ok' | 'missing' | 'invalid';

/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1; the scheme is
 * case-insensitive, RFC 7235 §2.1), or undefined.
 */
export const bearerToken = (header: string | undefined): string | undefined =>
  /^Bearer +(\S+) *$/i.exec(header ?? '')?.[1];

const digest = (key: string): Buffer => createHash('sha256').update(key).digest();

/** A checker of `Authorization: Bearer <key>` headers against `keys`. */
export function bearerKeyCheck(
  keys: readonly string[],
): (header: string | undefined) => BearerCheck {
  // Hash both sides, so the comparison takes the same time whatever the key's length.
  const digests = keys.filter((k) => k !== '').map(digest);
  return (header) => {
    const token = bearerToken(header);
    if (token === undefined) return 'missing';
    const presented = digest(token);
    let ok = false;
    for (const key of digests) ok = timingSafeEqual(key, presented) || ok; // no early exit
    return ok ? 'ok' : 'invalid';
  };
}
