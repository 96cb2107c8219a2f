import { Type, type Static } from '@sinclair/typebox';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawServerDefault,
} from 'fastify';
import type { Logger } from 'pino';
import {
  concatPcm,
  decodeWav,
  single,
  downmix,
  encodeWav,
  resample,
  WavError,
} from '@jarvis/protocol';
import { AppError } from '../errors.js';
import { bearerKeyCheck } from './api-keys.js';
import type { AudioChunk, EngineContext, SttEngine, TtsEngine } from '../engines/types.js';

/**
 * The hub's own engines behind the OpenAI audio API, so tools that speak it (Home Assistant's
 * OpenAI integrations, Open WebUI, scripts using the OpenAI SDK) can use them:
 * `POST /v1/audio/transcriptions` (multipart WAV upload) and `POST /v1/audio/speech` (JSON).
 * Errors answer in OpenAI's shape, `{"error": {message, type, param, code}}`, where `code` is
 * the hub's own error code.
 */
export interface OpenAiSpeechRoutesOptions {
  readonly stt: SttEngine;
  readonly tts: TtsEngine;
  /** Bearer keys that may call the routes; with none, the routes answer 503 rather than being open. */
  readonly apiKeys: readonly string[];
  readonly log: Logger;
}

/** OpenAI's own upload limit for transcriptions. */
export const MAX_TRANSCRIPTION_BYTES = 25 * 1024 * 1024;
const MAX_SPEECH_REQUEST_BYTES = 64 * 1024;
/** OpenAI's limit on `input`. */
export const MAX_SPEECH_INPUT_CHARS = 4096;
/** OpenAI documents `pcm` as 24 kHz s16le without a header; clients rely on that rate. */
const PCM_RATE = 24_000;
const CHUNK_MS = 100;

const TRANSCRIPTION_FORMATS = ['json', 'text', 'verbose_json'] as const;
const SPEECH_FORMATS = ['wav', 'pcm'] as const;

const SpeechBody = Type.Object({
  input: Type.String(),
  /** Accepted for compatibility; the hub speaks with its configured engine. */
  model: Type.Optional(Type.String()),
  /** Accepted for compatibility; the hub speaks with its configured voice. */
  voice: Type.Optional(Type.String()),
  response_format: Type.Optional(Type.String()),
  /** Accepted within OpenAI's range for compatibility, not applied. */
  speed: Type.Optional(Type.Number({ minimum: 0.25, maximum: 4 })),
});
type SpeechBody = Static<typeof SpeechBody>;

/** An error answer with its status; `code` is the hub's error code. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const badRequest = (message: string): ApiError => new ApiError(400, 'bad-request', message);

/**
 * Registers both routes in their own encapsulated scope (own error handler, own multipart
 * parser, own auth hook), so they change nothing for the app's other routes.
 */
export async function registerOpenAiSpeechRoutes<L extends FastifyBaseLogger>(
  app: FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, L>,
  options: OpenAiSpeechRoutesOptions,
): Promise<void> {
  const log = options.log.child({ component: 'openai-speech' });
  const keys = options.apiKeys.filter((k) => k !== '');
  const check = bearerKeyCheck(keys);

  await app.register(async (scope) => {
    scope.addContentTypeParser(
      'multipart/form-data',
      { parseAs: 'buffer' },
      async (req: FastifyRequest, body: Buffer) => parseForm(body, req.headers['content-type']),
    );

    // onRequest: refuse before reading a body, so an unauthenticated client cannot make us buffer 25 MB.
    scope.addHook('onRequest', async (req) => {
      if (keys.length === 0) {
        throw new ApiError(
          503,
          'engine-unavailable',
          'the OpenAI-compatible speech API is not enabled on this hub (no API keys configured)',
        );
      }
      const result = check(req.headers.authorization);
      if (result === 'missing') {
        throw new ApiError(
          401,
          'auth-missing',
          'missing API key: send "Authorization: Bearer <key>"',
          { 'www-authenticate': 'Bearer realm="jarvis"' },
        );
      }
      if (result === 'invalid') {
        log.warn({ ip: req.ip, url: req.url }, 'openai speech request refused: wrong API key');
        throw new ApiError(401, 'auth-invalid', 'invalid API key', {
          'www-authenticate': 'Bearer realm="jarvis", error="invalid_token"',
        });
      }
    });

    scope.setErrorHandler((err, req, reply) => {
      const e = classify(err, req.routeOptions.bodyLimit);
      if (e.status >= 500) {
        log.warn({ reqId: req.id, code: e.code, err }, 'openai speech request failed');
      }
      return reply
        .status(e.status)
        .headers(e.headers)
        .send({
          error: {
            message: e.message,
            type: e.status >= 500 ? 'server_error' : 'invalid_request_error',
            param: null,
            code: e.code,
          },
        });
    });

    scope.post(
      '/v1/audio/transcriptions',
      { bodyLimit: MAX_TRANSCRIPTION_BYTES },
      async (req, reply) => {
        const form = req.body;
        if (!(form instanceof FormData)) {
          throw badRequest('send the audio as multipart/form-data with a "file" field');
        }
        const format = field(form, 'response_format') ?? 'json';
        if (!isOneOf(TRANSCRIPTION_FORMATS, format)) {
          throw badRequest(
            `response_format "${format}" is not supported; use ${TRANSCRIPTION_FORMATS.join(', ')}`,
          );
        }
        const file = form.get('file');
        if (!(file instanceof Blob)) {
          throw badRequest('missing "file": upload the audio as a file field named "file"');
        }
        const { pcm, rate } = readWav(new Uint8Array(await file.arrayBuffer()));
        const text = await transcribe(options.stt, pcm, rate, engineContext(req, reply, log));
        switch (format) {
          case 'text':
            return reply.type('text/plain; charset=utf-8').send(text);
          case 'json':
            return { text };
          case 'verbose_json':
            return {
              task: 'transcribe',
              language: field(form, 'language') ?? 'en',
              duration: pcm.length / rate,
              text,
              segments: [],
            };
        }
      },
    );

    scope.post<{ Body: SpeechBody }>(
      '/v1/audio/speech',
      { bodyLimit: MAX_SPEECH_REQUEST_BYTES, schema: { body: SpeechBody } },
      async (req, reply) => {
        const { input } = req.body;
        const format = req.body.response_format ?? 'wav';
        if (!isOneOf(SPEECH_FORMATS, format)) {
          throw badRequest(
            `response_format "${format}" is not supported; use ${SPEECH_FORMATS.join(' or ')}`,
          );
        }
        if (input.trim() === '') throw badRequest('"input" is empty: give the text to speak');
        if ([...input].length > MAX_SPEECH_INPUT_CHARS) {
          throw badRequest(`"input" is longer than ${MAX_SPEECH_INPUT_CHARS} characters`);
        }
        const pcm = await synthesize(options.tts, input, engineContext(req, reply, log));
        switch (format) {
          case 'wav':
            return reply
              .type('audio/wav')
              .send(Buffer.from(encodeWav({ rate: options.tts.sampleRate, channels: 1, pcm })));
          case 'pcm':
            return reply
              .type('audio/pcm')
              .header('x-sample-rate', String(PCM_RATE))
              .send(s16le(resample(pcm, options.tts.sampleRate, PCM_RATE)));
        }
      },
    );
  });
}

/** Parses a buffered multipart body with Node's own (WHATWG) FormData parser. */
async function parseForm(body: Buffer, contentType: string | undefined): Promise<FormData> {
  try {
    return await new Response(body, { headers: { 'content-type': contentType ?? '' } }).formData();
  } catch {
    throw badRequest('malformed multipart/form-data body');
  }
}

/** A text field of the form, or undefined when absent. */
function field(form: FormData, name: string): string | undefined {
  const v = form.get(name);
  if (v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`"${name}" must be a text field, not a file`);
  return v;
}

function isOneOf<T extends string>(allowed: readonly T[], v: string): v is T {
  return (allowed as readonly string[]).includes(v);
}

function readWav(bytes: Uint8Array): { pcm: Int16Array; rate: number } {
  let wav;
  try {
    wav = decodeWav(bytes);
  } catch (err) {
    const why = err instanceof WavError ? err.message : 'unreadable';
    throw badRequest(`"file" must be a 16-bit PCM WAV: ${why}`);
  }
  if (wav.rate < 8_000 || wav.rate > 192_000) {
    throw badRequest(`"file" has an unusable sample rate of ${wav.rate} Hz (8000–192000)`);
  }
  const pcm = downmix(wav.pcm, wav.channels);
  if (pcm.length === 0) throw badRequest('"file" holds no audio');
  return { pcm, rate: wav.rate };
}

/** Cancels the engines when the client goes away before its answer was sent. */
function engineContext(req: FastifyRequest, reply: FastifyReply, log: Logger): EngineContext {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return {
    signal: controller.signal,
    log: log.child({ reqId: req.id }),
    sessionId: `openai-api:${req.id}`,
  };
}

async function transcribe(
  stt: SttEngine,
  pcm: Int16Array,
  rate: number,
  ctx: EngineContext,
): Promise<string> {
  // The engine resamples; ~100 ms chunks are what a live stream would bring.
  async function* chunks(): AsyncIterable<AudioChunk> {
    const size = Math.round((rate * CHUNK_MS) / 1000);
    for (let at = 0; at < pcm.length; at += size) {
      yield { pcm: pcm.subarray(at, at + size), rate, timestampMs: (at * 1000) / rate };
    }
  }
  let text: string | undefined;
  for await (const event of stt.transcribe(chunks(), ctx)) {
    if (event.type === 'final') text = event.text;
  }
  if (text === undefined) throw new AppError('stt-failed', 'the speech engine gave no transcript');
  return text;
}

async function synthesize(tts: TtsEngine, input: string, ctx: EngineContext): Promise<Int16Array> {
  const parts: Int16Array[] = [];
  for await (const chunk of tts.synthesize(single(input), ctx))
    parts.push(resample(chunk.pcm, chunk.rate, tts.sampleRate));
  return concatPcm(parts);
}

/** Samples as little-endian bytes, whatever the host's byte order. */
function s16le(pcm: Int16Array): Buffer {
  const out = Buffer.alloc(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) out.writeInt16LE(pcm[i]!, i * 2);
  return out;
}

/** Status, code and a message safe to send: never a stack, never an internal's text. */
function classify(err: unknown, bodyLimit: number | undefined): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof AppError) {
    return new ApiError(
      err.httpStatus,
      err.code,
      err.code === 'internal' ? 'internal error' : err.message,
    );
  }
  const e = err as { statusCode?: unknown; code?: unknown; message?: unknown };
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const limit = bodyLimit === undefined ? '' : ` (limit ${bodyLimit} bytes)`;
    return new ApiError(413, 'bad-request', `request body is too large${limit}`);
  }
  if (status >= 400 && status < 500) {
    return new ApiError(status, 'bad-request', String(e.message));
  }
  return new ApiError(500, 'internal', 'internal error');
}
