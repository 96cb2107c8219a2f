import type { EngineContext } from '../types.js';

/** A tool call the model asked for: a function name and its parsed JSON arguments. */
export interface LlmToolCall {
  readonly name: string;
  readonly arguments: Readonly<Record<string, unknown>>;
}

/** One message of the conversation, oldest first. */
export type LlmMessage =
  | { readonly role: 'system'; readonly content: string }
  | { readonly role: 'user'; readonly content: string }
  | {
      readonly role: 'assistant';
      readonly content: string;
      /** The calls the model made in this turn, sent back so it sees its own history. */
      readonly toolCalls?: readonly LlmToolCall[];
    }
  | {
      readonly role: 'tool';
      /** The tool's result, usually JSON text. */
      readonly content: string;
      /** Which tool produced it, for models that match results to calls by name. */
      readonly toolName?: string;
    };

/** A function the model may call, described by a JSON schema for its arguments. */
export interface LlmTool {
  readonly name: string;
  readonly description: string;
  /** JSON schema of the arguments object: `{ type: 'object', properties, required }`. */
  readonly parameters: Readonly<Record<string, unknown>>;
}

export interface LlmOptions {
  /** Sampling temperature; lower is more deterministic. */
  readonly temperature?: number;
  /** Most tokens to generate for this answer. */
  readonly maxTokens?: number;
}

export interface LlmRequest {
  readonly messages: readonly LlmMessage[];
  readonly tools?: readonly LlmTool[];
  readonly options?: LlmOptions;
}

/** What a chat streams: text deltas in order, tool calls, then one `done`. */
export type LlmChunk =
  | { readonly type: 'text'; readonly text: string }
  | {
      readonly type: 'tool-call';
      readonly name: string;
      readonly arguments: Readonly<Record<string, unknown>>;
    }
  | {
      readonly type: 'done';
      /** Milliseconds the model spent generating the answer. */
      readonly evalMs?: number;
      readonly promptTokens?: number;
      readonly completionTokens?: number;
      /** Why generation stopped, as the engine reports it (`stop`, `length`, …). */
      readonly doneReason?: string;
    };

export interface LlmEngine {
  readonly id: string;
  /**
   * Streams the answer to `request`. Aborting `ctx.signal` ends the stream early without an
   * error; failures are AppErrors.
   */
  chat(request: LlmRequest, ctx: EngineContext): AsyncIterable<LlmChunk>;
  close(): Promise<void>;
}
