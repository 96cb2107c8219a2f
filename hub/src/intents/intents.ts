import { INTENT_DEVICES, settableDegrees, type CapableDevice } from '../devices/commands.js';
import { spoken, type DeviceRegistry } from '../devices/registry.js';
import type { Language } from './numbers.js';
import type { SlotContext, SlotValue } from './slot-types.js';
import {
  loadTemplates,
  splitElisions,
  type BuiltinIntent,
  type CustomAction,
  type TemplateSet,
} from './template-files.js';
import {
  compileTemplate,
  slotTypes,
  templateToJsgf,
  withUsableSlots,
  type CompiledTemplate,
} from './template.js';

export { BUILTIN_INTENTS, loadTemplates, type BuiltinIntent } from './template-files.js';

let english: TemplateSet | undefined;
/** The built-in English templates, loaded once. */
export function englishTemplates(): TemplateSet {
  english ??= loadTemplates('en');
  return english;
}
export type { SlotValue } from './slot-types.js';

export type IntentName = BuiltinIntent | (string & {});

export interface IntentMatch {
  readonly name: IntentName;
  readonly slots: Readonly<Record<string, SlotValue>>;
  /** For a custom intent from the user's template files: what to do. */
  readonly custom?: CustomAction;
}

/**
 * The wake phrase the satellite's pre-roll leaves before the command: "jarvis" within the first
 * three words, with whatever the recogniser made of "hey" before it ("k jarvis", "and jarvis").
 */
const WAKE_PREFIX = /^(?:\S+ ){0,2}?(?:jarvis(?: |$))+/;

/** Courtesy around a request: "please", "could you …", "s'il te plaît", "tu peux …". */
const POLITE: Record<Language, RegExp> = {
  en: /^(?:(?:could|can|would|will) you (?:please )?|please )|( please)$/g,
  // "s'il" arrives with its elision split off: "s' il"; "peux-tu" with its hyphen gone.
  fr: /^(?:s' il (?:te|vous) plaît |(?:est ce que )?(?:tu peux|peux tu|pourrais tu|vous pouvez|pouvez vous|pourriez vous) )|( s' il (?:te|vous) plaît)$/g,
};

/**
 * Lower case, words and numbers only, hyphens as spaces, French elisions apart ("l'heure" →
 * "l' heure"), "%" as a word; without the wake phrase and "please".
 */
export function normalise(text: string, language: Language = 'en'): string {
  const t = text
    .normalize('NFC')
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .replace(/%/g, language === 'fr' ? ' pour cent ' : ' percent ')
    // Keep "2.5" and "7:30" whole; every other mark is a word break.
    .replace(/(\d)[.,](?=\d)/g, '$1\uE000')
    .replace(/(\d):(?=\d\d)/g, '$1\uE001')
    .replace(/[^\p{L}\p{N}'\uE000\uE001]+/gu, ' ')
    .replace(/\uE000/g, '.')
    .replace(/\uE001/g, ':');
  return splitElisions(t)
    .replace(/\s+/g, ' ')
    .trim()
    .replace(WAKE_PREFIX, '')
    .replace(POLITE[language], '');
}

/** Slots whose grammar rule depends on which devices an intent can act on. */
const SCOPED_SLOTS = new Set(['device', 'room', 'number', 'percentage']);

interface Compiled {
  readonly intent: TemplateSet['intents'][number];
  readonly template: CompiledTemplate;
}

/** Matches transcripts against the templates, with the current devices and rooms as slot values. */
export class IntentMatcher {
  private compiled: Compiled[] = [];

  constructor(
    private readonly devices: DeviceRegistry,
    readonly templates: TemplateSet = englishTemplates(),
  ) {
    this.rebuild();
  }

  /** Rooms with a satellite and perhaps no device: "tell the nursery …" needs them. */
  private satelliteRooms: readonly string[] = [];

  /** Sets the satellites' rooms (call {@link rebuild} after). */
  setSatelliteRooms(rooms: readonly string[]): void {
    this.satelliteRooms = [...new Set(rooms.map(spoken))].filter((r) => r !== '');
  }

  get language(): Language {
    return this.templates.language;
  }

  /** Call after the device list changed. */
  rebuild(): void {
    const ctx = this.slotContext();
    const types = this.templates.slotTypes;
    this.compiled = this.templates.intents.flatMap((intent) =>
      intent.templates.flatMap((nodes) => {
        const template = compileTemplate(nodes, (type) => types[type]?.pattern(ctx));
        return template ? [{ intent, template }] : [];
      }),
    );
  }

  match(transcript: string): IntentMatch | undefined {
    const text = ` ${normalise(transcript, this.language)}`;
    if (text === ' ') return undefined;
    for (const { intent, template } of this.compiled) {
      const m = template.regex.exec(text);
      if (!m) continue;
      const slots = this.slotValues(template, m.groups ?? {});
      if (!slots) continue;
      return { name: intent.name, slots, ...(intent.custom ? { custom: intent.custom } : {}) };
    }
    return undefined;
  }

  private slotValues(
    template: CompiledTemplate,
    groups: Record<string, string | undefined>,
  ): Record<string, SlotValue> | undefined {
    const out: Record<string, SlotValue> = {};
    for (const [i, slot] of template.slots.entries()) {
      const text = groups[`s${i}`];
      if (text === undefined) continue;
      const value = this.templates.slotTypes[slot.type]?.parse(text);
      if (value === undefined) return undefined;
      out[slot.name] = value;
    }
    return out;
  }

  /**
   * A JSGF grammar for the recogniser: every template whose slots all have grammar words, an
   * optional wake-word prefix, the slot types as rules. Capability intents (brightness, colour,
   * …) come only with the devices that have the capability, under rules of their own.
   */
  grammar(): string {
    const rules = new Map<string, string>();
    const bodies: string[] = [];
    for (const intent of this.templates.intents) {
      if (!intent.inGrammar) continue;
      const only = Object.hasOwn(INTENT_DEVICES, intent.name)
        ? INTENT_DEVICES[intent.name]
        : undefined;
      const ctx = this.slotContext(only, intent.name === 'set_temperature');
      if (only && ctx.devices.length === 0) continue;
      const ruleOf = (type: string): string =>
        only && SCOPED_SLOTS.has(type) ? `${type}_${intent.name}` : type;
      const jsgf = new Map<string, string | undefined>();
      const ruleFor = (type: string): string | undefined => {
        if (!jsgf.has(type)) jsgf.set(type, this.templates.slotTypes[type]?.jsgf(ctx));
        return jsgf.get(type);
      };
      for (const template of intent.templates) {
        // Free text, times and slots with no values yet (no devices, no rooms) stay out of the
        // grammar: the optional parts holding them, or the whole template when one is required.
        const nodes = withUsableSlots(template, (type) => ruleFor(type) !== undefined);
        if (!nodes) continue;
        for (const t of slotTypes(nodes)) rules.set(ruleOf(t), ruleFor(t)!);
        bodies.push(`( ${templateToJsgf(nodes, ruleOf)} )`);
      }
    }
    return [
      '#JSGF V1.0;',
      'grammar jarvis;',
      `public <command> = [ [ hey ] jarvis ] [ please ] <intent> [ please ];`,
      `<intent> = ${bodies.join(' | ')};`,
      ...[...rules].map(([name, rule]) => `<${name}> = ${rule};`),
      '',
    ].join('\n');
  }

  /** Slot values from the devices `only` keeps (all when absent). */
  private slotContext(only?: (d: CapableDevice) => boolean, degrees = false): SlotContext {
    const keep = only ?? (() => true);
    // A capability intent names the rooms of its devices; the others any room with a satellite.
    const rooms = this.devices.rooms(keep);
    if (!only) rooms.push(...this.satelliteRooms.filter((r) => !rooms.includes(r)));
    const ctx: SlotContext = {
      devices: this.devices.phrases(keep),
      rooms,
      percentRequired: only !== undefined,
    };
    return degrees ? { ...ctx, numbers: settableDegrees(this.devices.devices.filter(keep)) } : ctx;
  }
}
