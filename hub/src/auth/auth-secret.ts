/**
 * The secret access tokens are signed with: env JARVIS_AUTH_SECRET or the file `auth.secretFile`
 * (a mounted Kubernetes secret). In production (NODE_ENV=production) a missing or weak one stops
 * the hub, naming it; in development the hub makes a random one for this run and says so.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';

export const MIN_AUTH_SECRET_CHARS = 32;

export async function readAuthSecret(options: {
  readonly file: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly log: Logger;
}): Promise<Uint8Array> {
  const { file, env, log } = options;
  let secret = env['JARVIS_AUTH_SECRET']?.trim();
  let source = 'JARVIS_AUTH_SECRET';
  if (!secret && file) {
    try {
      secret = (await readFile(file, 'utf8')).trim();
      source = `auth.secretFile (${file})`;
    } catch (err) {
      throw new AppError(
        'config-invalid',
        `cannot read the auth secret file ${file}: ${(err as Error).message}`,
      );
    }
  }
  const production = env['NODE_ENV'] === 'production';
  if (!secret) {
    if (production)
      throw new AppError(
        'config-invalid',
        'no auth secret: set JARVIS_AUTH_SECRET or auth.secretFile (production mode)',
      );
    log.warn(
      'no auth secret configured (JARVIS_AUTH_SECRET or auth.secretFile): using a random one, so logins end when the hub restarts',
    );
    return randomBytes(32);
  }
  if (secret.length < MIN_AUTH_SECRET_CHARS)
    throw new AppError(
      'config-invalid',
      `the auth secret from ${source} is too weak: it needs at least ${MIN_AUTH_SECRET_CHARS} characters`,
    );
  return new TextEncoder().encode(secret);
}
