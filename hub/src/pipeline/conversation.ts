import type { Language } from '../intents/numbers.js';
import { REPLIES } from '../intents/replies.js';
import type { Logger } from 'pino';
import type { DeviceRegistry } from '../devices/registry.js';
import { bySentence } from '../engines/llm/sentences.js';
import type { LlmEngine, LlmMessage, LlmTool, LlmToolCall } from '../engines/llm/types.js';
import type { EngineContext } from '../engines/types.js';
import { toAppError } from '../errors.js';
import type { TimerRequest } from '../intents/handle.js';

/** What the language model may do besides talking: the fast path's own actions. */
export interface ConversationActions {
  /** Publishes a device command; returns what happened, for the model to word. */
  controlDevice(device: string, room: string | undefined, on: boolean): Promise<string>;
  timer(request: TimerRequest): Promise<string>;
}

export interface ConversationOptions {
  readonly llm: LlmEngine;
  readonly devices: DeviceRegistry;
  readonly log: Logger;
  /** Hard limit on one answer, tool calls included. */
  readonly budgetMs: number;
  /** A request within this time of the last continues the same conversation. */
  readonly contextMs: number;
  /** The language the hub speaks: answers and apologies come in it. */
  readonly language?: Language;
  readonly now?: () => number;
}

const TOOLS: readonly LlmTool[] = [
  {
    name: 'control_device',
    description: 'Turn a device in the house on or off.',
    parameters: {
      type: 'object',
      properties: {
        device: { type: 'string', description: 'the device name, e.g. "light" or "fan"' },
        room: { type: 'string', description: "the room; leave out for the speaker's own room" },
        state: { type: 'string', enum: ['on', 'off'] },
      },
      required: ['device', 'state'],
    },
  },
  {
    name: 'set_timer',
    description: 'Start a countdown timer on the speaker’s satellite.',
    parameters: {
      type: 'object',
      properties: { seconds: { type: 'integer', minimum: 1, maximum: 86400 } },
      required: ['seconds'],
    },
  },
];

/** Rounds of tool calls in one answer before the model must just answer. */
const MAX_TOOL_ROUNDS = 3;
/** Messages of history kept per satellite (user and assistant turns). */
const MAX_HISTORY = 12;

/**
 * Requests no template understands go to the language model, with the house's devices in the
 * system prompt and the fast path's actions as tools. Each satellite keeps a short conversation
 * so a follow-up ("and the bedroom?") has its context; the answer streams out sentence by
 * sentence so speech starts on the first one.
 */
export class Conversations {
  private readonly history = new Map<string, { messages: LlmMessage[]; atMs: number }>();
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
    const past = this.context(satellite.id);
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
          ...(round < MAX_TOOL_ROUNDS ? { tools: TOOLS } : {}),
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
          const result = await this.runTool(call, actions);
          turn.push({ role: 'tool', content: result, toolName: call.name });
        }
      }
      if (budget.signal.aborted && !ctx.signal.aborted) yield say.llmTooSlow;
    } catch (err) {
      if (ctx.signal.aborted) return;
      if (budget.signal.aborted) {
        yield say.llmTooSlow;
        return;
      }
      const e = toAppError(err);
      this.options.log.warn({ code: e.code, err: e.message }, 'language model failed');
      yield say.llmUnreachable;
      return;
    } finally {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onSessionAbort);
    }
    this.remember(satellite.id, [...past, ...turn]);
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

  private async runTool(call: LlmToolCall, actions: ConversationActions): Promise<string> {
    const args = call.arguments;
    try {
      switch (call.name) {
        case 'control_device': {
          const device = typeof args['device'] === 'string' ? args['device'] : '';
          const room = typeof args['room'] === 'string' && args['room'] ? args['room'] : undefined;
          if (!device || (args['state'] !== 'on' && args['state'] !== 'off'))
            return 'error: control_device needs a device and a state of on or off';
          return await actions.controlDevice(device, room, args['state'] === 'on');
        }
        case 'set_timer': {
          const seconds = Number(args['seconds']);
          if (!Number.isInteger(seconds) || seconds < 1)
            return 'error: seconds must be a whole number';
          return await actions.timer({ kind: 'set', durationMs: seconds * 1000 });
        }
        default:
          return `error: there is no tool called ${call.name}`;
      }
    } catch (err) {
      return `error: ${toAppError(err).message}`;
    }
  }

  private context(satelliteId: string): LlmMessage[] {
    const past = this.history.get(satelliteId);
    if (!past || this.now() - past.atMs > this.options.contextMs) return [];
    return past.messages;
  }

  private remember(satelliteId: string, messages: LlmMessage[]): void {
    const kept = messages.slice(-MAX_HISTORY);
    // History starts at a user turn: a tool result cut from its call means nothing.
    while (kept.length > 0 && kept[0]!.role !== 'user') kept.shift();
    this.history.set(satelliteId, { messages: kept, atMs: this.now() });
  }
}
