/**
 * Short-lived access tokens for dashboard users: HS256 JWTs signed with the hub's auth secret,
 * naming the user, role, token version (bumped by a password change) and session family (ended
 * by logout or refresh-token reuse). Only HS256 is accepted: `none` and key confusion cannot pass.
 */
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { AppError } from '../errors.js';
import type { Role } from './users.js';

export const ACCESS_AUDIENCE = 'jarvis-api';

export interface AccessClaims {
  readonly userId: string;
  readonly role: Role;
  readonly tokenVersion: number;
  /** The refresh family the token belongs to. */
  readonly sessionId: string;
}

export class AccessTokens {
  private readonly key: Uint8Array;

  constructor(
    secret: Uint8Array,
    private readonly issuer: string,
    private readonly ttlS: number,
    private readonly now: () => number = Date.now,
  ) {
    this.key = secret;
  }

  get lifetimeS(): number {
    return this.ttlS;
  }

  sign(claims: AccessClaims): Promise<string> {
    const nowS = Math.floor(this.now() / 1000);
    return new SignJWT({ role: claims.role, ver: claims.tokenVersion, sid: claims.sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(this.issuer)
      .setAudience(ACCESS_AUDIENCE)
      .setIssuedAt(nowS)
      .setExpirationTime(nowS + this.ttlS)
      .sign(this.key);
  }

  /** @throws AppError auth-expired or auth-invalid. */
  async verify(token: string): Promise<AccessClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: this.issuer,
        audience: ACCESS_AUDIENCE,
        currentDate: new Date(this.now()),
        requiredClaims: ['sub', 'exp', 'iat'],
        maxTokenAge: this.ttlS + 5,
      });
      const { sub, role, ver, sid } = payload;
      if (
        typeof sub !== 'string' ||
        (role !== 'admin' && role !== 'member') ||
        typeof ver !== 'number' ||
        typeof sid !== 'string'
      )
        throw new AppError('auth-invalid', 'token claims invalid');
      return { userId: sub, role, tokenVersion: ver, sessionId: sid };
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw new AppError('auth-expired', 'token expired');
      throw new AppError('auth-invalid', 'token signature or claims invalid');
    }
  }
}
