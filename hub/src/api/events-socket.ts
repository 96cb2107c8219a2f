/**
 * `GET /v1/events`: the dashboard's live feed over one WebSocket. A browser cannot put a Bearer
 * header on a WebSocket, and a token in the URL would end up in logs, so the first frame must be
 * `{"type":"auth","token"}` (within 5 s); after `{"type":"ready"}` the feed flows. The token is
 * checked again every minute (a logged-out or disabled user stops hearing within one), and the
 * client sends a fresh one after each refresh. Refusals close with 4001.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import type { UserAuth } from '../auth/user-auth.js';
import { AppError } from '../errors.js';
import type { LiveEvents } from '../live/live-events.js';

export const EVENTS_CLOSE = { unauthorized: 4001, policy: 1008, tooBig: 1009 } as const;
const AUTH_TIMEOUT_MS = 5000;
const RECHECK_MS = 60_000;
const MAX_CLIENT_FRAME_BYTES = 4096;
/** A client that sends more than this many frames a minute is not a dashboard. */
const MAX_CLIENT_FRAMES_PER_MINUTE = 30;
/** Frames waiting in a slow client's socket before it is dropped (the feed must not pile up). */
const MAX_BUFFERED_BYTES = 1 << 20;

export function registerEventsSocket<L extends FastifyBaseLogger>(
  app: FastifyInstance<Server, IncomingMessage, ServerResponse, L>,
  options: {
    readonly userAuth: UserAuth;
    readonly live: LiveEvents;
    readonly recheckMs?: number;
  },
): void {
  const { userAuth, live } = options;
  app.get('/v1/events', { websocket: true }, (socket: WebSocket, req) => {
    let token: string | undefined;
    let stop: (() => void) | undefined;
    let frames = 0;
    const window = setInterval(() => (frames = 0), 60_000);
    const close = (code: number, reason: string) => {
      stop?.();
      stop = undefined;
      clearTimeout(authTimer);
      clearInterval(recheck);
      clearInterval(window);
      if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING)
        socket.close(code, reason);
    };
    const send = (value: object) => {
      if (socket.readyState !== socket.OPEN) return;
      if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
        close(EVENTS_CLOSE.policy, 'too slow');
        return;
      }
      socket.send(JSON.stringify(value));
    };
    const authTimer = setTimeout(
      () => close(EVENTS_CLOSE.unauthorized, 'no auth frame'),
      AUTH_TIMEOUT_MS,
    );
    const recheck = setInterval(() => {
      if (token === undefined) return;
      userAuth.authenticate(token).catch(() => {
        send({ type: 'error', code: 'auth-expired', message: 'send a fresh token' });
        close(EVENTS_CLOSE.unauthorized, 'token no longer valid');
      });
    }, options.recheckMs ?? RECHECK_MS);

    socket.on('message', (data: Buffer, isBinary: boolean) => {
      frames += 1;
      if (frames > MAX_CLIENT_FRAMES_PER_MINUTE) return close(EVENTS_CLOSE.policy, 'flood');
      if (isBinary) return close(EVENTS_CLOSE.policy, 'text frames only');
      if (data.length > MAX_CLIENT_FRAME_BYTES) return close(EVENTS_CLOSE.tooBig, 'frame too big');
      const fresh = parseAuth(data.toString('utf8'));
      if (fresh instanceof AppError) {
        send({ type: 'error', ...fresh.toWire() });
        // Before auth, anything but an auth frame ends the connection.
        if (!stop) close(EVENTS_CLOSE.unauthorized, fresh.message);
        return;
      }
      userAuth.authenticate(fresh).then(
        () => {
          token = fresh;
          clearTimeout(authTimer);
          if (!stop) {
            stop = live.subscribe(send);
            send({ type: 'ready' });
          }
        },
        () => {
          send({ type: 'error', code: 'auth-invalid', message: 'invalid or expired token' });
          close(EVENTS_CLOSE.unauthorized, 'invalid token');
        },
      );
    });
    socket.on('close', () => close(1000, ''));
    socket.on('error', (err) => req.log.warn({ err: err.message }, 'events socket error'));
  });
}

function parseAuth(text: string): string | AppError {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return new AppError('bad-request', 'frames are JSON');
  }
  const v = value as { type?: unknown; token?: unknown };
  if (
    typeof value !== 'object' ||
    value === null ||
    v.type !== 'auth' ||
    typeof v.token !== 'string' ||
    v.token.length === 0 ||
    Object.keys(value).length !== 2
  )
    return new AppError('bad-request', 'the only frame a client sends is {"type":"auth","token"}');
  return v.token;
}
