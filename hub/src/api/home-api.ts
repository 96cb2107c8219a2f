/**
 * The home API for the dashboard and other programs: list and cancel timers, speak an
 * announcement. Callers are users (their access token) or integrations (API keys from env
 * JARVIS_API_KEYS and/or `api.keysFile`).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { AnnounceRequestSchema, type Announcer } from '../announcements/announcements.js';
import { AppError } from '../errors.js';
import type { Timer, TimerService } from '../timers/timers.js';
import type { AuthHook } from './request-auth.js';

export interface HomeApiOptions {
  readonly authenticate: AuthHook;
  readonly timers: TimerService;
  readonly announcer: Announcer;
  readonly log: Logger;
  readonly now?: () => number;
}

const TimerParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
const TimerQuery = Type.Object(
  { satellite: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
  { additionalProperties: false },
);

const timerJson = (t: Timer, now: number) => ({
  id: t.id,
  satelliteId: t.satelliteId,
  name: t.name ?? null,
  durationMs: t.durationMs,
  endsAt: t.endsAt.toISOString(),
  remainingMs: Math.max(0, t.endsAt.getTime() - now),
});

export async function registerHomeApi<L extends FastifyBaseLogger>(
  app: FastifyInstance<Server, IncomingMessage, ServerResponse, L>,
  options: HomeApiOptions,
): Promise<void> {
  const { timers, announcer } = options;
  const log = options.log.child({ component: 'home-api' });
  const now = options.now ?? Date.now;

  await app.register(async (scope) => {
    // onRequest: refuse before a body is read.
    scope.addHook('onRequest', options.authenticate);

    scope.get<{ Querystring: Static<typeof TimerQuery> }>(
      '/v1/timers',
      { schema: { querystring: TimerQuery } },
      async (req) => {
        const at = now();
        const pending = await timers.pending(req.query.satellite);
        return { timers: pending.map((t) => timerJson(t, at)) };
      },
    );

    scope.delete<{ Params: Static<typeof TimerParams> }>(
      '/v1/timers/:id',
      { schema: { params: TimerParams } },
      async (req, reply) => {
        if (!(await timers.cancel(req.params.id)))
          throw new AppError('not-found', `no pending timer ${req.params.id}`);
        log.info({ timer: req.params.id }, 'timer cancelled through the API');
        return reply.status(204).send();
      },
    );

    scope.post<{ Body: Static<typeof AnnounceRequestSchema> }>(
      '/v1/announcements',
      { schema: { body: AnnounceRequestSchema } },
      async (req, reply) => {
        const { text, satellite, room } = req.body;
        const targets = announcer.targets({ satellite, room });
        if (targets.length === 0)
          throw new AppError('no-listener', 'no online satellite matches the announcement');
        // Speaking takes seconds: answer now with who will hear it (announceTo never rejects).
        void announcer.announceTo(targets, text);
        log.info({ satellites: targets.map((t) => t.satellite.id) }, 'announcement from the API');
        return reply.status(202).send({ satellites: targets.map((t) => t.satellite.id) });
      },
    );
  });
}
