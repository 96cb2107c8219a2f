import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse, Server } from 'node:http';
import type { Logger } from 'pino';
import type { HubConfig } from '../config/config.js';
import type { Engines } from '../engines/registry.js';
import { readApiKeys } from './api-keys.js';
import { registerOpenAiSpeechRoutes } from './openai-speech.js';

export interface SpeechServices {
  /** The Wyoming server's port, when it runs. */
  readonly wyomingPort: number | undefined;
  close(): Promise<void>;
}

/**
 * The hub's own speech engines offered to other programs: OpenAI-compatible
 * `/v1/audio/transcriptions` and `/v1/audio/speech` (Bearer keys), and a Wyoming server for
 * Home Assistant when a port is configured.
 */
export async function startSpeechServices<L extends FastifyBaseLogger>(options: {
  readonly app: FastifyInstance<Server, IncomingMessage, ServerResponse, L>;
  readonly config: Readonly<HubConfig>;
  readonly engines: Engines;
  readonly log: Logger;
  readonly env?: NodeJS.ProcessEnv;
}): Promise<SpeechServices> {
  const { app, config, engines, log } = options;
  const apiKeys = await speechApiKeys(config, options.env ?? process.env);
  await registerOpenAiSpeechRoutes(app, { stt: engines.stt, tts: engines.tts, apiKeys, log });
  if (config.wyoming.port === undefined) return { wyomingPort: undefined, close: async () => {} };
  const { startWyomingServer } = await import('../engines/wyoming/server.js');
  const server = await startWyomingServer({
    host: config.wyoming.host,
    port: config.wyoming.port,
    stt: engines.stt,
    tts: engines.tts,
    log,
  });
  log.info({ port: server.port }, 'wyoming server listening');
  return { wyomingPort: server.port, close: () => server.close() };
}

/** Keys from env JARVIS_SPEECH_API_KEYS (comma-separated) and/or a file, one per line. */
function speechApiKeys(config: Readonly<HubConfig>, env: NodeJS.ProcessEnv): Promise<string[]> {
  return readApiKeys(env['JARVIS_SPEECH_API_KEYS'], config.speechApi.keysFile, 'speech API');
}
