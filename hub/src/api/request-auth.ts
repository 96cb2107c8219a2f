/**
 * Who an API request comes from: a user's access token, or one of the integration API keys.
 * Used as an onRequest hook, so nothing is read or parsed for a stranger.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Principal, UserAuth } from '../auth/user-auth.js';
import { AppError } from '../errors.js';
import { bearerKeyCheck, bearerToken } from './api-keys.js';

const principals = new WeakMap<FastifyRequest, Principal>();

/** The principal an authenticated request was admitted as. */
export function principalOf(req: FastifyRequest): Principal {
  const p = principals.get(req);
  if (!p) throw new AppError('auth-missing', 'not authenticated');
  return p;
}

export type AuthHook = (req: FastifyRequest, reply: FastifyReply) => Promise<void>;

export function requestAuthenticator(options: {
  readonly userAuth: UserAuth;
  readonly apiKeys: readonly string[];
  readonly log: Logger;
  /** Counts a signed-in user's request against their rate limit; throws past it. */
  readonly limitUser?: (userId: string) => Promise<void>;
}): AuthHook {
  const isKey = bearerKeyCheck(options.apiKeys);
  return async (req, reply) => {
    const header = req.headers.authorization;
    const token = bearerToken(header);
    if (!token) {
      void reply.header('www-authenticate', 'Bearer realm="jarvis"');
      throw new AppError('auth-missing', 'missing token: send "Authorization: Bearer <token>"');
    }
    if (options.apiKeys.length > 0 && isKey(header) === 'ok') {
      principals.set(req, { kind: 'api-key' });
      return;
    }
    let principal: Principal;
    try {
      principal = await options.userAuth.authenticate(token);
    } catch (err) {
      options.log.warn({ ip: req.ip, url: req.url }, 'request refused: invalid token');
      void reply.header('www-authenticate', 'Bearer realm="jarvis", error="invalid_token"');
      throw err;
    }
    if (principal.kind === 'user') await options.limitUser?.(principal.user.id);
    principals.set(req, principal);
  };
}
