/**
 * Users' authentication: first-admin setup with a one-time token, login, refresh-token rotation,
 * logout, password change and user creation, each written to the audit log; and the check every
 * API request goes through.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import { AppError } from '../errors.js';
import type { AccessTokens } from './access-tokens.js';
import { addressGroup, loginKeys, type LoginLimiter } from './login-limiter.js';
import { checkPasswordPolicy, decoyHash, hashPassword, verifyPassword } from './passwords.js';
import type { RefreshTokens } from './refresh-tokens.js';
import { matchTotp, newTotpSecret, otpauthUri } from './totp.js';
import type { Role, User, UserStore } from './users.js';

export interface Tokens {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  /** Seconds the access token lives. */
  readonly expiresIn: number;
  readonly refreshToken: string;
  readonly refreshExpiresAt: string;
  readonly user: { readonly id: string; readonly username: string; readonly role: Role };
}

/** Who a request comes from. */
export type Principal =
  | { readonly kind: 'user'; readonly user: User; readonly sessionId: string }
  | { readonly kind: 'api-key' };

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export class UserAuth {
  private setupDigest: Buffer | undefined;

  constructor(
    private readonly deps: {
      readonly users: UserStore;
      readonly refresh: RefreshTokens;
      readonly access: AccessTokens;
      readonly audit: AuditLog;
      readonly limiter: LoginLimiter;
      readonly log: Logger;
      readonly now?: () => number;
    },
  ) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /**
   * With no user yet, makes the one-time setup token and hands it to `show` (printed at start);
   * it works once, until the first admin exists or the hub restarts.
   */
  async prepareSetup(show: (token: string) => void): Promise<void> {
    if ((await this.deps.users.count()) > 0) return;
    const token = randomBytes(24).toString('base64url');
    this.setupDigest = digest(token);
    show(token);
  }

  /** True while there is no user: the first admin is still to be made. */
  async setupNeeded(): Promise<boolean> {
    return (await this.deps.users.count()) === 0;
  }

  /** Creates the first admin with the setup token. */
  async setup(token: string, username: string, password: string, ip: string): Promise<Tokens> {
    const expected = this.setupDigest;
    if (!expected || !timingSafeEqual(digest(token), expected)) {
      await this.deps.audit.record({ action: 'setup', outcome: 'denied', ip });
      throw new AppError(
        expected ? 'auth-invalid' : 'forbidden',
        expected ? 'invalid setup token' : 'setup is done: log in as an admin',
      );
    }
    checkPasswordPolicy(password, username);
    this.setupDigest = undefined;
    // Atomic: another replica's setup token may have made an admin meanwhile.
    const user = await this.deps.users.createFirstAdmin(username, await hashPassword(password));
    if (!user) throw new AppError('forbidden', 'setup is done: log in as an admin');
    await this.deps.audit.record({
      action: 'setup',
      outcome: 'ok',
      actor: user.id,
      target: username,
      ip,
    });
    return this.startSession(user);
  }

  async login(username: string, password: string, ip: string, totp?: string): Promise<Tokens> {
    const keys = loginKeys(username, ip);
    const wait = this.deps.limiter.retryAfterS(keys);
    if (wait > 0) {
      await this.deps.audit.record({
        action: 'login',
        outcome: 'denied',
        target: username,
        ip,
        details: { reason: 'rate-limited' },
      });
      throw new RateLimited(wait);
    }
    const attempt = this.deps.limiter.begin(keys);
    const found = await this.deps.users.withHash(username);
    // The same scrypt work whether or not the user exists: no username oracle by timing.
    const ok = await verifyPassword(password, found?.passwordHash ?? (await decoyHash()));
    if (!found || !ok) {
      await this.deps.audit.record({ action: 'login', outcome: 'denied', target: username, ip });
      throw new AppError('auth-invalid', 'wrong username or password');
    }
    if (found.user.disabledAt) {
      this.deps.limiter.forgive(keys, attempt);
      await this.deps.audit.record({
        action: 'login',
        outcome: 'denied',
        actor: found.user.id,
        ip,
        details: { reason: 'disabled' },
      });
      throw new AppError('forbidden', 'this account is disabled: ask an admin');
    }
    await this.secondFactor(found.user, totp, ip, () => this.deps.limiter.forgive(keys, attempt));
    this.deps.limiter.forgive(keys, attempt);
    this.deps.limiter.succeed(`user-ip:${username}@${addressGroup(ip)}`);
    await this.deps.audit.record({ action: 'login', outcome: 'ok', actor: found.user.id, ip });
    return this.startSession(found.user);
  }

  /** With TOTP on, the password alone is not enough: a fresh code must come with it. */
  private async secondFactor(
    user: User,
    code: string | undefined,
    ip: string,
    /** The password was right and no code came: not a failed guess. */
    forgive: () => void,
  ): Promise<void> {
    const totp = await this.deps.users.totp(user.id);
    if (!totp.enabled || !totp.secret) return;
    if (code === undefined) {
      forgive();
      throw new AppError('totp-required', 'a one-time code from the authenticator app is needed');
    }
    // A wrong code stays counted as a failed attempt (begin() counted it).
    if (!(await this.useCode(user.id, totp, code))) {
      await this.deps.audit.record({
        action: 'login',
        outcome: 'denied',
        target: user.username,
        ip,
        details: { reason: 'totp' },
      });
      throw new AppError('auth-invalid', 'wrong or used one-time code');
    }
  }

  /** Starts TOTP for the caller: a secret to put in an authenticator app, pending a first code. */
  async totpSetup(
    principal: Principal,
    password: string,
    ip: string,
  ): Promise<{ secret: string; uri: string }> {
    const user = requireUser(principal);
    // A stolen access token alone must not be able to attach the thief's authenticator.
    await this.checkPassword(user, password, 'totp-setup', ip);
    if ((await this.deps.users.totp(user.id)).enabled)
      throw new AppError('conflict', 'two-factor login is on: turn it off first');
    const secret = newTotpSecret();
    await this.deps.users.setPendingTotp(user.id, secret);
    return { secret, uri: otpauthUri(secret, user.username) };
  }

  /** Turns TOTP on once a code from the app proves it was set up. */
  async totpEnable(principal: Principal, code: string, ip: string): Promise<void> {
    const user = requireUser(principal);
    const totp = await this.deps.users.totp(user.id);
    const ok = !totp.enabled && (await this.useCode(user.id, totp, code));
    await this.totpChanged(user, 'totp-enable', ok, ip);
    if (!ok) throw new AppError('auth-invalid', 'wrong one-time code, or no pending setup');
    await this.deps.users.setTotpEnabled(user.id, true);
    await this.deps.refresh.revokeOthers(user.id, sessionOf(principal));
  }

  /** Turns TOTP off: the password and a current code both, braked like a login. */
  async totpDisable(
    principal: Principal,
    password: string,
    code: string,
    ip: string,
  ): Promise<void> {
    const user = requireUser(principal);
    await this.checkPassword(user, password, 'totp-disable', ip);
    const totp = await this.deps.users.totp(user.id);
    const ok = totp.enabled && (await this.useCode(user.id, totp, code));
    await this.totpChanged(user, 'totp-disable', ok, ip);
    if (!ok) {
      this.deps.limiter.fail(loginKeys(user.username, ip));
      throw new AppError('auth-invalid', 'wrong or used one-time code, or two-factor login is off');
    }
    await this.deps.users.setTotpEnabled(user.id, false);
    await this.deps.refresh.revokeOthers(user.id, sessionOf(principal));
  }

  /** The caller's current password, braked like a login; a wrong one is audited as `action`. */
  private async checkPassword(
    user: User,
    password: string,
    action: string,
    ip: string,
  ): Promise<void> {
    const keys = loginKeys(user.username, ip);
    const wait = this.deps.limiter.retryAfterS(keys);
    if (wait > 0) throw new RateLimited(wait);
    const attempt = this.deps.limiter.begin(keys);
    const found = await this.deps.users.withHash(user.username);
    if (!found || !(await verifyPassword(password, found.passwordHash))) {
      await this.deps.audit.record({ action, outcome: 'denied', actor: user.id, ip });
      throw new AppError('auth-invalid', 'the current password is wrong');
    }
    this.deps.limiter.forgive(keys, attempt);
  }

  /** Checks a code against the user's secret and uses its time step up (no replay). */
  private async useCode(
    userId: string,
    totp: { secret: string | null; lastStep: number | null },
    code: string,
  ): Promise<boolean> {
    if (!totp.secret) return false;
    const step = matchTotp(totp.secret, code, this.now(), totp.lastStep);
    return step !== undefined && (await this.deps.users.useTotpStep(userId, step));
  }

  private totpChanged(user: User, action: string, ok: boolean, ip: string): Promise<void> {
    return this.deps.audit.record({ action, outcome: ok ? 'ok' : 'denied', actor: user.id, ip });
  }

  async refresh(refreshToken: string, ip: string): Promise<Tokens> {
    let rotated;
    try {
      rotated = await this.deps.refresh.rotate(refreshToken);
    } catch (err) {
      if (err instanceof AppError && err.code === 'auth-replayed')
        await this.deps.audit.record({ action: 'refresh-reuse', outcome: 'denied', ip });
      throw err;
    }
    const user = await this.deps.users.get(rotated.userId);
    if (!user || user.disabledAt) throw new AppError('auth-invalid', 'invalid refresh token');
    return this.tokens(user, rotated);
  }

  /** Ends the session the access token belongs to. */
  async logout(principal: Principal, ip: string): Promise<void> {
    if (principal.kind !== 'user') return;
    await this.deps.refresh.revokeFamily(principal.sessionId);
    await this.deps.audit.record({ action: 'logout', outcome: 'ok', actor: principal.user.id, ip });
  }

  /** Changes the caller's password; every session of theirs ends, this one included. */
  async changePassword(
    principal: Principal,
    current: string,
    next: string,
    ip: string,
  ): Promise<void> {
    if (principal.kind !== 'user') throw new AppError('forbidden', 'an API key has no password');
    await this.checkPassword(principal.user, current, 'password-change', ip);
    checkPasswordPolicy(next, principal.user.username);
    await this.deps.users.setPassword(principal.user.id, await hashPassword(next));
    await this.deps.refresh.revokeUser(principal.user.id);
    await this.deps.audit.record({
      action: 'password-change',
      outcome: 'ok',
      actor: principal.user.id,
      ip,
    });
  }

  async createUser(
    principal: Principal,
    user: { username: string; password: string; role: Role },
    ip: string,
  ): Promise<User> {
    requireRole(principal, 'admin');
    checkPasswordPolicy(user.password, user.username);
    const created = await this.deps.users.create({
      username: user.username,
      role: user.role,
      passwordHash: await hashPassword(user.password),
    });
    await this.deps.audit.record({
      action: 'user-create',
      outcome: 'ok',
      actor: actorOf(principal),
      target: created.id,
      ip,
      details: { username: created.username, role: created.role },
    });
    return created;
  }

  /** An admin changes a user's role or disables/enables them; disabling ends their sessions. */
  async updateUser(
    principal: Principal,
    id: string,
    change: { role?: Role; disabled?: boolean },
    ip: string,
  ): Promise<User> {
    requireRole(principal, 'admin');
    if (change.disabled && principal.kind === 'user' && principal.user.id === id)
      throw new AppError('conflict', 'you cannot disable your own account');
    const updated = await this.deps.users.update(id, change);
    if (updated === undefined) throw new AppError('not-found', 'no such user');
    if (updated === 'last-admin')
      throw new AppError('conflict', 'this would leave no admin who can log in');
    if (change.disabled) await this.deps.refresh.revokeUser(id);
    await this.deps.audit.record({
      action: 'user-update',
      outcome: 'ok',
      actor: actorOf(principal),
      target: id,
      ip,
      details: { ...change },
    });
    return updated;
  }

  /** An admin deletes a user and every session of theirs (audit rows stay). */
  async deleteUser(principal: Principal, id: string, ip: string): Promise<void> {
    requireRole(principal, 'admin');
    if (principal.kind === 'user' && principal.user.id === id)
      throw new AppError('conflict', 'you cannot delete your own account');
    const deleted = await this.deps.users.delete(id);
    if (deleted === undefined) throw new AppError('not-found', 'no such user');
    if (deleted === 'last-admin')
      throw new AppError('conflict', 'this would leave no admin who can log in');
    await this.deps.audit.record({
      action: 'user-delete',
      outcome: 'ok',
      actor: actorOf(principal),
      target: id,
      ip,
    });
  }

  /** An admin turns off a user's second factor (a lost phone); their sessions end. */
  async resetTotp(principal: Principal, id: string, ip: string): Promise<void> {
    requireRole(principal, 'admin');
    if (!(await this.deps.users.get(id))) throw new AppError('not-found', 'no such user');
    await this.deps.users.resetTotp(id);
    await this.deps.refresh.revokeUser(id);
    await this.deps.audit.record({
      action: 'totp-reset',
      outcome: 'ok',
      actor: actorOf(principal),
      target: id,
      ip,
    });
  }

  listUsers(): Promise<User[]> {
    return this.deps.users.list();
  }

  /**
   * The user behind an access token: signature, expiry, the user still existing, its password
   * unchanged since, and its session not logged out.
   */
  async authenticate(token: string): Promise<Principal> {
    const claims = await this.deps.access.verify(token);
    const user = await this.deps.users.get(claims.userId);
    if (
      !user ||
      user.disabledAt ||
      user.tokenVersion !== claims.tokenVersion ||
      user.role !== claims.role
    )
      throw new AppError('auth-invalid', 'token no longer valid');
    if (!(await this.deps.refresh.isLive(claims.sessionId)))
      throw new AppError('auth-invalid', 'session ended');
    return { kind: 'user', user, sessionId: claims.sessionId };
  }

  private async startSession(user: User): Promise<Tokens> {
    return this.tokens(user, await this.deps.refresh.start(user.id));
  }

  private async tokens(
    user: User,
    refresh: { token: string; familyId: string; expiresAt: Date },
  ): Promise<Tokens> {
    const accessToken = await this.deps.access.sign({
      userId: user.id,
      role: user.role,
      tokenVersion: user.tokenVersion,
      sessionId: refresh.familyId,
    });
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: this.deps.access.lifetimeS,
      refreshToken: refresh.token,
      refreshExpiresAt: refresh.expiresAt.toISOString(),
      user: { id: user.id, username: user.username, role: user.role },
    };
  }
}

/** Too many attempts or requests; `retryAfterS` goes in the Retry-After header. */
export class RateLimited extends AppError {
  constructor(
    readonly retryAfterS: number,
    what = 'too many failed attempts',
  ) {
    super('rate-limited', `${what}: try again in ${retryAfterS} s`, true);
  }
}

const sessionOf = (p: Principal): string => (p.kind === 'user' ? p.sessionId : '');

function requireUser(p: Principal): User {
  if (p.kind !== 'user') throw new AppError('forbidden', 'this is for a signed-in user');
  return p.user;
}

/** How the audit log names a principal. */
export const actorOf = (p: Principal): string => (p.kind === 'user' ? p.user.id : 'api-key');

/** @throws AppError('forbidden') unless the principal is a user with `role` (admins pass all). */
export function requireRole(principal: Principal, role: Role): void {
  if (principal.kind !== 'user' || (role === 'admin' && principal.user.role !== 'admin'))
    throw new AppError('forbidden', `this needs the ${role} role`);
}
