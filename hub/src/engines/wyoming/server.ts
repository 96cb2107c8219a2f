/**
 * Serves the hub's own engines over Wyoming, so Home Assistant (or any Wyoming client) can use
 * them: `describe` → `info`, `transcribe` + audio → `transcript`, `synthesize` → audio, and, when
 * a wake engine is given, `detect` + audio → `detection` / `not-detected`.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { WakeEngine } from '@jarvis/protocol';
import type { SttEngine, TtsEngine } from '../types.js';
import { encodeEvent, WyomingDecoder, type DecoderLimits } from './codec.js';
import type { InfoData } from './events.js';
import { WyomingSession, type SessionEngines } from './server-session.js';

export interface WyomingServerOptions {
  readonly host: string;
  /** 0 picks a free port (see the returned `port`). */
  readonly port: number;
  readonly stt: SttEngine;
  readonly tts: TtsEngine;
  /** Optional wake word detection; a WakeEngine follows one stream at a time. */
  readonly wake?: { readonly engine: WakeEngine; readonly names: readonly string[] };
  readonly log: Logger;
  /** Program name shown in Home Assistant (default "jarvis"). */
  readonly name?: string;
  /** Shown as the creator in `info` (default Jarvis, with no URL: the project has none to give). */
  readonly attribution?: { readonly name: string; readonly url: string };
  /** Languages announced for the models (default ["en"]). */
  readonly languages?: readonly string[];
  /** Connections served at once; more are answered with an error and closed (default 16). */
  readonly maxConnections?: number;
  /** A connection silent this long is closed (default 120000 ms). */
  readonly idleTimeoutMs?: number;
  /** Longest audio accepted for one transcription or detection, in ms (default 60000). */
  readonly maxAudioMs?: number;
  /** Decoder limits for what clients send (defaults: 16 KiB header, 64 KiB data, 256 KiB payload). */
  readonly limits?: DecoderLimits;
}

export interface WyomingServer {
  readonly port: number;
  /** Stops accepting, ends every open connection and aborts its work. */
  close(): Promise<void>;
}

function buildInfo(options: WyomingServerOptions): InfoData {
  const name = options.name ?? 'jarvis';
  const languages = [...(options.languages ?? ['en'])];
  const attribution = { ...(options.attribution ?? { name: 'Jarvis', url: '' }) };
  const artifact = (id: string, description: string) => ({
    name: id,
    description,
    attribution,
    installed: true,
  });
  return {
    asr: [
      {
        ...artifact(name, 'Jarvis hub speech to text'),
        models: [{ ...artifact(options.stt.id, `speech to text (${options.stt.id})`), languages }],
        supports_transcript_streaming: true,
      },
    ],
    tts: [
      {
        ...artifact(name, 'Jarvis hub text to speech'),
        voices: [{ ...artifact(options.tts.id, `text to speech (${options.tts.id})`), languages }],
      },
    ],
    wake: options.wake
      ? [
          {
            ...artifact(name, 'Jarvis hub wake word detection'),
            models: options.wake.names.map((n) => ({
              ...artifact(n, `wake word ${n}`),
              languages,
            })),
          },
        ]
      : [],
  };
}

/** Starts a Wyoming server on `host:port`; resolves once it listens. */
export async function startWyomingServer(options: WyomingServerOptions): Promise<WyomingServer> {
  const log = options.log.child({ component: 'wyoming-server' });
  const maxConnections = options.maxConnections ?? 16;
  const limits: DecoderLimits = {
    maxHeaderBytes: 16 * 1024,
    maxDataBytes: 64 * 1024,
    maxPayloadBytes: 256 * 1024,
    ...options.limits,
  };
  const engines: SessionEngines = {
    stt: options.stt,
    tts: options.tts,
    wake: options.wake?.engine,
    info: buildInfo(options),
    maxAudioMs: options.maxAudioMs ?? 60_000,
    wakeBusy: false,
  };
  const sessions = new Set<WyomingSession>();
  let nextId = 1;

  const server: Server = createServer((socket: Socket) => {
    socket.setNoDelay(true);
    socket.on('error', (err) => log.debug({ err: err.message }, 'wyoming connection error'));
    if (sessions.size >= maxConnections) {
      log.warn({ maxConnections }, 'wyoming connection refused: too many connections');
      socket.end(encodeEvent('error', { text: 'too many connections', code: 'busy' }));
      return;
    }
    const session = new WyomingSession(
      socket,
      new WyomingDecoder(limits),
      engines,
      log.child({ connection: nextId++ }),
    );
    sessions.add(session);
    socket.setTimeout(options.idleTimeoutMs ?? 120_000, () => session.end('idle timeout'));
    socket.on('close', () => {
      sessions.delete(session);
      session.end('closed');
    });
  });
  server.on('error', (err) => log.error({ err }, 'wyoming server error'));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  log.info({ host: options.host, port }, 'wyoming server listening');

  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sessions) s.end('server closing');
      }),
  };
}
