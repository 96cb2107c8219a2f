import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../../tests/support/servers.js';
import { AppError } from '../../errors.js';
import type { EngineContext } from '../types.js';
import { createOllamaEmbeddings } from './ollama.js';

function context(signal = new AbortController().signal): EngineContext {
  return { signal, log: pino({ level: 'silent' }), sessionId: 'test' };
}

type Handler = (body: unknown, req: IncomingMessage, res: ServerResponse) => void;

interface FakeOllama {
  readonly url: string;
  readonly requests: { method: string; path: string; body: unknown }[];
  close(): Promise<void>;
}

/** A few lines of node:http standing in for Ollama's `/api/embed`. */
async function fakeOllama(handler: Handler): Promise<FakeOllama> {
  const requests: FakeOllama['requests'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as unknown;
      requests.push({ method: req.method ?? '', path: req.url ?? '', body });
      handler(body, req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A deterministic three-dimensional "embedding" of each input. */
function embedHandler(body: unknown, _req: IncomingMessage, res: ServerResponse): void {
  const input = (body as { input: string[] }).input;
  reply(res, 200, {
    model: 'nomic-embed-text',
    embeddings: input.map((t) => [t.length, 1, 0]),
  });
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('createOllamaEmbeddings', () => {
  let server: FakeOllama | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('posts-model-and-inputs-to-api-embed-and-returns-float-vectors', async () => {
    server = await fakeOllama(embedHandler);
    const engine = createOllamaEmbeddings({
      baseUrl: `${server.url}/api/`, // the spelling with /api works as well as the bare root
      model: 'nomic-embed-text',
      dimensions: 3,
    });
    const vectors = await engine.embed(['abc', 'hello'], context());
    expect(server.requests).toEqual([
      {
        method: 'POST',
        path: '/api/embed',
        body: { model: 'nomic-embed-text', input: ['abc', 'hello'] },
      },
    ]);
    expect(vectors).toEqual([Float32Array.from([3, 1, 0]), Float32Array.from([5, 1, 0])]);
    expect(engine.id).toBe('ollama:nomic-embed-text');
    expect(engine.dimensions).toBe(3);
    await engine.close();
  });

  it('closed-port-is-engine-unavailable-naming-the-url', async () => {
    const port = await freePort();
    const engine = createOllamaEmbeddings({
      baseUrl: `http://127.0.0.1:${port}`,
      model: 'nomic-embed-text',
      dimensions: 3,
    });
    const err = await failure(engine.embed(['hello'], context()));
    expect(err.code).toBe('engine-unavailable');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(`http://127.0.0.1:${port}/api/embed`);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('unknown-model-is-engine-protocol-with-ollamas-own-words', async () => {
    server = await fakeOllama((_b, _q, res) =>
      reply(res, 404, { error: 'model "nomic-embed-txt" not found, try pulling it first' }),
    );
    const engine = createOllamaEmbeddings({
      baseUrl: server.url,
      model: 'nomic-embed-txt',
      dimensions: 3,
    });
    const err = await failure(engine.embed(['hello'], context()));
    expect(err.code).toBe('engine-protocol');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('not found, try pulling it first');
  });

  it('server-error-is-retryable-engine-unavailable', async () => {
    server = await fakeOllama((_b, _q, res) => reply(res, 500, { error: 'out of memory' }));
    const engine = createOllamaEmbeddings({ baseUrl: server.url, model: 'm', dimensions: 3 });
    const err = await failure(engine.embed(['hello'], context()));
    expect(err.code).toBe('engine-unavailable');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('500: out of memory');
  });

  it('vectors-of-the-wrong-length-are-engine-protocol', async () => {
    server = await fakeOllama(embedHandler);
    const engine = createOllamaEmbeddings({ baseUrl: server.url, model: 'm', dimensions: 768 });
    const err = await failure(engine.embed(['hello'], context()));
    expect(err.code).toBe('engine-protocol');
    expect(err.message).toContain('3-dimensional vectors, configured for 768');
  });

  it('malformed-answers-are-engine-protocol', async () => {
    server = await fakeOllama((body, _q, res) => {
      const input = (body as { input: string[] }).input;
      if (input[0] === 'missing') reply(res, 200, { embedding: [1, 2, 3] });
      else if (input[0] === 'count') reply(res, 200, { embeddings: [[1, 2, 3]] });
      else {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('not json');
      }
    });
    const engine = createOllamaEmbeddings({ baseUrl: server.url, model: 'm', dimensions: 3 });
    expect((await failure(engine.embed(['missing'], context()))).message).toContain(
      'without an "embeddings" array',
    );
    expect((await failure(engine.embed(['count', 'two'], context()))).message).toContain(
      'returned 1 vectors for 2 texts',
    );
    expect((await failure(engine.embed(['text'], context()))).code).toBe('engine-protocol');
  });

  it('a-silent-server-is-engine-timeout', async () => {
    server = await fakeOllama(() => undefined); // never answers
    const engine = createOllamaEmbeddings({
      baseUrl: server.url,
      model: 'm',
      dimensions: 3,
      timeoutMs: 200,
    });
    const err = await failure(engine.embed(['hello'], context()));
    expect(err.code).toBe('engine-timeout');
    expect(err.retryable).toBe(true);
  });

  it('an-aborted-context-rejects-with-its-reason', async () => {
    server = await fakeOllama(() => undefined);
    const engine = createOllamaEmbeddings({ baseUrl: server.url, model: 'm', dimensions: 3 });
    const controller = new AbortController();
    const reason = new Error('satellite disconnected');
    const pending = engine.embed(['hello'], context(controller.signal));
    setTimeout(() => controller.abort(reason), 50);
    await expect(pending).rejects.toBe(reason);
  });

  it('refuses-a-bad-configuration-up-front', () => {
    const bad = [
      { baseUrl: 'not a url', model: 'm', dimensions: 3 },
      { baseUrl: 'ftp://gpu:11434', model: 'm', dimensions: 3 },
      { baseUrl: 'http://gpu:11434', model: ' ', dimensions: 3 },
      { baseUrl: 'http://gpu:11434', model: 'm', dimensions: 0 },
      { baseUrl: 'http://gpu:11434', model: 'm', dimensions: 3, timeoutMs: -1 },
    ];
    for (const options of bad) {
      expect(() => createOllamaEmbeddings(options)).toThrow(
        expect.objectContaining({ code: 'config-invalid' }) as Error,
      );
    }
  });
});
