/**
 * Broker credentials for devices and integrations (admins only): each with the topics it may
 * publish and subscribe within; the password is shown once; revoking one disconnects its clients.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AuditLog } from '../audit/audit-log.js';
import { actorOf, requireRole } from '../auth/user-auth.js';
import { AppError } from '../errors.js';
import { isTopicFilter } from '../mqtt/acl.js';
import type { MqttBus } from '../mqtt/bus.js';
import type { MqttCredentials } from '../mqtt/credentials.js';
import { principalOf, type AuthHook } from './request-auth.js';

const Username = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{1,31}$' });
const Filters = Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
  minItems: 1,
  maxItems: 32,
});
const CredentialBody = Type.Object(
  { username: Username, publish: Filters, subscribe: Filters },
  { additionalProperties: false },
);
const UsernameParams = Type.Object({ username: Username });

export async function registerMqttApi<L extends FastifyBaseLogger>(
  app: FastifyInstance<Server, IncomingMessage, ServerResponse, L>,
  options: {
    readonly credentials: MqttCredentials;
    readonly bus: MqttBus;
    readonly audit: AuditLog;
    readonly authenticate: AuthHook;
    /** Names the config's broker users take: a credential may not shadow one. */
    readonly reserved: readonly string[];
  },
): Promise<void> {
  const { credentials, audit } = options;
  await app.register(async (scope) => {
    scope.addHook('onRequest', options.authenticate);
    scope.addHook('preHandler', async (req) => requireRole(principalOf(req), 'admin'));

    scope.post<{ Body: Static<typeof CredentialBody> }>(
      '/v1/mqtt/credentials',
      { schema: { body: CredentialBody } },
      async (req, reply) => {
        const { username, publish, subscribe } = req.body;
        const bad = [...publish, ...subscribe].find((f) => !isTopicFilter(f));
        if (bad !== undefined) throw new AppError('bad-request', `"${bad}" is not a topic filter`);
        if (options.reserved.includes(username))
          throw new AppError('conflict', `"${username}" is a broker user of the config`);
        const made = await credentials.create({ username, publish, subscribe });
        await audit.record({
          action: 'mqtt-credential-create',
          outcome: 'ok',
          actor: actorOf(principalOf(req)),
          target: username,
          ip: req.ip,
        });
        return reply.status(201).send({ ...made, publish, subscribe });
      },
    );

    scope.get('/v1/mqtt/credentials', async () => ({
      credentials: (await credentials.list()).map((c) => ({
        ...c,
        createdAt: c.createdAt.toISOString(),
      })),
    }));

    scope.delete<{ Params: Static<typeof UsernameParams> }>(
      '/v1/mqtt/credentials/:username',
      { schema: { params: UsernameParams } },
      async (req, reply) => {
        const { username } = req.params;
        if (!(await credentials.revoke(username)))
          throw new AppError('not-found', `no MQTT credential "${username}"`);
        options.bus.disconnectIdentity?.(`device:${username}`);
        await audit.record({
          action: 'mqtt-credential-revoke',
          outcome: 'ok',
          actor: actorOf(principalOf(req)),
          target: username,
          ip: req.ip,
        });
        return reply.status(204).send();
      },
    );
  });
}
