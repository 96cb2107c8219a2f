/**
 * Users over HTTP: first-admin setup, login, refresh, logout, password change, the user list and
 * the audit log. Every body has a schema; unknown fields are refused.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AuditLog } from '../audit/audit-log.js';
import { MAX_PASSWORD_CHARS } from '../auth/passwords.js';
import { requireRole, type UserAuth } from '../auth/user-auth.js';
import { USERNAME_PATTERN, type User } from '../auth/users.js';
import { principalOf, type AuthHook } from './request-auth.js';

const Username = Type.String({ pattern: USERNAME_PATTERN });
const Password = Type.String({ minLength: 1, maxLength: MAX_PASSWORD_CHARS * 4 });
const strict = { additionalProperties: false } as const;

const SetupBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200 }), username: Username, password: Password },
  strict,
);
const TotpCode = Type.String({ pattern: '^[0-9]{6}$' });
const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Password,
    /** The authenticator app's code, for a user with two-factor login on. */
    totp: Type.Optional(TotpCode),
  },
  strict,
);
const TotpSetupBody = Type.Object({ password: Password }, strict);
const TotpEnableBody = Type.Object({ code: TotpCode }, strict);
const TotpDisableBody = Type.Object({ password: Password, code: TotpCode }, strict);
const RefreshBody = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 200 }) },
  strict,
);
const PasswordBody = Type.Object({ currentPassword: Password, newPassword: Password }, strict);
const NewUserBody = Type.Object(
  {
    username: Username,
    password: Password,
    role: Type.Union([Type.Literal('admin'), Type.Literal('member')]),
  },
  strict,
);
const UserParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, strict);
const UserChange = Type.Object(
  {
    role: Type.Optional(Type.Union([Type.Literal('admin'), Type.Literal('member')])),
    disabled: Type.Optional(Type.Boolean()),
  },
  { ...strict, minProperties: 1 },
);
const AuditQuery = Type.Object(
  {
    action: Type.Optional(Type.String({ pattern: '^[a-z-]{1,32}$' })),
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  strict,
);

const userView = (u: User) => ({
  id: u.id,
  username: u.username,
  role: u.role,
  createdAt: u.createdAt.toISOString(),
  disabled: u.disabledAt !== null,
  totpEnabled: u.totpEnabled,
});

export async function registerAuthApi<L extends FastifyBaseLogger>(
  app: FastifyInstance<Server, IncomingMessage, ServerResponse, L>,
  options: {
    readonly userAuth: UserAuth;
    readonly audit: AuditLog;
    readonly authenticate: AuthHook;
  },
): Promise<void> {
  const { userAuth, audit, authenticate } = options;

  await app.register(async (open) => {
    // Whether the dashboard should offer first-admin setup instead of a login.
    open.get('/v1/setup', async () => ({ needed: await userAuth.setupNeeded() }));
    open.post<{ Body: Static<typeof SetupBody> }>(
      '/v1/setup',
      { schema: { body: SetupBody } },
      async (req, reply) => {
        const { token, username, password } = req.body;
        return reply.status(201).send(await userAuth.setup(token, username, password, req.ip));
      },
    );
    open.post<{ Body: Static<typeof LoginBody> }>(
      '/v1/auth/login',
      { schema: { body: LoginBody } },
      async (req) => userAuth.login(req.body.username, req.body.password, req.ip, req.body.totp),
    );
    open.post<{ Body: Static<typeof RefreshBody> }>(
      '/v1/auth/refresh',
      { schema: { body: RefreshBody } },
      async (req) => userAuth.refresh(req.body.refreshToken, req.ip),
    );
  });

  await app.register(async (scope) => {
    scope.addHook('onRequest', authenticate);

    scope.get('/v1/me', async (req) => {
      const p = principalOf(req);
      return p.kind === 'user'
        ? { kind: 'user', id: p.user.id, username: p.user.username, role: p.user.role }
        : { kind: 'api-key' };
    });
    scope.post('/v1/auth/logout', async (req, reply) => {
      await userAuth.logout(principalOf(req), req.ip);
      return reply.status(204).send();
    });
    scope.post<{ Body: Static<typeof PasswordBody> }>(
      '/v1/auth/password',
      { schema: { body: PasswordBody } },
      async (req, reply) => {
        const { currentPassword, newPassword } = req.body;
        await userAuth.changePassword(principalOf(req), currentPassword, newPassword, req.ip);
        return reply.status(204).send();
      },
    );
    scope.post<{ Body: Static<typeof TotpSetupBody> }>(
      '/v1/auth/totp',
      { schema: { body: TotpSetupBody } },
      async (req) => userAuth.totpSetup(principalOf(req), req.body.password, req.ip),
    );
    scope.post<{ Body: Static<typeof TotpEnableBody> }>(
      '/v1/auth/totp/enable',
      { schema: { body: TotpEnableBody } },
      async (req, reply) => {
        await userAuth.totpEnable(principalOf(req), req.body.code, req.ip);
        return reply.status(204).send();
      },
    );
    scope.post<{ Body: Static<typeof TotpDisableBody> }>(
      '/v1/auth/totp/disable',
      { schema: { body: TotpDisableBody } },
      async (req, reply) => {
        await userAuth.totpDisable(principalOf(req), req.body.password, req.body.code, req.ip);
        return reply.status(204).send();
      },
    );
    scope.get('/v1/users', async (req) => {
      requireRole(principalOf(req), 'admin');
      const users = await userAuth.listUsers();
      return {
        users: users.map(userView),
      };
    });
    scope.patch<{ Params: Static<typeof UserParams>; Body: Static<typeof UserChange> }>(
      '/v1/users/:id',
      { schema: { params: UserParams, body: UserChange } },
      async (req) =>
        userView(await userAuth.updateUser(principalOf(req), req.params.id, req.body, req.ip)),
    );
    scope.delete<{ Params: Static<typeof UserParams> }>(
      '/v1/users/:id',
      { schema: { params: UserParams } },
      async (req, reply) => {
        await userAuth.deleteUser(principalOf(req), req.params.id, req.ip);
        return reply.status(204).send();
      },
    );
    scope.post<{ Params: Static<typeof UserParams> }>(
      '/v1/users/:id/totp-reset',
      { schema: { params: UserParams } },
      async (req, reply) => {
        await userAuth.resetTotp(principalOf(req), req.params.id, req.ip);
        return reply.status(204).send();
      },
    );
    scope.post<{ Body: Static<typeof NewUserBody> }>(
      '/v1/users',
      { schema: { body: NewUserBody } },
      async (req, reply) => {
        const user = await userAuth.createUser(principalOf(req), req.body, req.ip);
        return reply.status(201).send({ id: user.id, username: user.username, role: user.role });
      },
    );
    scope.get<{ Querystring: Static<typeof AuditQuery> }>(
      '/v1/audit',
      { schema: { querystring: AuditQuery } },
      async (req) => {
        requireRole(principalOf(req), 'admin');
        const { action, actor, limit } = req.query;
        const entries = await audit.list({
          limit,
          ...(action ? { action } : {}),
          ...(actor ? { actor } : {}),
        });
        return { entries: entries.map((e) => ({ ...e, at: e.at.toISOString() })) };
      },
    );
  });
}
