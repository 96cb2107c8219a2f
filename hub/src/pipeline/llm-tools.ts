/**
 * The tools the language model may call: the fast path's own intents (devices, timers,
 * announcements) and semantic memory. Each call is checked and turned into the intent a spoken
 * request would give, so the model can do nothing a voice command could not.
 */
import type { LlmTool, LlmToolCall } from '../engines/llm/types.js';
import { toAppError } from '../errors.js';
import type { IntentMatch, SlotValue } from '../intents/intents.js';
import { COLOR_RGB } from '../intents/slot-types.js';

/** What the tools act through; the session provides it. */
export interface ConversationActions {
  /** Runs an intent as if it had been said; returns its reply, for the model to word. */
  intent(match: IntentMatch): Promise<string>;
  /** Semantic memory, when it is on: the reply a spoken "remember …" / "where is …" gets. */
  remember?(fact: string): Promise<string>;
  recall?(question: string): Promise<string>;
}

const device = { type: 'string', description: 'the device name, e.g. "light" or "blinds"' };
const room = { type: 'string', description: "the room; leave out for the speaker's own room" };
const timerName = { type: 'string', description: 'the timer\'s name, e.g. "pasta"; optional' };
const MAX_TEXT = 500;

export const LLM_TOOLS: readonly LlmTool[] = [
  {
    name: 'control_device',
    description: 'Turn a device on or off, or open or close a cover.',
    parameters: {
      type: 'object',
      properties: { device, room, state: { type: 'string', enum: ['on', 'off', 'open', 'close'] } },
      required: ['device', 'state'],
    },
  },
  {
    name: 'set_device',
    description:
      'Set a light’s brightness or colour, a thermostat’s temperature or a cover’s position.',
    parameters: {
      type: 'object',
      properties: {
        device,
        room,
        brightness: { type: 'integer', minimum: 0, maximum: 100, description: 'percent' },
        color: { type: 'string', enum: Object.keys(COLOR_RGB) },
        temperature: { type: 'number', description: 'degrees' },
        position: { type: 'integer', minimum: 0, maximum: 100, description: 'percent open' },
      },
      required: ['device'],
    },
  },
  {
    name: 'set_timer',
    description: 'Start a countdown timer on the speaker’s satellite.',
    parameters: {
      type: 'object',
      properties: { seconds: { type: 'integer', minimum: 1, maximum: 86400 }, name: timerName },
      required: ['seconds'],
    },
  },
  {
    name: 'cancel_timer',
    description: 'Cancel a running timer on the speaker’s satellite.',
    parameters: { type: 'object', properties: { name: timerName } },
  },
  {
    name: 'time_left',
    description: 'How long is left on the speaker’s timers.',
    parameters: { type: 'object', properties: { name: timerName } },
  },
  {
    name: 'announce',
    description: 'Speak a message on the satellites in a room, or on all others.',
    parameters: {
      type: 'object',
      properties: {
        text: { type: 'string', description: 'what to say' },
        room: { type: 'string', description: 'the room; leave out for every other room' },
      },
      required: ['text'],
    },
  },
  {
    name: 'remember',
    description: 'Keep a fact the user asked you to remember.',
    parameters: {
      type: 'object',
      properties: { fact: { type: 'string' } },
      required: ['fact'],
    },
  },
  {
    name: 'recall',
    description: 'Look up what the user asked you to remember about something.',
    parameters: {
      type: 'object',
      properties: { question: { type: 'string' } },
      required: ['question'],
    },
  },
];

/** A bad argument: told back to the model, which may try again. */
class ToolArgumentError extends Error {}

/** Runs one tool call; the result (or what was wrong) is for the model to read. */
export async function runTool(call: LlmToolCall, actions: ConversationActions): Promise<string> {
  try {
    const args = call.arguments;
    switch (call.name) {
      case 'control_device': {
        const state = oneOf(args, 'state', ['on', 'off', 'open', 'close']);
        const name = state === 'on' ? 'turn_on' : state === 'off' ? 'turn_off' : state;
        return await actions.intent({ name, slots: deviceSlots(args) });
      }
      case 'set_device':
        return await setDevice(args, actions);
      case 'set_timer': {
        const seconds = integer(args, 'seconds', 1, 86_400);
        if (seconds === undefined) throw new ToolArgumentError('seconds is required');
        const name = optionalText(args, 'name');
        return await actions.intent({
          name: 'set_timer',
          slots: { duration: seconds * 1000, ...(name ? { name } : {}) },
        });
      }
      case 'cancel_timer':
      case 'time_left': {
        const name = optionalText(args, 'name');
        return await actions.intent({
          name: call.name === 'cancel_timer' ? 'cancel_timer' : 'timer_remaining',
          slots: name ? { name } : {},
        });
      }
      case 'announce': {
        const text = requiredText(args, 'text');
        const room = optionalText(args, 'room');
        return await actions.intent({
          name: 'announce',
          slots: { message: text, ...(room ? { room } : {}) },
        });
      }
      case 'remember':
        if (!actions.remember) return 'error: memory is turned off on this hub';
        return await actions.remember(requiredText(args, 'fact'));
      case 'recall':
        if (!actions.recall) return 'error: memory is turned off on this hub';
        return await actions.recall(requiredText(args, 'question'));
      default:
        return `error: there is no tool called ${call.name}`;
    }
  } catch (err) {
    if (err instanceof ToolArgumentError) return `error: ${call.name}: ${err.message}`;
    return `error: ${toAppError(err).message}`;
  }
}

/** One setting per call to the fast path; several in one tool call are applied in turn. */
async function setDevice(
  args: Readonly<Record<string, unknown>>,
  actions: ConversationActions,
): Promise<string> {
  const slots = deviceSlots(args);
  const brightness = integer(args, 'brightness', 0, 100);
  const color =
    args['color'] === undefined ? undefined : oneOf(args, 'color', Object.keys(COLOR_RGB));
  const temperature = number(args, 'temperature');
  const position = integer(args, 'position', 0, 100);
  const wanted: IntentMatch[] = [
    ...(brightness === undefined
      ? []
      : [{ name: 'set_brightness', slots: { ...slots, brightness } }]),
    ...(color === undefined ? [] : [{ name: 'set_color', slots: { ...slots, color } }]),
    ...(temperature === undefined
      ? []
      : [{ name: 'set_temperature', slots: { ...slots, temperature } }]),
    ...(position === undefined ? [] : [{ name: 'set_position', slots: { ...slots, position } }]),
  ];
  if (wanted.length === 0)
    throw new ToolArgumentError('give brightness, color, temperature or position');
  const replies: string[] = [];
  for (const match of wanted) replies.push(await actions.intent(match));
  return replies.join(' ');
}

function deviceSlots(args: Readonly<Record<string, unknown>>): Record<string, SlotValue> {
  const name = requiredText(args, 'device');
  const room = optionalText(args, 'room');
  return { device: name, ...(room ? { room } : {}) };
}

function requiredText(args: Readonly<Record<string, unknown>>, key: string): string {
  const value = optionalText(args, key);
  if (value === undefined) throw new ToolArgumentError(`${key} is required`);
  return value;
}

function optionalText(args: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = args[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new ToolArgumentError(`${key} must be text`);
  const text = value.trim();
  if (text.length > MAX_TEXT) throw new ToolArgumentError(`${key} is too long`);
  return text === '' ? undefined : text;
}

function oneOf<T extends string>(
  args: Readonly<Record<string, unknown>>,
  key: string,
  values: readonly T[],
): T {
  const value = args[key];
  if (!values.includes(value as T))
    throw new ToolArgumentError(`${key} must be one of ${values.join(', ')}`);
  return value as T;
}

function number(args: Readonly<Record<string, unknown>>, key: string): number | undefined {
  const value = args[key];
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n))
    throw new ToolArgumentError(`${key} must be a number`);
  return n;
}

function integer(
  args: Readonly<Record<string, unknown>>,
  key: string,
  min: number,
  max: number,
): number | undefined {
  const n = number(args, key);
  if (n === undefined) return undefined;
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ToolArgumentError(`${key} must be a whole number from ${min} to ${max}`);
  return n;
}
