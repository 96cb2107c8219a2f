/**
 * Serves the built dashboard (dashboard/dist) at `/`: the files vite wrote, listed once (a URL
 * can only name one of them, so no path ever reaches the disk from a request), and index.html
 * for any other page path so the app's router can take it. Hashed assets are cached for good.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { readdir, readFile } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `npm run build -w dashboard` puts the app, from hub/src/api or hub/dist/api. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(
  new URL('../../../dashboard/dist/', import.meta.url),
);

/** The page may load its own scripts, styles and API; nothing else, and no one may frame it. */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
};

/** Paths the hub itself answers: never the app's. */
const HUB_PATHS = /^\/(v1|health|ready|metrics)(\/|$)/;

async function listFiles(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && TYPES[extname(entry.name)])
        files.set(`/${relative(dir, path).split(sep).join('/')}`, path);
    }
  };
  await walk(dir).catch(() => undefined);
  return files;
}

export async function registerDashboard<L extends FastifyBaseLogger>(
  app: FastifyInstance<Server, IncomingMessage, ServerResponse, L>,
  options: { readonly dir?: string | undefined; readonly log: FastifyBaseLogger },
): Promise<void> {
  const dir = options.dir ?? DEFAULT_DASHBOARD_DIR;
  let files = await listFiles(dir);
  if (!files.has('/index.html'))
    options.log.warn({ dir }, 'no dashboard build: run npm run build -w dashboard');

  app.get('/*', async (req, reply) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://hub').pathname);
    } catch {
      return reply.status(400).send({ code: 'bad-request', message: 'malformed path' });
    }
    if (HUB_PATHS.test(path))
      return reply.status(404).send({ code: 'not-found', message: `no route GET ${path}` });
    // Built after the hub started (a developer's rebuild): look again.
    if (!files.has('/index.html')) files = await listFiles(dir);
    const asset = files.get(path);
    const file = asset ?? files.get('/index.html');
    if (!file)
      return reply
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('The dashboard is not built: run npm run build -w dashboard');
    if (!asset && extname(path) !== '')
      return reply.status(404).send({ code: 'not-found', message: `no file ${path}` });
    void reply
      .type(TYPES[extname(file)] ?? 'application/octet-stream')
      .header('content-security-policy', DASHBOARD_CSP)
      .header(
        'cache-control',
        path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    return reply.send(await readFile(file));
  });
}
