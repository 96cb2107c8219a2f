import { AppError } from '../../errors.js';
import { checkTimeout, displayUrl, isRecord } from '../openai/http.js';
import type { ReadableStreamReadResult } from 'node:stream/web';
import type { EngineContext } from '../types.js';
import { NdjsonLines, chatBody, errorText, parseChatLine, type KeepAlive } from './ollama-wire.js';
import type { LlmChunk, LlmEngine, LlmRequest } from './types.js';
import { describeFetchError } from '../fetch-errors.js';

/*
 * Plain fetch rather than the `ollama` npm client: two endpoints and an NDJSON stream are a few
 * dozen lines, and this keeps the hub free of another dependency and in charge of its own
 * timeouts and error codes.
 */

export interface OllamaLlmOptions {
  /** The Ollama server root, e.g. `http://gpu-node:11434`. */
  readonly baseUrl: string;
  /** Model name as Ollama knows it, e.g. `llama3.2` or `qwen3:8b`. */
  readonly model: string;
  /**
   * Longest silence allowed once the answer has started (a stalled stream), and the limit for
   * `listModels`.
   */
  readonly timeoutMs: number;
  /**
   * Longest wait from sending the request to the first line of the answer, which covers loading
   * the model and reading the prompt (default `timeoutMs`).
   */
  readonly firstTokenTimeoutMs?: number;
  /** How long Ollama keeps the model loaded after the answer: "5m", "1h", seconds, or -1. */
  readonly keepAlive?: KeepAlive;
}

/** A model the Ollama server has pulled, from `GET /api/tags`. */
export interface OllamaModel {
  /** Full name with tag, e.g. `llama3.2:latest`. */
  readonly name: string;
  readonly sizeBytes?: number;
}

export interface OllamaLlm extends LlmEngine {
  /** The models the server has, for a readiness check. Throws the same AppErrors as chat. */
  listModels(signal?: AbortSignal): Promise<OllamaModel[]>;
}

/** An Ollama error body larger than this is not an error message. */
const MAX_ERROR_BYTES = 64 * 1024;
const MAX_TAGS_BYTES = 4 * 1024 * 1024;

/** Creates an LLM engine on Ollama's `POST /api/chat`, streaming, with tool calls. */
export function createOllamaLlm(options: OllamaLlmOptions): OllamaLlm {
  return new OllamaChat(options);
}

/** Whether `models` holds `model`; a name without a tag means `:latest`, as in Ollama. */
export function hasModel(models: readonly OllamaModel[], model: string): boolean {
  const full = model.includes(':') ? model : `${model}:latest`;
  return models.some((m) => m.name === model || m.name === full);
}

class OllamaChat implements OllamaLlm {
  readonly id: string;
  private readonly chatUrl: URL;
  private readonly tagsUrl: URL;
  private readonly timeoutMs: number;
  private readonly firstTokenTimeoutMs: number;
  /** Requests in flight, so close() can end them. */
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(private readonly options: OllamaLlmOptions) {
    if (options.model.trim() === '') throw new AppError('config-invalid', 'ollama model is empty');
    this.chatUrl = apiUrl(options.baseUrl, 'chat');
    this.tagsUrl = apiUrl(options.baseUrl, 'tags');
    this.timeoutMs = checkTimeout(options.timeoutMs, 'ollama');
    this.firstTokenTimeoutMs = checkTimeout(
      options.firstTokenTimeoutMs ?? options.timeoutMs,
      'ollama first-token',
    );
    this.id = `ollama:${options.model}`;
  }

  async *chat(request: LlmRequest, ctx: EngineContext): AsyncIterable<LlmChunk> {
    if (this.closed) throw new AppError('engine-unavailable', `${this.id} engine is closed`);
    if (ctx.signal.aborted) return;
    const where = displayUrl(this.chatUrl);
    const body = JSON.stringify(chatBody(this.options.model, request, this.options.keepAlive));
    const watch = new Watchdog();
    this.inFlight.add(watch.controller);
    const signal = AbortSignal.any([ctx.signal, watch.controller.signal]);
    // Why a request failed: the watchdog's timeout, the caller's abort (undefined), or the network.
    const failed = (err: unknown, what: string): AppError | undefined => {
      if (watch.timeout !== undefined) return watch.timeout;
      if (ctx.signal.aborted) return undefined;
      if (err instanceof AppError) return err;
      if (this.closed) return new AppError('engine-unavailable', `${this.id} engine was closed`);
      return new AppError(
        'engine-unavailable',
        `${what} ${where}: ${describeFetchError(err)}`,
        true,
        {
          cause: err,
        },
      );
    };
    const started = Date.now();
    ctx.log.debug(
      { engine: this.id, messages: request.messages.length, tools: request.tools?.length ?? 0 },
      'llm request',
    );
    watch.arm(
      this.firstTokenTimeoutMs,
      `Ollama at ${where} sent no answer within ${this.firstTokenTimeoutMs} ms`,
    );
    try {
      let res: Response;
      try {
        res = await fetch(this.chatUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
          body,
          signal,
        });
      } catch (err) {
        const e = failed(err, 'cannot reach Ollama at');
        if (e === undefined) return;
        throw e;
      }
      if (!res.ok) {
        let text: string;
        try {
          text = await readText(res, MAX_ERROR_BYTES, signal);
        } catch (err) {
          const e = failed(err, 'lost the connection to Ollama at');
          if (e === undefined) return;
          throw e;
        }
        throw httpError(where, res.status, text, this.options.model);
      }
      // Node's fetch types leave the body's chunk type open; they are Uint8Arrays.
      const reader = (res.body as ReadableStream<Uint8Array> | null)?.getReader();
      if (reader === undefined)
        throw new AppError('engine-protocol', `Ollama at ${where} sent no body`);
      const lines = new NdjsonLines(where);
      for (;;) {
        let read: ReadableStreamReadResult<Uint8Array>;
        try {
          read = await readOrAbort(reader, signal);
        } catch (err) {
          const e = failed(err, 'Ollama broke off the answer at');
          if (e === undefined) return;
          throw e;
        }
        const batch = read.done ? lines.end() : lines.push(read.value);
        for (const line of batch) {
          const parsed = parseChatLine(line, where);
          // Any line shows the model is working; from here on only a stall counts.
          watch.arm(this.timeoutMs, `Ollama at ${where} stalled: nothing for ${this.timeoutMs} ms`);
          for (const chunk of parsed.chunks) {
            // A slow consumer is not a stalled server: stop the clock while it holds the chunk.
            watch.pause();
            yield chunk;
            if (ctx.signal.aborted) return;
            watch.resume();
          }
          if (parsed.done) {
            ctx.log.debug({ engine: this.id, ms: Date.now() - started }, 'llm answer done');
            return;
          }
        }
        if (read.done) break;
      }
      throw new AppError(
        'engine-protocol',
        `Ollama at ${where} ended the answer without its final "done" line`,
        true,
      );
    } finally {
      watch.stop();
      this.inFlight.delete(watch.controller);
      // Ends the HTTP request if the answer was left early (break, error, abort).
      watch.controller.abort();
    }
  }

  async listModels(signal?: AbortSignal): Promise<OllamaModel[]> {
    const where = displayUrl(this.tagsUrl);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signals = signal === undefined ? [timeout] : [signal, timeout];
    let status: number;
    let text: string;
    try {
      const combined = AbortSignal.any(signals);
      const res = await fetch(this.tagsUrl, { signal: combined });
      status = res.status;
      text = await readText(res, res.ok ? MAX_TAGS_BYTES : MAX_ERROR_BYTES, combined);
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (timeout.aborted) {
        throw new AppError(
          'engine-timeout',
          `Ollama at ${where} did not answer within ${this.timeoutMs} ms`,
          true,
          { cause: err },
        );
      }
      throw new AppError(
        'engine-unavailable',
        `cannot reach Ollama at ${where}: ${describeFetchError(err)}`,
        true,
        {
          cause: err,
        },
      );
    }
    if (status < 200 || status > 299) throw httpError(where, status, text, undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new AppError(
        'engine-protocol',
        `Ollama at ${where} sent a model list that is not JSON`,
        false,
        {
          cause: err,
        },
      );
    }
    const models = isRecord(parsed) ? parsed['models'] : undefined;
    if (!Array.isArray(models)) {
      throw new AppError('engine-protocol', `Ollama at ${where} sent no "models" list`);
    }
    return models.filter(isRecord).flatMap((m): OllamaModel[] => {
      const name = typeof m['name'] === 'string' ? m['name'] : m['model'];
      if (typeof name !== 'string' || name === '') return [];
      return [typeof m['size'] === 'number' ? { name, sizeBytes: m['size'] } : { name }];
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.inFlight) c.abort();
    this.inFlight.clear();
  }
}

/**
 * One timer that aborts the request when it fires: first the first-token limit, then the stall
 * limit, re-armed by each line. The timeout it fired with is kept so the abort it caused is
 * reported as engine-timeout rather than as a network error.
 */
class Watchdog {
  readonly controller = new AbortController();
  timeout: AppError | undefined;
  private timer: NodeJS.Timeout | undefined;
  private armed: { ms: number; message: string } | undefined;

  arm(ms: number, message: string): void {
    this.armed = { ms, message };
    this.resume();
  }

  pause(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  resume(): void {
    clearTimeout(this.timer);
    const armed = this.armed;
    if (armed === undefined) return;
    this.timer = setTimeout(() => {
      this.timeout = new AppError('engine-timeout', armed.message, true);
      this.controller.abort(this.timeout);
    }, armed.ms);
  }

  stop(): void {
    this.pause();
    this.armed = undefined;
  }
}

/**
 * `/api/<path>` under `baseUrl`, keeping any path prefix a reverse proxy adds. A base URL that
 * already ends in `/api` is accepted too.
 */
function apiUrl(baseUrl: string, path: 'chat' | 'tags'): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new AppError('config-invalid', `ollama baseUrl is not a URL: "${baseUrl}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError('config-invalid', `ollama baseUrl must be http(s): "${baseUrl}"`);
  }
  const root = url.pathname.replace(/\/+$/, '');
  url.pathname = root.endsWith('/api') ? `${root}/${path}` : `${root}/api/${path}`;
  url.search = '';
  return url;
}

/**
 * An HTTP error status from Ollama. Ollama answers 404 for a model it has not pulled and 400 for
 * a request it cannot take: our request is wrong, retrying will not help. 5xx (a model that
 * failed to load, a server out of memory), 429 and 408 may pass.
 */
function httpError(
  where: string,
  status: number,
  body: string,
  model: string | undefined,
): AppError {
  const said = errorText(body);
  const detail = said === '' ? '' : `: ${said}`;
  if (status >= 500 || status === 429 || status === 408) {
    return new AppError(
      'engine-unavailable',
      `Ollama at ${where} answered ${status}${detail}`,
      true,
    );
  }
  const about = model === undefined ? '' : ` for model "${model}"`;
  return new AppError('bad-request', `Ollama refused the request${about} (${status})${detail}`);
}

/**
 * `reader.read()` that rejects as soon as `signal` aborts. Node 20's fetch leaves a read pending
 * forever when the request is aborted after the whole body has arrived, so the abort alone
 * cannot be trusted to end a read.
 */
function readOrAbort<T>(
  reader: ReadableStreamDefaultReader<T>,
  signal: AbortSignal,
): Promise<ReadableStreamReadResult<T>> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason as Error);
      reader.cancel(signal.reason).catch(() => undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    reader
      .read()
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Reads a response body as text, refusing one past `maxBytes`. */
async function readText(res: Response, maxBytes: number, signal: AbortSignal): Promise<string> {
  const reader = (res.body as ReadableStream<Uint8Array> | null)?.getReader();
  if (reader === undefined) return '';
  const decoder = new TextDecoder();
  let text = '';
  let total = 0;
  for (;;) {
    const { done, value } = await readOrAbort(reader, signal);
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new AppError('engine-protocol', `Ollama sent a response larger than ${maxBytes} bytes`);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}
