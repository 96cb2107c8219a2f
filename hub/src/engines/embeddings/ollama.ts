import { AppError } from '../../errors.js';
import type { EngineContext } from '../types.js';
import type { EmbeddingEngine } from './types.js';
import { fetchFailure, isRecord } from '../fetch-errors.js';

export interface OllamaEmbeddingsOptions {
  /** Server root, e.g. `http://gpu-node:11434` (a trailing `/api` is accepted too). */
  readonly baseUrl: string;
  /** An embedding model the server has pulled, e.g. `nomic-embed-text`. */
  readonly model: string;
  /** Length of the model's vectors (nomic-embed-text: 768); every answer is checked against it. */
  readonly dimensions: number;
  readonly timeoutMs?: number;
  /** Largest answer accepted, in bytes (default 32 MiB). */
  readonly maxBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

/**
 * Embeddings from an Ollama server: `POST /api/embed` with `{model, input: string[]}` answers
 * `{embeddings: number[][]}` (Ollama API, "Generate Embeddings").
 */
export function createOllamaEmbeddings(options: OllamaEmbeddingsOptions): EmbeddingEngine {
  const url = embedUrl(options.baseUrl);
  const where = `${url.origin}${url.pathname}`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isInteger(options.dimensions) || options.dimensions <= 0) {
    throw new AppError('config-invalid', 'Ollama embeddings dimensions must be a positive integer');
  }
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new AppError('config-invalid', 'Ollama embeddings timeoutMs must be a positive number');
  }
  if (options.model.trim() === '') {
    throw new AppError('config-invalid', 'Ollama embeddings model must not be empty');
  }
  let closed = false;

  return {
    id: `ollama:${options.model}`,
    dimensions: options.dimensions,
    async embed(texts: readonly string[], ctx: EngineContext): Promise<Float32Array[]> {
      if (closed) throw new AppError('engine-unavailable', 'Ollama embeddings engine is closed');
      ctx.signal.throwIfAborted();
      if (texts.length === 0) return [];
      const body = JSON.stringify({ model: options.model, input: texts });
      const json = await postJson(url, where, body, timeoutMs, maxBytes, ctx.signal);
      return parseEmbeddings(json, texts.length, options.dimensions, where);
    },
    async close() {
      closed = true;
    },
  };
}

function embedUrl(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new AppError('config-invalid', `Ollama baseUrl is not a URL: "${baseUrl}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError('config-invalid', `Ollama baseUrl must be http(s): "${baseUrl}"`);
  }
  const root = url.pathname.replace(/\/+$/, '').replace(/\/api$/, '');
  url.pathname = `${root}/api/embed`;
  url.search = '';
  url.hash = '';
  return url;
}

async function postJson(
  url: URL,
  where: string,
  body: string,
  timeoutMs: number,
  maxBytes: number,
  callerSignal: AbortSignal,
): Promise<unknown> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([callerSignal, timeout]);
  const failed = (err: unknown): unknown =>
    callerSignal.aborted
      ? callerSignal.reason
      : fetchFailure(err, where, { aborted: timeout.aborted, ms: timeoutMs });
  let text: string;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal,
    });
    text = await readCapped(res, maxBytes, where);
  } catch (err) {
    throw failed(err);
  }
  if (!res.ok) {
    const said = errorMessage(text);
    const detail = said === '' ? '' : `: ${said}`;
    // Ollama answers 404 for a model it has not pulled: a configuration problem, not a blip.
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      throw new AppError('engine-unavailable', `${where} answered ${res.status}${detail}`, true);
    }
    throw new AppError('engine-protocol', `${where} refused the request (${res.status})${detail}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new AppError(
      'engine-protocol',
      `${where} answered with something other than JSON`,
      false,
      {
        cause: err,
      },
    );
  }
}

function parseEmbeddings(json: unknown, count: number, dimensions: number, where: string) {
  const rows = isRecord(json) ? json['embeddings'] : undefined;
  if (!Array.isArray(rows)) {
    throw new AppError('engine-protocol', `${where} answered without an "embeddings" array`);
  }
  if (rows.length !== count) {
    throw new AppError(
      'engine-protocol',
      `${where} returned ${rows.length} vectors for ${count} texts`,
    );
  }
  return rows.map((row: unknown) => {
    if (!Array.isArray(row) || !row.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new AppError(
        'engine-protocol',
        `${where} returned a vector that is not a list of numbers`,
      );
    }
    if (row.length !== dimensions) {
      throw new AppError(
        'engine-protocol',
        `${where} returned ${row.length}-dimensional vectors, configured for ${dimensions}`,
      );
    }
    return Float32Array.from(row as number[]);
  });
}

/** Reads a response body, giving up past `maxBytes` rather than buffering without end. */
async function readCapped(res: Response, maxBytes: number, where: string): Promise<string> {
  const reader = (res.body as ReadableStream<Uint8Array> | null)?.getReader();
  if (!reader) return '';
  const decoder = new TextDecoder();
  let total = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new AppError('engine-protocol', `${where} sent more than ${maxBytes} bytes`);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

/** Ollama reports failures as `{"error": "..."}`. */
function errorMessage(text: string): string {
  let said = text.trim();
  try {
    const body = JSON.parse(said) as unknown;
    if (isRecord(body) && typeof body['error'] === 'string') said = body['error'];
  } catch {
    // not JSON: keep the text
  }
  return said.length > 300 ? `${said.slice(0, 300)}…` : said;
}
