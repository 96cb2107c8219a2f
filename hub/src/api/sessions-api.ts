/**
 * Voice sessions for the dashboard's history: `GET /v1/sessions` (search and filter, newest
 * first, paged by `before`), `GET /v1/sessions/:id`, and `GET /v1/sessions/:id/reply.wav`, the
 * reply as it was spoken while the hub still keeps it.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { AppError } from '../errors.js';
import type { ReplyAudio } from '../live/reply-audio.js';
import type { SessionRecord, SessionStore } from '../storage/sessions.js';
import type { AuthHook } from './request-auth.js';

const OUTCOMES = ['ok', 'not-understood', 'no-speech', 'cancelled', 'error'] as const;

export const sessionView = (r: SessionRecord, replies: ReplyAudio) => ({
  id: r.id,
  satelliteId: r.satelliteId,
  startedAt: r.startedAt.toISOString(),
  endedAt: r.endedAt?.toISOString() ?? null,
  wakeWord: r.wakeWord,
  wakeScore: r.wakeScore,
  transcript: r.transcript,
  sttSource: r.sttSource,
  intent: r.intent,
  slots: r.slots,
  action: r.action,
  reply: r.reply,
  outcome: r.outcome,
  errorCode: r.errorCode,
  timings: r.timings,
  engines: r.engines,
  hasAudio: replies.has(r.id),
});

const SessionQuery = Type.Object(
  {
    satellite: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' })),
    outcome: Type.Optional(Type.Union(OUTCOMES.map((o) => Type.Literal(o)))),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    before: Type.Optional(Type.String({ format: 'date-time' })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object(
  { id: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

export async function registerSessionsApi<L extends FastifyBaseLogger>(
  app: FastifyInstance<Server, IncomingMessage, ServerResponse, L>,
  options: {
    readonly authenticate: AuthHook;
    readonly sessions: SessionStore;
    readonly replies: ReplyAudio;
  },
): Promise<void> {
  const { sessions, replies } = options;
  await app.register(async (scope) => {
    scope.addHook('onRequest', options.authenticate);
    scope.get<{ Querystring: Static<typeof SessionQuery> }>(
      '/v1/sessions',
      { schema: { querystring: SessionQuery } },
      async (req) => {
        const { satellite, outcome, q, before, limit } = req.query;
        const found = await sessions.search({
          satelliteId: satellite,
          outcome,
          text: q,
          before: before === undefined ? undefined : new Date(before),
          limit,
        });
        return { sessions: found.map((r) => sessionView(r, replies)) };
      },
    );
    scope.get<{ Params: Static<typeof IdParams> }>(
      '/v1/sessions/:id',
      { schema: { params: IdParams } },
      async (req) => {
        const found = await sessions.get(req.params.id);
        if (!found) throw new AppError('not-found', 'no such session');
        return sessionView(found, replies);
      },
    );
    scope.get<{ Params: Static<typeof IdParams> }>(
      '/v1/sessions/:id/reply.wav',
      { schema: { params: IdParams } },
      async (req, reply) => {
        const wav = replies.wav(req.params.id);
        if (!wav) throw new AppError('not-found', 'the reply audio of this session is not kept');
        return reply.type('audio/wav').send(Buffer.from(wav.buffer, wav.byteOffset, wav.length));
      },
    );
  });
}
