import type { Language } from '../intents/numbers.js';
import { REPLIES } from '../intents/replies.js';
import type { Logger } from 'pino';
import type { DeviceRegistry } from '../devices/registry.js';
import { bySentence } from '../engines/llm/sentences.js';
import type { LlmEngine, LlmMessage, LlmToolCall } from '../engines/llm/types.js';
import type { EngineContext } from '../engines/types.js';
import { toAppError } from '../errors.js';
import { LLM_TOOLS, runTool, type ConversationActions } from './llm-tools.js';

export type { ConversationActions } from './llm-tools.js';

export interface ConversationOptions {
  readonly llm: LlmEngine;
  readonly devices: DeviceRegistry;
  readonly log: Logger;
  /** Hard limit on one answer, tool calls included. */
  readonly budgetMs: number;
  /** A request within this time of the last continues the same conversation. */
  readonly contextMs: number;
  /**
   * The satellite's recent exchanges, oldest first, from the session store: fast-path ones too,
   * so "turn on the kitchen light" … "and the bedroom?" has its context, across hub restarts.
   */
  readonly recentExchanges?: (
    satelliteId: string,
    sinceMs: number,
  ) => Promise<readonly { readonly user: string; readonly assistant: string }[]>;
  /** The language the hub speaks: answers and apologies come in it. */
  readonly language?: Language;
  /** Told when the model fails or runs past its budget (metrics: the LLM-down alert). */
  readonly onFailure?: (code: string) => void;
  readonly now?: () => number;
}

/** Rounds of tool calls in one answer before the model must just answer. */
const MAX_TOOL_ROUNDS = 3;
/** Exchanges of history given to the model (each a user and an assistant turn). */
const MAX_HISTORY = 6;

/**
 * Requests no template understands go to the language model, with the house's devices in the
 * system prompt and the fast path's actions as tools. Each satellite keeps a short conversation
 * so a follow-up ("and the bedroom?") has its context; the answer streams out sentence by
 * sentence so speech starts on the first one.
 */
export class Conversations {
  private readonly now: () => number;

  constructor(private readonly options: ConversationOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Sentences of the answer to `text`, said on a satellite in `room`. */
  async *answer(
    text: string,
    satellite: { id: string; room: string },
    actions: ConversationActions,
    ctx: EngineContext,
  ): AsyncGenerator<string> {
    const say = REPLIES[this.options.language ?? 'en'];
    const budget = new AbortController();
    const timer = setTimeout(() => budget.abort(), this.options.budgetMs);
    const onSessionAbort = (): void => budget.abort();
    ctx.signal.addEventListener('abort', onSessionAbort, { once: true });
    const llmCtx: EngineContext = { ...ctx, signal: budget.signal };
    const past = await this.context(satellite.id);
    const turn: LlmMessage[] = [{ role: 'user', content: text }];
    const said: string[] = [];
    try {
      for (let round = 0; round <= MAX_TOOL_ROUNDS; round++) {
        const calls: LlmToolCall[] = [];
        let content = '';
        const request = {
          messages: [
            { role: 'system' as const, content: this.systemPrompt(satellite.room) },
            ...past,
            ...turn,
          ],
          ...(round < MAX_TOOL_ROUNDS ? { tools: LLM_TOOLS } : {}),
        };
        for await (const chunk of bySentence(this.options.llm.chat(request, llmCtx))) {
          if (chunk.type === 'text') {
            content += (content ? ' ' : '') + chunk.text;
            said.push(chunk.text);
            yield chunk.text;
          } else if (chunk.type === 'tool-call') calls.push(chunk);
        }
        if (budget.signal.aborted) break;
        turn.push({ role: 'assistant', content, ...(calls.length ? { toolCalls: calls } : {}) });
        if (calls.length === 0) break;
        for (const call of calls) {
          const result = await runTool(call, actions);
          turn.push({ role: 'tool', content: result, toolName: call.name });
        }
      }
      if (budget.signal.aborted && !ctx.signal.aborted) yield say.llmTooSlow;
    } catch (err) {
      if (ctx.signal.aborted) return;
      if (budget.signal.aborted) {
        this.options.onFailure?.('engine-timeout');
        yield say.llmTooSlow;
        return;
      }
      const e = toAppError(err);
      this.options.onFailure?.(e.code);
      this.options.log.warn({ code: e.code, err: e.message }, 'language model failed');
      yield say.llmUnreachable;
      return;
    } finally {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onSessionAbort);
    }
    if (said.length === 0 && !budget.signal.aborted) yield say.llmDone;
  }

  private systemPrompt(room: string): string {
    const devices = this.options.devices.devices
      .map((d) => `${d.name.toLowerCase()} (${d.room.toLowerCase()})`)
      .join(', ');
    return [
      'You are Jarvis, a voice assistant in a home. Answer in one to three short spoken sentences,',
      'with no lists, markdown or emoji.',
      `The speaker is in the ${room.toLowerCase()}; "the light" means the one in that room.`,
      `Devices: ${devices || 'none'}. Use the tools to act on them; never claim an action you did not take.`,
      ...(this.options.language === 'fr' ? ['Always answer in French.'] : []),
    ].join(' ');
  }

  private async context(satelliteId: string): Promise<LlmMessage[]> {
    const recent = this.options.recentExchanges;
    if (!recent || this.options.contextMs === 0) return [];
    let exchanges: Awaited<ReturnType<typeof recent>>;
    try {
      exchanges = await recent(satelliteId, this.now() - this.options.contextMs);
    } catch (err) {
      // Without its history the model still answers; a follow-up just lacks context.
      this.options.log.warn({ err: toAppError(err).message }, 'conversation history unavailable');
      return [];
    }
    return exchanges.slice(-MAX_HISTORY).flatMap((e): LlmMessage[] => [
      { role: 'user', content: e.user },
      { role: 'assistant', content: e.assistant },
    ]);
  }
}
