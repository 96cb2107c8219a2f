/**
 * A test double of Ollama's HTTP API, because Ollama (and a model to run in it) cannot run on
 * the machines the tests run on. It speaks the two endpoints the hub uses, as documented in
 * ollama/ollama `docs/api.md` and docs.ollama.com/api/errors:
 *
 * - `POST /api/chat` with `stream: true`: NDJSON lines
 *   `{"model","created_at","message":{"role":"assistant","content","tool_calls"?},"done":false}`,
 *   then a final line with `"done":true`, `done_reason` and the timing/token counts
 *   (durations in nanoseconds). Errors before the stream are `{"error": "..."}` with an HTTP
 *   error status (404 for a model that is not pulled); errors after it started are an
 *   `{"error": "..."}` line under the 200 already sent.
 * - `GET /api/tags`: `{"models":[{"name","model","modified_at","size","digest","details"}]}`.
 *
 * Each chat request takes the next scripted reply, which can stream text with delays, emit tool
 * calls, fail with a status, fail mid-stream, stall, drop the connection or send a malformed
 * line. Every request is recorded, so tests can assert what the hub sent (system prompt, tools,
 * history) and whether the hub hung up early. Like Ollama (Go's net/http via gin), response
 * headers go out with the first line, so a slow first token also delays the headers.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface ScriptedToolCall {
  readonly name: string;
  readonly arguments: Record<string, unknown>;
}

/** One line of a streamed reply. */
export type ReplyPart =
  /** Content text, one `message.content` line. */
  | string
  /** A line carrying `message.tool_calls`. */
  | { readonly toolCalls: readonly ScriptedToolCall[] }
  /** A mid-stream `{"error": ...}` line; the stream ends after it, as Ollama's does. */
  | { readonly error: string }
  /** This text sent as it is, as one line (a malformed line, say). */
  | { readonly raw: string };

export interface StreamReply {
  readonly parts: readonly ReplyPart[];
  /** Wait before each line, in ms (default 0). */
  readonly delayMs?: number;
  /** Wait before the first line (and the headers), in ms; default `delayMs`. */
  readonly firstDelayMs?: number;
  /** Send the 200 headers at once instead of with the first line. */
  readonly headersAtOnce?: boolean;
  /**
   * How the stream ends after its parts: the final `done` line (default), silence with the
   * connection held open (`stall`), or a dropped connection (`drop`).
   */
  readonly end?: 'done' | 'stall' | 'drop';
  readonly doneReason?: string;
  readonly promptEvalCount?: number;
  readonly evalCount?: number;
  /** Reported `eval_duration`, in ms (sent in nanoseconds). */
  readonly evalMs?: number;
}

/** An error answered before any streaming, as `{"error": message}` with this status. */
export interface ErrorReply {
  readonly status: number;
  readonly error: string;
}

export type OllamaReply = StreamReply | ErrorReply;

export interface RecordedChatRequest {
  /** The parsed JSON body: model, messages, tools, options, stream, keep_alive. */
  readonly body: Record<string, unknown>;
  /** Settles when the exchange ends: `finished` if the reply was sent whole, else `closed-early`. */
  readonly ended: Promise<'finished' | 'closed-early'>;
}

export interface OllamaServerOptions {
  /** Models the server has pulled; a chat for any other gets Ollama's 404 (default llama3.2). */
  readonly models?: readonly string[];
  /** Serves `POST /api/embed` with these vectors (e.g. from a real embedding model). */
  readonly embed?: (texts: readonly string[]) => Promise<number[][]>;
}

export interface OllamaServer {
  /** `http://127.0.0.1:<port>`, the value for the engine's baseUrl. */
  readonly url: string;
  /** Chat requests received so far, oldest first. */
  readonly requests: readonly RecordedChatRequest[];
  /** Queues replies for the next chat requests, one each, in order. */
  reply(...replies: OllamaReply[]): void;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Starts the double on 127.0.0.1 and a free port. */
export async function startOllamaServer(options: OllamaServerOptions = {}): Promise<OllamaServer> {
  const models = (options.models ?? ['llama3.2']).map((m) => (m.includes(':') ? m : `${m}:latest`));
  const queue: OllamaReply[] = [];
  const requests: RecordedChatRequest[] = [];
  let closing = false;

  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      void route(req, res, Buffer.concat(parts).toString('utf8'));
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse, text: string): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'GET' && path === '/api/tags') return sendJson(res, 200, tags(models));
    if (req.method === 'POST' && path === '/api/embed' && options.embed)
      return embed(res, text, options.embed, models);
    if (req.method !== 'POST' || path !== '/api/chat') {
      return sendJson(res, 404, { error: `${req.method} ${path} not found` });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      return sendJson(res, 400, { error: (err as Error).message });
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return sendJson(res, 400, { error: 'invalid request body' });
    }
    const record = body as Record<string, unknown>;
    let settle!: (how: 'finished' | 'closed-early') => void;
    const ended = new Promise<'finished' | 'closed-early'>((resolve) => (settle = resolve));
    res.on('close', () => settle(res.writableFinished ? 'finished' : 'closed-early'));
    requests.push({ body: record, ended });

    const model = record['model'];
    if (typeof model !== 'string' || model === '') {
      return sendJson(res, 400, { error: 'model is required' });
    }
    const full = model.includes(':') ? model : `${model}:latest`;
    if (!models.includes(full)) {
      // Ollama's own wording for a model that has not been pulled.
      return sendJson(res, 404, { error: `model "${model}" not found, try pulling it first` });
    }
    const reply = queue.shift() ?? { status: 500, error: 'test server: no reply scripted' };
    if ('status' in reply) return sendJson(res, reply.status, { error: reply.error });
    await stream(res, model, reply);
  }

  async function stream(res: ServerResponse, model: string, reply: StreamReply): Promise<void> {
    const gone = (): boolean => closing || res.destroyed || res.writableEnded;
    const line = (value: unknown): string =>
      `${typeof value === 'string' ? value : JSON.stringify(value)}\n`;
    const startHeaders = (): void => {
      if (!res.headersSent) {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.flushHeaders();
      }
    };
    const message = (fields: Record<string, unknown>): Record<string, unknown> => ({
      model,
      created_at: new Date().toISOString(),
      message: { role: 'assistant', content: '', ...fields },
      done: false,
    });
    if (reply.headersAtOnce === true) startHeaders();
    const delayMs = reply.delayMs ?? 0;
    let first = true;
    for (const part of reply.parts) {
      await sleep(first ? (reply.firstDelayMs ?? delayMs) : delayMs);
      first = false;
      if (gone()) return;
      startHeaders();
      if (typeof part === 'string') {
        res.write(line(message({ content: part })));
      } else if ('toolCalls' in part) {
        const calls = part.toolCalls.map((c) => ({
          function: { name: c.name, arguments: c.arguments },
        }));
        res.write(line(message({ tool_calls: calls })));
      } else if ('error' in part) {
        res.end(line({ error: part.error }));
        return;
      } else {
        res.write(line(part.raw));
      }
    }
    if (reply.end === 'stall') {
      startHeaders(); // the connection stays open until the client or close() ends it
      return;
    }
    await sleep(first ? (reply.firstDelayMs ?? delayMs) : delayMs);
    if (gone()) return;
    if (reply.end === 'drop') {
      res.destroy();
      return;
    }
    const evalMs = reply.evalMs ?? 100;
    const final = {
      ...message({}),
      done: true,
      done_reason: reply.doneReason ?? 'stop',
      total_duration: (evalMs + 50) * 1e6,
      load_duration: 10e6,
      prompt_eval_count: reply.promptEvalCount ?? 20,
      prompt_eval_duration: 40e6,
      eval_count: reply.evalCount ?? reply.parts.length,
      eval_duration: evalMs * 1e6,
    };
    startHeaders();
    res.end(line(final));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reply: (...replies) => void queue.push(...replies),
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(text);
}

function tags(models: readonly string[]): Record<string, unknown> {
  return {
    models: models.map((name, i) => ({
      name,
      model: name,
      modified_at: '2025-01-01T00:00:00Z',
      size: 2_000_000_000 + i,
      digest: `${String(i).padStart(64, '0')}`,
      details: {
        format: 'gguf',
        family: 'llama',
        parameter_size: '3.2B',
        quantization_level: 'Q4_K_M',
      },
    })),
  };
}

/** Ollama's "Generate Embeddings": `{model, input}` → `{model, embeddings}`. */
async function embed(
  res: ServerResponse,
  text: string,
  vectors: (texts: readonly string[]) => Promise<number[][]>,
  models: readonly string[],
): Promise<void> {
  let body: { model?: unknown; input?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch (err) {
    return sendJson(res, 400, { error: (err as Error).message });
  }
  const input = typeof body.input === 'string' ? [body.input] : body.input;
  if (
    typeof body.model !== 'string' ||
    !Array.isArray(input) ||
    !input.every((t) => typeof t === 'string')
  )
    return sendJson(res, 400, { error: 'model and input are required' });
  const model = body.model.includes(':') ? body.model : `${body.model}:latest`;
  if (!models.includes(model))
    return sendJson(res, 404, { error: `model "${body.model}" not found, try pulling it first` });
  sendJson(res, 200, { model: body.model, embeddings: await vectors(input) });
}
