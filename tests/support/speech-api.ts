import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import Fastify from 'fastify';
import { pino } from 'pino';
import { registerOpenAiSpeechRoutes } from '../../hub/src/api/openai-speech.js';
import { DeviceRegistry } from '../../hub/src/devices/registry.js';
import { createPocketsphinxStt } from '../../hub/src/engines/stt/pocketsphinx.js';
import { createEspeakTts } from '../../hub/src/engines/tts/espeak.js';
import type { SttEngine, TtsEngine } from '../../hub/src/engines/types.js';
import { IntentMatcher } from '../../hub/src/intents/intents.js';
import { DEMO_DEVICES } from './stack.js';

/** The hub's embedded engines, as the demo configures them. */
export async function embeddedEngines(): Promise<{ stt: SttEngine; tts: TtsEngine }> {
  const grammar = new IntentMatcher(new DeviceRegistry(DEMO_DEVICES)).grammar();
  const stt = createPocketsphinxStt({ grammar, leadingWords: ['hey', 'jarvis'] });
  const tts = await createEspeakTts();
  return { stt, tts };
}

export interface SpeechApi {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/** A fastify app on a free loopback port serving the OpenAI-compatible speech routes. */
export async function startSpeechApi(options: {
  stt: SttEngine;
  tts: TtsEngine;
  apiKeys: readonly string[];
}): Promise<SpeechApi> {
  const log = pino({ level: 'silent' });
  const app = Fastify({ loggerInstance: log });
  await registerOpenAiSpeechRoutes(app, { ...options, log });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/** A TCP server that accepts connections and never answers: for timeouts and cancellation. */
export async function startSilentServer(): Promise<{
  url: string;
  /** Bytes of requests received so far. */
  received: () => number;
  close(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let received = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (d) => (received += d.length)); // read and drop the request
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A tiny HTTP server answering every request with `handler`: for 5xx, garbage and odd audio. */
export async function startFakeServer(
  handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void,
): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
  let requests = 0;
  const server = createHttpServer((req, res) => {
    requests++;
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => handler(req, res, Buffer.concat(parts)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
