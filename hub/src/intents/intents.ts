import type { DeviceRegistry } from '../devices/registry.js';
import { COUNT_WORDS, DURATION_UNITS } from './duration.js';
import {
  parseTemplate,
  slotNames,
  templateToJsgf,
  templateToRegex,
  type TemplateNode,
} from './template.js';

/** The fast-path intents: what a template matcher understands without an LLM. */
export const INTENT_TEMPLATES = {
  turn_on_off: [
    '(turn | switch) {state} [the] {device} [in [the] {room}]',
    '(turn | switch) [the] {device} {state} [in [the] {room}]',
  ],
  get_time: ['what time is it', 'what is the time'],
  set_timer: ['(set | start) a timer for {count} {unit} [and {extra_count} {extra_unit}]'],
  cancel_timer: ['(cancel | stop | delete) [the | my] timer'],
  // Few, distinctive words: each short alternative is one more way for the recogniser to hear
  // other speech as a command ("flip" took "switch"; `npm run eval:stt` measures it).
  toggle: ['toggle [the] {device} [in [the] {room}]'],
  get_state: [
    'is the {device} [in the {room}] {condition}',
    'what is the state of [the] {device} [in [the] {room}]',
  ],
  get_date: ['what (is the date | day is it) [today]', "what's the date [today]", 'what is today'],
  volume: [
    '[turn] [the] volume {direction}',
    'turn {direction} the volume',
    '(turn | set) [the] volume to {count} [percent]',
    '(speak | talk) {louder}',
  ],
  mute: ['(mute | be quiet | stop listening)'],
  stop: ['(stop | cancel | never mind | nevermind | shut up)'],
  repeat: ['(repeat that | say that again | what did you say)'],
  timer_remaining: [
    'how (long | much time) is left [on [the | my] timer]',
    'how long (is left on | until) [the | my] timer',
  ],
} as const satisfies Record<string, readonly string[]>;

/** Every family is one intent, except on/off, which the state slot splits in two. */
export type IntentName =
  Exclude<keyof typeof INTENT_TEMPLATES, 'turn_on_off'> | 'turn_on' | 'turn_off';

export interface IntentMatch {
  readonly name: IntentName;
  readonly slots: Readonly<Record<string, string>>;
}

/**
 * The wake phrase the satellite's pre-roll leaves before the command: "jarvis" within the first
 * three words, with whatever the recogniser made of "hey" before it ("k jarvis", "and jarvis").
 */
const WAKE_PREFIX = /^(?:\S+ ){0,2}?(?:jarvis(?: |$))+/;

export function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(WAKE_PREFIX, '')
    .replace(/^please |( please)$/g, '');
}

const PARSED: Record<keyof typeof INTENT_TEMPLATES, TemplateNode[][]> = Object.fromEntries(
  Object.entries(INTENT_TEMPLATES).map(([k, ts]) => [k, ts.map(parseTemplate)]),
) as Record<keyof typeof INTENT_TEMPLATES, TemplateNode[][]>;

/** Matches transcripts against the templates with the current devices and rooms as slot values. */
export class IntentMatcher {
  private compiled: { family: keyof typeof INTENT_TEMPLATES; regex: RegExp }[] = [];

  constructor(private readonly devices: DeviceRegistry) {
    this.rebuild();
  }

  /** Call after the device list changed. */
  rebuild(): void {
    const slots = this.slotValues();
    this.compiled = (Object.keys(PARSED) as (keyof typeof INTENT_TEMPLATES)[]).flatMap((family) =>
      PARSED[family].map((nodes) => ({ family, regex: templateToRegex(nodes, slots) })),
    );
  }

  match(transcript: string): IntentMatch | undefined {
    const text = ` ${normalise(transcript)}`;
    for (const { family, regex } of this.compiled) {
      const m = regex.exec(text);
      if (!m) continue;
      const slots: Record<string, string> = {};
      for (const [k, v] of Object.entries(m.groups ?? {})) if (v !== undefined) slots[k] = v;
      switch (family) {
        case 'turn_on_off': {
          const { state, ...rest } = slots;
          return { name: state === 'on' ? 'turn_on' : 'turn_off', slots: rest };
        }
        case 'toggle':
        case 'get_state':
        case 'get_date':
        case 'volume':
        case 'mute':
        case 'stop':
        case 'repeat':
        case 'get_time':
        case 'set_timer':
        case 'cancel_timer':
        case 'timer_remaining':
          return { name: family, slots };
      }
    }
    return undefined;
  }

  /** A JSGF grammar for the recogniser: every template, an optional wake-word prefix, the slot values. */
  grammar(): string {
    const slots = this.slotValues();
    // A template naming a slot with no values (no devices yet) would make the grammar invalid.
    const bodies = Object.values(PARSED)
      .flat()
      .filter((nodes) => slotNames(nodes).every((s) => (slots[s]?.length ?? 0) > 0))
      .map((nodes) => `( ${templateToJsgf(nodes)} )`);
    const rules = Object.entries(slots)
      .filter(([, values]) => values.length > 0)
      .map(([name, values]) => `<${name}> = ${values.join(' | ')};`);
    return [
      '#JSGF V1.0;',
      'grammar jarvis;',
      `public <command> = [ [ hey ] jarvis ] [ please ] <intent> [ please ];`,
      `<intent> = ${bodies.join(' | ')};`,
      ...rules,
      '',
    ].join('\n');
  }

  private slotValues(): Record<string, string[]> {
    return {
      state: ['on', 'off'],
      device: this.devices.phrases(),
      room: this.devices.rooms(),
      count: [...COUNT_WORDS],
      unit: [...DURATION_UNITS],
      extra_count: [...COUNT_WORDS],
      extra_unit: [...DURATION_UNITS],
      direction: ['up', 'down'],
      condition: ['on', 'off', 'open', 'closed'],
      louder: ['louder', 'quieter', 'softer'],
    };
  }
}
