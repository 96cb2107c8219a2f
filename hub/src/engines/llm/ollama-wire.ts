import { AppError } from '../../errors.js';
import { isRecord } from '../openai/http.js';
import type { LlmChunk, LlmMessage, LlmRequest, LlmTool, LlmToolCall } from './types.js';

/**
 * Ollama's chat wire format, as documented in ollama/ollama `docs/api.md` ("Generate a chat
 * completion") and docs.ollama.com/api/errors: the request body, and one NDJSON line of the
 * streamed answer. Pure functions, so the transport in ollama.ts stays small.
 */

/** A streamed line longer than this is not Ollama talking (one token per line). */
const MAX_LINE_CHARS = 1024 * 1024;

/** `keep_alive`: a duration string ("5m", "1h") or seconds; 0 unloads after the answer. */
export type KeepAlive = string | number;

/** The `POST /api/chat` body for `request`, always streaming. */
export function chatBody(
  model: string,
  request: LlmRequest,
  keepAlive: KeepAlive | undefined,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model,
    messages: request.messages.map(wireMessage),
    stream: true,
  };
  if (request.tools !== undefined && request.tools.length > 0) {
    body['tools'] = request.tools.map(wireTool);
  }
  const options: Record<string, unknown> = {};
  if (request.options?.temperature !== undefined)
    options['temperature'] = request.options.temperature;
  // Ollama's name for the longest answer, in tokens (Modelfile parameter `num_predict`).
  if (request.options?.maxTokens !== undefined) options['num_predict'] = request.options.maxTokens;
  if (Object.keys(options).length > 0) body['options'] = options;
  if (keepAlive !== undefined) body['keep_alive'] = keepAlive;
  return body;
}

function wireMessage(m: LlmMessage): Record<string, unknown> {
  switch (m.role) {
    case 'system':
    case 'user':
      return { role: m.role, content: m.content };
    case 'assistant':
      return m.toolCalls !== undefined && m.toolCalls.length > 0
        ? { role: m.role, content: m.content, tool_calls: m.toolCalls.map(wireToolCall) }
        : { role: m.role, content: m.content };
    case 'tool':
      return m.toolName !== undefined
        ? { role: m.role, content: m.content, tool_name: m.toolName }
        : { role: m.role, content: m.content };
  }
}

function wireToolCall(call: LlmToolCall): Record<string, unknown> {
  return { function: { name: call.name, arguments: call.arguments } };
}

function wireTool(tool: LlmTool): Record<string, unknown> {
  return {
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  };
}

/** One parsed line of the answer: what to hand on, and whether it was the final line. */
export interface ChatLine {
  readonly chunks: readonly LlmChunk[];
  readonly done: boolean;
}

/**
 * Parses one NDJSON line of a streamed chat answer. An `{"error": …}` line (an error after the
 * stream began keeps the 200 status, per docs.ollama.com/api/errors) is thrown as
 * engine-unavailable; anything not shaped like Ollama's answer as engine-protocol.
 */
export function parseChatLine(line: string, where: string): ChatLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw malformed(where, `a line that is not JSON: ${snippet(line)}`, err);
  }
  if (!isRecord(value)) throw malformed(where, `a line that is not an object: ${snippet(line)}`);
  if ('error' in value) {
    const said =
      typeof value['error'] === 'string' ? value['error'] : JSON.stringify(value['error']);
    throw new AppError('engine-unavailable', `Ollama at ${where} failed mid-answer: ${said}`, true);
  }
  const chunks: LlmChunk[] = [];
  const message = value['message'];
  if (message !== undefined) {
    if (!isRecord(message)) throw malformed(where, `a "message" that is not an object`);
    const content = message['content'];
    if (content !== undefined && typeof content !== 'string') {
      throw malformed(where, `a "message.content" that is not text`);
    }
    if (content !== undefined && content !== '') chunks.push({ type: 'text', text: content });
    const calls = message['tool_calls'];
    if (calls !== undefined && calls !== null) {
      if (!Array.isArray(calls)) throw malformed(where, `"tool_calls" that is not a list`);
      for (const call of calls) chunks.push(toolCall(call, where));
    }
    // `thinking` (reasoning models) is deliberately dropped: it is not part of the answer.
  }
  const done = value['done'];
  if (done !== undefined && typeof done !== 'boolean') {
    throw malformed(where, `a "done" that is not true/false`);
  }
  if (done === true) chunks.push(doneChunk(value));
  return { chunks, done: done === true };
}

function toolCall(call: unknown, where: string): LlmChunk {
  const fn = isRecord(call) ? call['function'] : undefined;
  if (!isRecord(fn) || typeof fn['name'] !== 'string' || fn['name'] === '') {
    throw malformed(where, `a tool call without a function name: ${snippet(JSON.stringify(call))}`);
  }
  let args: unknown = fn['arguments'] ?? {};
  // Ollama sends an object; OpenAI-style servers send a JSON string. Take either.
  if (typeof args === 'string') {
    try {
      args = JSON.parse(args) as unknown;
    } catch (err) {
      throw malformed(where, `tool call "${fn['name']}" with arguments that are not JSON`, err);
    }
  }
  if (!isRecord(args)) {
    throw malformed(where, `tool call "${fn['name']}" with arguments that are not an object`);
  }
  return { type: 'tool-call', name: fn['name'], arguments: args };
}

function doneChunk(line: Record<string, unknown>): LlmChunk {
  const count = (key: string): number | undefined => {
    const v = line[key];
    return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
  };
  const evalNs = count('eval_duration'); // all Ollama durations are nanoseconds
  const reason = line['done_reason'];
  return {
    type: 'done',
    evalMs: evalNs === undefined ? undefined : Math.round(evalNs / 1e6),
    promptTokens: count('prompt_eval_count'),
    completionTokens: count('eval_count'),
    doneReason: typeof reason === 'string' && reason !== '' ? reason : undefined,
  };
}

/** Splits a byte stream into lines, across chunk boundaries and split UTF-8 sequences. */
export class NdjsonLines {
  private readonly decoder = new TextDecoder();
  private rest = '';

  constructor(private readonly where: string) {}

  /** Adds bytes; returns the complete, non-blank lines they finished. */
  push(bytes: Uint8Array): string[] {
    this.rest += this.decoder.decode(bytes, { stream: true });
    const parts = this.rest.split('\n');
    this.rest = parts.pop() ?? '';
    if (this.rest.length > MAX_LINE_CHARS) {
      throw malformed(this.where, `a line longer than ${MAX_LINE_CHARS} characters`);
    }
    return parts.map((p) => p.trim()).filter((p) => p !== '');
  }

  /** The stream ended: a last line without a newline, if any. */
  end(): string[] {
    const last = (this.rest + this.decoder.decode()).trim();
    this.rest = '';
    return last === '' ? [] : [last];
  }
}

/** Ollama's own words from an error body: `{"error": "..."}`, else the text itself. */
export function errorText(body: string): string {
  let said = body.trim();
  try {
    const parsed = JSON.parse(said) as unknown;
    if (isRecord(parsed) && typeof parsed['error'] === 'string') said = parsed['error'];
  } catch {
    // not JSON (a proxy's HTML page, say): keep the text
  }
  return said.length > 300 ? `${said.slice(0, 300)}…` : said;
}

function malformed(where: string, what: string, cause?: unknown): AppError {
  return new AppError('engine-protocol', `Ollama at ${where} sent ${what}`, false, { cause });
}

function snippet(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
