/**
 * Security headers on every HTTP answer, and CORS for the browser origins the config names
 * (none by default: the dashboard is served by the hub itself, same origin).
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'microphone=(), camera=(), geolocation=()',
};

const CORS_METHODS = 'GET, POST, PUT, PATCH, DELETE';
const CORS_HEADERS = 'authorization, content-type';

export function registerHttpHygiene<L extends FastifyBaseLogger>(
  app: FastifyInstance<Server, IncomingMessage, ServerResponse, L>,
  options: { readonly corsOrigins: readonly string[] },
): void {
  const allowed = new Set(options.corsOrigins);
  const allowedOrigin = (origin: string | undefined): string | undefined =>
    origin !== undefined && allowed.has(origin) ? origin : undefined;

  // A preflight is answered before routing: only for allowed origins does it carry permission.
  app.addHook('onRequest', async (req, reply) => {
    if (req.method !== 'OPTIONS' || req.headers['access-control-request-method'] === undefined)
      return;
    const origin = allowedOrigin(req.headers.origin);
    void reply.headers(SECURITY_HEADERS).header('vary', 'Origin');
    if (origin)
      void reply.headers({
        'access-control-allow-origin': origin,
        'access-control-allow-methods': CORS_METHODS,
        'access-control-allow-headers': CORS_HEADERS,
        'access-control-max-age': '600',
      });
    return reply.status(204).send();
  });

  app.addHook('onSend', async (req, reply, payload) => {
    // The dashboard's pages carry their own, looser policy (they load scripts and styles).
    const own = reply.getHeader('content-security-policy');
    void reply.headers(SECURITY_HEADERS);
    if (own !== undefined) void reply.header('content-security-policy', own);
    if (req.routeOptions.url?.startsWith('/v1/')) void reply.header('cache-control', 'no-store');
    const origin = allowedOrigin(req.headers.origin);
    if (origin) void reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
    return payload;
  });
}
