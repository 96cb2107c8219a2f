import { AppError } from '../../errors.js';
import { fetchFailure, isRecord } from '../fetch-errors.js';

/** Shared by the OpenAI-compatible STT and TTS clients: endpoint URLs, one POST, error mapping. */

export type OpenAiPath = 'audio/transcriptions' | 'audio/speech';

/**
 * The endpoint for `path` under `baseUrl`. Both spellings in use are accepted: the server root
 * (`http://gpu:8000`) and the OpenAI SDK's base URL that already ends in `/v1`.
 */
export function endpointUrl(baseUrl: string, path: OpenAiPath): URL {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    throw new AppError('config-invalid', `OpenAI-compatible baseUrl is not a URL: "${baseUrl}"`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new AppError('config-invalid', `OpenAI-compatible baseUrl must be http(s): "${baseUrl}"`);
  }
  const root = base.pathname.replace(/\/+$/, '');
  base.pathname = root.endsWith('/v1') ? `${root}/${path}` : `${root}/v1/${path}`;
  return base;
}

/** The URL as it may appear in messages and logs: no credentials, no query. */
export function displayUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

export function checkTimeout(timeoutMs: number, what: string): number {
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new AppError('config-invalid', `${what} timeoutMs must be a positive number`);
  }
  return timeoutMs;
}

export interface PostOptions {
  readonly url: URL;
  readonly apiKey: string | undefined;
  readonly body: string | FormData;
  readonly timeoutMs: number;
  /** The caller's cancellation: aborting it ends the request without an error. */
  readonly signal: AbortSignal;
  /** Code for a request the server refused (4xx). */
  readonly failCode: 'stt-failed' | 'tts-failed';
  /** Largest response body accepted, in bytes. */
  readonly maxBytes: number;
}

export interface PostResult {
  readonly bytes: Uint8Array;
  readonly contentType: string;
}

/**
 * POSTs to an OpenAI-compatible server and reads the whole answer. Returns undefined when
 * `signal` aborted; throws an AppError for everything else that went wrong.
 */
export async function post(options: PostOptions): Promise<PostResult | undefined> {
  const where = displayUrl(options.url);
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([options.signal, timeout]);
  const headers: Record<string, string> = {};
  if (typeof options.body === 'string') headers['content-type'] = 'application/json';
  if (options.apiKey !== undefined && options.apiKey !== '') {
    headers['authorization'] = `Bearer ${options.apiKey}`;
  }
  const failed = (err: unknown): AppError | undefined =>
    options.signal.aborted
      ? undefined
      : fetchFailure(err, where, { aborted: timeout.aborted, ms: options.timeoutMs });
  let res: Response;
  try {
    res = await fetch(options.url, { method: 'POST', headers, body: options.body, signal });
  } catch (err) {
    const e = failed(err);
    if (e === undefined) return undefined;
    throw e;
  }
  let bytes: Uint8Array;
  try {
    bytes = await readCapped(res, options.maxBytes, where);
  } catch (err) {
    const e = failed(err);
    if (e === undefined) return undefined;
    throw e;
  }
  if (!res.ok) {
    const detail = errorMessage(bytes);
    const said = detail === '' ? '' : `: ${detail}`;
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      throw new AppError('engine-unavailable', `${where} answered ${res.status}${said}`, true);
    }
    throw new AppError(options.failCode, `${where} refused the request (${res.status})${said}`);
  }
  return { bytes, contentType: res.headers.get('content-type') ?? '' };
}

/** Reads a response body, giving up past `maxBytes` rather than buffering without end. */
async function readCapped(res: Response, maxBytes: number, where: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  // Node's fetch types leave the body's chunk type open; they are Uint8Arrays.
  const reader = (res.body as ReadableStream<Uint8Array> | null)?.getReader();
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new AppError('engine-protocol', `${where} sent more than ${maxBytes} bytes`);
      }
      parts.push(value);
    }
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** The server's own words from an error body: OpenAI's `{error: {message}}`, FastAPI's `{detail}`, or text. */
function errorMessage(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes).trim();
  let said = text;
  try {
    const body = JSON.parse(text) as unknown;
    if (isRecord(body)) {
      const err = body['error'];
      const detail = body['detail'];
      if (isRecord(err) && typeof err['message'] === 'string') said = err['message'];
      else if (typeof err === 'string') said = err;
      else if (typeof detail === 'string') said = detail;
      else if (detail !== undefined) said = JSON.stringify(detail);
      else if (typeof body['message'] === 'string') said = body['message'];
    }
  } catch {
    // not JSON: keep the text
  }
  return said.length > 300 ? `${said.slice(0, 300)}…` : said;
}

export { isRecord };
