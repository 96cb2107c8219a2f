/**
 * Typed template slots: what text each may match, how it reads in the recogniser's grammar, and
 * the value it gives. Values are JSON scalars: numbers for number, percentage and duration (ms),
 * "HH:MM" for time, a canonical name for color and list slots, the words for the rest.
 */
import { numberPattern, numberWord, parseNumber, type Language } from './numbers.js';
import { alternatives } from './template.js';

export type SlotValue = string | number;

/** What the slot types need to know about the home: the names and rooms of its devices. */
export interface SlotContext {
  readonly devices: readonly string[];
  readonly rooms: readonly string[];
  /** The numbers a grammar offers instead of the usual ones (a thermostat's degrees). */
  readonly numbers?: readonly number[];
  /**
   * Percentages must say "percent" in the grammar: "open the garage door" was heard as "open
   * the blinds to one" when it was optional. Transcripts may still leave it out.
   */
  readonly percentRequired?: boolean;
}

export interface SlotType {
  /** Regex source (no capturing groups) for the slot's text, or undefined when it has no values. */
  pattern(ctx: SlotContext): string | undefined;
  /** JSGF alternatives, or undefined when the slot cannot be in a grammar (free text, times). */
  jsgf(ctx: SlotContext): string | undefined;
  /** The slot's value from the text it matched; undefined rejects the match. */
  parse(text: string): SlotValue | undefined;
}

const jsgfAlternatives = (values: readonly string[]): string | undefined =>
  values.length === 0 ? undefined : `( ${[...new Set(values)].join(' | ')} )`;

/**
 * Numbers the grammar allows. Not every number up to 100: each alternative is one more way for
 * the recogniser to hear other speech as a command (`npm run eval:stt` measures it).
 */
const GRAMMAR_NUMBERS: Record<Language, readonly string[]> = {
  en: [
    ...Array.from({ length: 21 }, (_, n) => n),
    ...[30, 40, 50, 60, 70, 80, 90, 25, 45, 75, 100],
  ].map((n) => numberWord(n, 'en')),
  fr: [],
};

/** Counts before a duration unit: the grammar's numbers plus "a"/"an". */
const GRAMMAR_COUNTS: Record<Language, readonly string[]> = {
  en: ['a', 'an', ...GRAMMAR_NUMBERS.en.filter((n) => n !== 'zero')],
  fr: [],
};

interface DurationWords {
  readonly units: Readonly<Record<string, number>>;
  readonly and: string;
  /** "and a half" after a unit: half of that unit. */
  readonly half: readonly string[];
}

const DURATION_WORDS: Record<Language, DurationWords> = {
  en: {
    units: {
      second: 1000,
      seconds: 1000,
      minute: 60_000,
      minutes: 60_000,
      hour: 3_600_000,
      hours: 3_600_000,
    },
    and: 'and',
    half: ['and a half'],
  },
  fr: {
    units: {
      seconde: 1000,
      secondes: 1000,
      minute: 60_000,
      minutes: 60_000,
      heure: 3_600_000,
      heures: 3_600_000,
    },
    and: 'et',
    half: ['et demie', 'et demi'],
  },
};

function durationType(language: Language): SlotType {
  const w = DURATION_WORDS[language];
  const unit = alternatives(Object.keys(w.units))!;
  const count = numberPattern(language);
  const part = `${count} ${unit}`;
  const half = alternatives(w.half)!;
  const unitAtEnd = new RegExp(`^(.+) (${unit})$`);
  return {
    pattern: () => `${part}(?: ${half}| ${w.and} ${part})?`,
    jsgf: () => {
      const counts = GRAMMAR_COUNTS[language];
      if (counts.length === 0) return undefined;
      const p = `${jsgfAlternatives(counts)!} ${jsgfAlternatives(Object.keys(w.units))!}`;
      return `( ${p} [ ${w.and} ${p} ] )`;
    },
    parse(text) {
      let total = 0;
      let rest = text;
      const halfWords = w.half.find((h) => rest.endsWith(` ${h}`));
      if (halfWords) rest = rest.slice(0, -halfWords.length - 1);
      let lastUnit = 0;
      for (const piece of rest.split(` ${w.and} `)) {
        const m = unitAtEnd.exec(piece);
        const n = m ? parseNumber(m[1]!, language) : undefined;
        const ms = m ? w.units[m[2]!] : undefined;
        if (n === undefined || ms === undefined) return undefined;
        total += n * ms;
        lastUnit = ms;
      }
      if (halfWords) total += lastUnit / 2;
      return total > 0 ? total : undefined;
    },
  };
}

function numberType(language: Language, percent?: readonly string[]): SlotType {
  const n = numberPattern(language);
  const suffix = percent ? alternatives(percent)! : undefined;
  return {
    pattern: () => (suffix ? `${n}(?: ${suffix})?` : n),
    jsgf: (ctx) => {
      if (GRAMMAR_NUMBERS[language].length === 0) return undefined;
      const words = ctx.numbers?.map((v) => numberWord(v, language)) ?? GRAMMAR_NUMBERS[language];
      if (words.length === 0) return undefined;
      if (!suffix) return jsgfAlternatives(words);
      const word = ctx.percentRequired ? percent![0]! : `[ ${percent![0]!} ]`;
      return `( ${jsgfAlternatives(words)!} ${word} )`;
    },
    parse(text) {
      const bare = suffix ? text.replace(new RegExp(` ${suffix}$`), '') : text;
      const value = parseNumber(bare, language);
      if (value === undefined) return undefined;
      return percent && (value < 0 || value > 100) ? undefined : value;
    },
  };
}

/** Colour names → the canonical English name a light is sent (see COLOR_RGB). */
const COLOR_NAMES: Record<Language, Readonly<Record<string, string>>> = {
  en: {
    red: 'red',
    green: 'green',
    blue: 'blue',
    yellow: 'yellow',
    orange: 'orange',
    purple: 'purple',
    pink: 'pink',
    white: 'white',
    'warm white': 'warm white',
    'cool white': 'cool white',
    cyan: 'cyan',
    magenta: 'magenta',
  },
  fr: {
    rouge: 'red',
    vert: 'green',
    verte: 'green',
    bleu: 'blue',
    bleue: 'blue',
    jaune: 'yellow',
    orange: 'orange',
    violet: 'purple',
    violette: 'purple',
    rose: 'pink',
    blanc: 'white',
    blanche: 'white',
    'blanc chaud': 'warm white',
    'blanc froid': 'cool white',
    cyan: 'cyan',
    magenta: 'magenta',
  },
};

/** RGB of each canonical colour name. */
export const COLOR_RGB: Readonly<Record<string, readonly [number, number, number]>> = {
  red: [255, 0, 0],
  green: [0, 255, 0],
  blue: [0, 0, 255],
  yellow: [255, 255, 0],
  orange: [255, 165, 0],
  purple: [128, 0, 128],
  pink: [255, 105, 180],
  white: [255, 255, 255],
  'warm white': [255, 214, 170],
  'cool white': [212, 235, 255],
  cyan: [0, 255, 255],
  magenta: [255, 0, 255],
};

/** A list slot from a template file: spoken phrase → value. */
export function listSlotType(values: Readonly<Record<string, string>>): SlotType {
  return {
    pattern: () => alternatives(Object.keys(values)),
    jsgf: () => jsgfAlternatives(Object.keys(values)),
    parse: (text) => values[text],
  };
}

const pad = (n: number): string => String(n).padStart(2, '0');

function clock(h: number, m: number): string | undefined {
  return h >= 0 && h < 24 && m >= 0 && m < 60 ? `${pad(h)}:${pad(m)}` : undefined;
}

/** "7", "seven thirty", "7:30 pm", "half past seven", "noon"; "sept heures trente", "19 h 30", "midi". */
function timeType(language: Language): SlotType {
  const n = numberPattern(language, 59);
  const en = {
    pattern: `(?:noon|midnight|(?:half past|quarter past|quarter to) ${n}|${n}(?::\\d\\d| ${n}| o'clock)?(?: ?[ap] ?m)?)`,
    parse(text: string): string | undefined {
      if (text === 'noon') return '12:00';
      if (text === 'midnight') return '00:00';
      const rel = /^(half past|quarter past|quarter to) (.+)$/.exec(text);
      if (rel) {
        const h = parseNumber(rel[2]!, 'en');
        if (h === undefined) return undefined;
        if (rel[1] === 'quarter to') return clock((h + 23) % 24, 45);
        return clock(h, rel[1] === 'half past' ? 30 : 15);
      }
      const m = /^(.+?)(?::(\d\d)| (.+?)| o'clock)?(?: ?([ap]) ?m)?$/.exec(text);
      if (!m) return undefined;
      let h = parseNumber(m[1]!, 'en');
      const min =
        m[2] !== undefined ? Number(m[2]) : m[3] !== undefined ? parseNumber(m[3], 'en') : 0;
      if (h === undefined || min === undefined) return undefined;
      if (m[4] === 'p' && h < 12) h += 12;
      if (m[4] === 'a' && h === 12) h = 0;
      return clock(h, min);
    },
  };
  const fr = {
    pattern: `(?:midi|minuit|${n} ?(?:heures?|h)(?: ${n}| et demie| et quart| moins le quart)?|${n}:\\d\\d)`,
    parse(text: string): string | undefined {
      if (text === 'midi') return '12:00';
      if (text === 'minuit') return '00:00';
      const colon = /^(\d+):(\d\d)$/.exec(text);
      if (colon) return clock(Number(colon[1]), Number(colon[2]));
      const m = /^(.+?) ?(?:heures?|h)(?: (.+)|$)/.exec(text);
      const h = m ? parseNumber(m[1]!, 'fr') : undefined;
      if (!m || h === undefined) return undefined;
      const rest = m[2]?.trim();
      if (rest === undefined) return clock(h, 0);
      if (rest === 'et demie') return clock(h, 30);
      if (rest === 'et quart') return clock(h, 15);
      if (rest === 'moins le quart') return clock((h + 23) % 24, 45);
      const min = parseNumber(rest, 'fr');
      return min === undefined ? undefined : clock(h, min);
    },
  };
  const t = language === 'en' ? en : fr;
  return { pattern: () => t.pattern, jsgf: () => undefined, parse: (text) => t.parse(text) };
}

/** A phrase's plural as people say it ("lights", "lumières"); understood in transcripts only. */
const plural = (phrase: string): string => (phrase.endsWith('s') ? phrase : `${phrase}s`);

/** The home's device phrases (and their plurals) or rooms, as they are now. */
function homeNames(which: 'devices' | 'rooms'): SlotType {
  return {
    pattern: (ctx) =>
      alternatives(which === 'devices' ? [...ctx.devices, ...ctx.devices.map(plural)] : ctx[which]),
    jsgf: (ctx) => jsgfAlternatives(ctx[which]),
    parse: (text) => text,
  };
}

/** Free text ("tell the kitchen {message}"): never in the grammar, the general model hears it. */
const TEXT: SlotType = {
  pattern: () => "[\\p{L}\\p{N}' ]+?",
  jsgf: () => undefined,
  parse: (text) => (text.trim() === '' ? undefined : text.trim()),
};

/** The built-in slot types of a language; template files add list types. */
export function builtinSlotTypes(language: Language): Record<string, SlotType> {
  return {
    device: homeNames('devices'),
    room: homeNames('rooms'),
    number: numberType(language),
    percentage: numberType(language, language === 'en' ? ['percent', 'per cent'] : ['pour cent']),
    duration: durationType(language),
    color: listSlotType(COLOR_NAMES[language]),
    time: timeType(language),
    text: TEXT,
  };
}
