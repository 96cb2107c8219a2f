/**
 * Satellites over HTTP: admins make enrollment codes, list and revoke satellites (a revoked one
 * is disconnected at once, as is one whose key is replaced); a new satellite redeems a code with its public key; an enrolled one
 * rotates its key by proving the old one (its own signed token).
 */
import { SATELLITE_ID_PATTERN } from '@jarvis/protocol';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AuditLog } from '../audit/audit-log.js';
import { MAX_PUBLIC_KEY_CHARS, checkPublicKey, type EnrollmentCodes } from '../auth/enrollment.js';
import { addressGroup, type LoginLimiter } from '../auth/login-limiter.js';
import type { SatelliteTokenVerifier } from '../auth/satellite-token.js';
import { RateLimited, actorOf, requireRole } from '../auth/user-auth.js';
import { AppError } from '../errors.js';
import type { SatelliteRecord, SatelliteStore } from '../storage/satellites.js';
import { bearerToken } from './api-keys.js';
import type { SatelliteView } from './satellite-view.js';
import { principalOf, type AuthHook } from './request-auth.js';

const SatelliteId = Type.String({ pattern: SATELLITE_ID_PATTERN });
const Room = Type.String({ minLength: 1, maxLength: 64, pattern: "^[\\p{L}\\p{N}' -]+$" });
const Name = Type.String({ minLength: 1, maxLength: 64 });
const PublicKey = Type.String({ minLength: 1, maxLength: MAX_PUBLIC_KEY_CHARS });
const strict = { additionalProperties: false } as const;

const CodeBody = Type.Object(
  {
    room: Room,
    name: Type.Optional(Name),
    satelliteId: Type.Optional(SatelliteId),
    ttlMinutes: Type.Integer({ minimum: 1, maximum: 1440, default: 15 }),
  },
  strict,
);
const EnrollBody = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 32 }),
    id: SatelliteId,
    name: Type.Optional(Name),
    publicKey: PublicKey,
  },
  strict,
);
const KeyBody = Type.Object({ publicKey: PublicKey }, strict);
const ChangeBody = Type.Object(
  { name: Type.Optional(Name), room: Type.Optional(Room) },
  { ...strict, minProperties: 1 },
);
const VolumeBody = Type.Object(
  {
    volume: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    muted: Type.Optional(Type.Boolean()),
  },
  { ...strict, minProperties: 1 },
);
const IdParams = Type.Object({ id: SatelliteId });

export interface SatellitesApiOptions {
  readonly codes: EnrollmentCodes;
  readonly satellites: SatelliteStore;
  readonly verifier: SatelliteTokenVerifier;
  readonly audit: AuditLog;
  readonly authenticate: AuthHook;
  /** Failed redemptions per IP: a code is 60 bits, but guessing should still cost. */
  readonly limiter: LoginLimiter;
  readonly hubId: string;
  /** How the API shows a satellite: its record with its live state. */
  readonly view: (s: SatelliteRecord) => SatelliteView;
  /** A satellite was renamed or moved: its connection and the rooms voice can name follow. */
  readonly changed: (s: SatelliteRecord) => void;
  /** Sets an online satellite's volume and/or mute; false when it is offline. */
  readonly control: (id: string, change: { volume?: number; muted?: boolean }) => boolean;
  /** Closes a revoked satellite's open connection. */
  readonly disconnect: (id: string, reason: string) => void;
}

export async function registerSatellitesApi<L extends FastifyBaseLogger>(
  app: FastifyInstance<Server, IncomingMessage, ServerResponse, L>,
  options: SatellitesApiOptions,
): Promise<void> {
  const { codes, satellites, audit, limiter } = options;

  await app.register(async (admin) => {
    admin.addHook('onRequest', options.authenticate);

    admin.post<{ Body: Static<typeof CodeBody> }>(
      '/v1/satellites/enrollment-codes',
      { schema: { body: CodeBody } },
      async (req, reply) => {
        const p = principalOf(req);
        requireRole(p, 'admin');
        const { room, name, satelliteId, ttlMinutes } = req.body;
        const made = await codes.create({
          room,
          name,
          satelliteId,
          ttlMs: ttlMinutes * 60_000,
          createdBy: actorOf(p),
        });
        await audit.record({
          action: 'enrollment-code',
          outcome: 'ok',
          actor: actorOf(p),
          target: satelliteId ?? room,
          ip: req.ip,
        });
        return reply
          .status(201)
          .send({ code: made.code, room: made.room, expiresAt: made.expiresAt.toISOString() });
      },
    );

    admin.get('/v1/satellites', async (req) => {
      requireRole(principalOf(req), 'admin');
      return { satellites: (await satellites.list()).map(options.view) };
    });

    admin.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof ChangeBody> }>(
      '/v1/satellites/:id',
      { schema: { params: IdParams, body: ChangeBody } },
      async (req) => {
        const p = principalOf(req);
        requireRole(p, 'admin');
        const updated = await satellites.update(req.params.id, req.body);
        if (!updated) throw new AppError('not-found', `no enrolled satellite "${req.params.id}"`);
        options.changed(updated);
        await audit.record({
          action: 'satellite-update',
          outcome: 'ok',
          actor: actorOf(p),
          target: updated.id,
          ip: req.ip,
          details: { ...req.body },
        });
        return options.view(updated);
      },
    );

    admin.post<{ Params: Static<typeof IdParams>; Body: Static<typeof VolumeBody> }>(
      '/v1/satellites/:id/volume',
      { schema: { params: IdParams, body: VolumeBody } },
      async (req, reply) => {
        requireRole(principalOf(req), 'admin');
        if (!options.control(req.params.id, req.body))
          throw new AppError('not-online', `satellite "${req.params.id}" is not online`);
        return reply.status(204).send();
      },
    );

    admin.delete<{ Params: Static<typeof IdParams> }>(
      '/v1/satellites/:id',
      { schema: { params: IdParams } },
      async (req, reply) => {
        const p = principalOf(req);
        requireRole(p, 'admin');
        const { id } = req.params;
        if (!(await satellites.revoke(id)))
          throw new AppError('not-found', `no enrolled satellite "${id}"`);
        options.disconnect(id, 'revoked');
        await audit.record({
          action: 'satellite-revoke',
          outcome: 'ok',
          actor: actorOf(p),
          target: id,
          ip: req.ip,
        });
        return reply.status(204).send();
      },
    );
  });

  await app.register(async (open) => {
    open.post<{ Body: Static<typeof EnrollBody> }>(
      '/v1/satellites/enroll',
      { schema: { body: EnrollBody } },
      async (req, reply) => {
        const key = `ip:${addressGroup(req.ip)}` as const;
        const wait = limiter.retryAfterS([key]);
        if (wait > 0) throw new RateLimited(wait);
        const { code, id, name, publicKey } = req.body;
        try {
          const sat = await codes.redeem(code, { id, name, publicKey });
          // A re-enrolment (a code made for this id) leaves no connection on the old key.
          options.disconnect(id, 'key replaced');
          await audit.record({
            action: 'satellite-enroll',
            outcome: 'ok',
            actor: `satellite:${id}`,
            target: id,
            ip: req.ip,
          });
          return await reply
            .status(201)
            .send({ id: sat.id, name: sat.name, room: sat.room, hubId: options.hubId });
        } catch (err) {
          if (err instanceof AppError && err.code.startsWith('auth-')) {
            limiter.fail([key]);
            await audit.record({
              action: 'satellite-enroll',
              outcome: 'denied',
              target: id,
              ip: req.ip,
              details: { reason: err.code },
            });
          }
          throw err;
        }
      },
    );

    // What the hub sees of a satellite, asked with its own signed token (the provisioning CLI
    // waits on this after an install, holding the satellite's key but no user's credentials).
    open.get<{ Params: Static<typeof IdParams> }>(
      '/v1/satellites/:id/status',
      { schema: { params: IdParams } },
      async (req) => {
        const sat = await options.verifier.verify(bearerToken(req.headers.authorization));
        if (sat.id !== req.params.id)
          throw new AppError('forbidden', 'a satellite may read only its own status');
        const view = options.view(sat);
        return {
          id: sat.id,
          name: sat.name,
          room: sat.room,
          online: view.online,
          lastSeen: view.lastSeen,
        };
      },
    );

    // Rotation: the satellite proves its current key with a token it signed, then swaps keys.
    open.post<{ Params: Static<typeof IdParams>; Body: Static<typeof KeyBody> }>(
      '/v1/satellites/:id/key',
      { schema: { params: IdParams, body: KeyBody } },
      async (req, reply) => {
        const sat = await options.verifier.verify(bearerToken(req.headers.authorization));
        if (sat.id !== req.params.id)
          throw new AppError('forbidden', 'a satellite may rotate only its own key');
        await checkPublicKey(req.body.publicKey);
        if (!(await satellites.rotateKey(sat.id, req.body.publicKey)))
          throw new AppError('satellite-revoked', `satellite "${sat.id}" is revoked`);
        // Connections made with the old key end; the satellite reconnects with the new one.
        options.disconnect(sat.id, 'key replaced');
        await audit.record({
          action: 'satellite-key-rotate',
          outcome: 'ok',
          actor: `satellite:${sat.id}`,
          target: sat.id,
          ip: req.ip,
        });
        return reply.status(204).send();
      },
    );
  });
}
