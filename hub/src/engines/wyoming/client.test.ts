import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import { encodeEvent } from './codec.js';
import { createWyomingStt } from './stt.js';
import { collect, context, stalled, stream, texts } from './test-support.js';
import { createWyomingTts } from './tts.js';
import { parseWyomingUrl } from './client.js';
import { createWyomingWake } from './wake.js';

/** A fake Wyoming peer: only to produce silence, garbage or odd answers the real server never gives. */
async function fakeServer(
  onSocket: (socket: Socket) => void,
): Promise<{ url: string; server: Server }> {
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  servers.push(server);
  return { url: `tcp://127.0.0.1:${address.port}`, server };
}

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

/** A URL where nothing listens: a port the OS just gave out and took back. */
async function deadUrl(): Promise<string> {
  const { url, server } = await fakeServer(() => undefined);
  servers.splice(servers.indexOf(server), 1);
  await new Promise((resolve) => server.close(resolve));
  return url;
}

async function failure(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

const speech = new Int16Array(16_000).map((_, i) => Math.round(3000 * Math.sin(i / 5)));

describe('reports each kind of failure with its own code', () => {
  it('reports-unreachable-with-the-url-as-engine-unavailable', async () => {
    const url = await deadUrl();
    const err = await failure(
      collect(createWyomingStt({ url, timeoutMs: 1000 }).transcribe(stream(speech), context())),
    );
    expect(err.code).toBe('engine-unavailable');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(`wyoming stt at ${url} unreachable`);
    const tts = await failure(
      collect(createWyomingTts({ url, timeoutMs: 1000 }).synthesize(texts('Hi.'), context())),
    );
    expect(tts.message).toContain(`wyoming tts at ${url} unreachable`);
  });

  it('times-out-when-the-server-accepts-but-never-answers', async () => {
    const { url } = await fakeServer(() => undefined); // reads everything, says nothing
    const started = performance.now();
    const err = await failure(
      collect(
        createWyomingStt({ url, timeoutMs: 300 }).transcribe(
          stream(speech.subarray(0, 3200)),
          context(),
        ),
      ),
    );
    expect(err.code).toBe('engine-timeout');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(`wyoming stt at ${url}`);
    expect(performance.now() - started).toBeLessThan(3000);
    const describeErr = await failure(createWyomingTts({ url, timeoutMs: 300 }).client.describe());
    expect(describeErr.code).toBe('engine-timeout');
    const ttsErr = await failure(
      collect(createWyomingTts({ url, timeoutMs: 300 }).synthesize(texts('Hi.'), context())),
    );
    expect(ttsErr.code).toBe('engine-timeout');
  });

  it('rejects-garbage-from-the-server-as-engine-protocol', async () => {
    const { url } = await fakeServer((socket) => socket.write('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const err = await failure(createWyomingStt({ url, timeoutMs: 2000 }).client.describe());
    expect(err.code).toBe('engine-protocol');
    expect(err.message).toMatch(
      /^wyoming stt at tcp:\/\/127\.0\.0\.1:\d+: header line is not valid JSON$/,
    );
  });

  it('rejects-a-known-event-with-invalid-data-as-engine-protocol', async () => {
    const { url } = await fakeServer((socket) =>
      socket.once('data', () => socket.write('{"type":"transcript","data":{"text":42}}\n')),
    );
    const err = await failure(
      collect(createWyomingStt({ url, timeoutMs: 2000 }).transcribe(stream(speech), context())),
    );
    expect(err.code).toBe('engine-protocol');
    expect(err.message).toMatch(/invalid transcript data at \/text/);
  });

  it('rejects-tts-audio-that-is-not-16-bit-mono', async () => {
    const { url } = await fakeServer((socket) =>
      socket.once('data', () =>
        socket.write(encodeEvent('audio-start', { rate: 22050, width: 4, channels: 2 })),
      ),
    );
    const err = await failure(
      collect(createWyomingTts({ url, timeoutMs: 2000 }).synthesize(texts('Hi.'), context())),
    );
    expect(err.code).toBe('engine-protocol');
    expect(err.message).toMatch(/must be 16-bit mono/);
  });

  it('turns-a-server-error-event-into-the-engine-failure-code', async () => {
    const { url } = await fakeServer((socket) =>
      socket.once('data', () =>
        socket.write(encodeEvent('error', { text: 'model not loaded', code: 'no-model' })),
      ),
    );
    const err = await failure(
      collect(createWyomingStt({ url, timeoutMs: 2000 }).transcribe(stream(speech), context())),
    );
    expect(err.code).toBe('stt-failed');
    expect(err.message).toBe(`wyoming stt at ${url} answered: model not loaded (no-model)`);
  });

  it('reports-a-connection-dropped-mid-request-as-retryable-engine-unavailable', async () => {
    const { url } = await fakeServer((socket) => socket.once('data', () => socket.destroy()));
    const err = await failure(createWyomingTts({ url, timeoutMs: 2000 }).client.describe());
    expect(err.code).toBe('engine-unavailable');
    expect(err.retryable).toBe(true);
  });

  it('rejects-a-malformed-url-as-config-invalid', () => {
    expect(() => parseWyomingUrl('http://host:10300')).toThrow(/tcp:\/\/host:port/);
    expect(() => parseWyomingUrl('tcp://host')).toThrow(/tcp:\/\/host:port/);
    expect(parseWyomingUrl('tcp://[::1]:10300')).toEqual({ host: '::1', port: 10300 });
  });
});

describe('honours the abort signal', () => {
  it('stops-transcribing-promptly-on-abort-with-a-stalled-source-and-a-silent-server', async () => {
    let closedByClient = false;
    const { url } = await fakeServer((socket) => {
      socket.resume(); // read, so that the client's hang-up is seen
      socket.on('close', () => (closedByClient = true));
    });
    const abort = new AbortController();
    const events = collect(
      createWyomingStt({ url, timeoutMs: 60_000 }).transcribe(stalled(), context(abort.signal)),
    );
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    abort.abort();
    expect(await events).toEqual([]); // no final after an abort, and no error either
    expect(performance.now() - started).toBeLessThan(200);
    await new Promise((r) => setTimeout(r, 50));
    expect(closedByClient).toBe(true);
  });

  it('stops-synthesizing-and-detecting-promptly-on-abort', async () => {
    const { url } = await fakeServer(() => undefined);
    const abort = new AbortController();
    const audio = collect(
      createWyomingTts({ url, timeoutMs: 60_000 }).synthesize(texts('Hi.'), context(abort.signal)),
    );
    const wake = collect(
      createWyomingWake({ url, timeoutMs: 60_000 }).detect(stalled(), abort.signal),
    );
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    abort.abort();
    expect(await audio).toEqual([]);
    expect(await wake).toEqual([]);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
