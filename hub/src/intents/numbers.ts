/** Numbers as people say them, in English and French: "twenty five", "soixante et onze", "42". */
import { alternatives } from './template.js';

export type Language = 'en' | 'fr';

const EN_UNITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const EN_TEENS = [
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const EN_TENS = [
  '',
  '',
  'twenty',
  'thirty',
  'forty',
  'fifty',
  'sixty',
  'seventy',
  'eighty',
  'ninety',
];

function english(n: number): string {
  if (n < 10) return EN_UNITS[n]!;
  if (n < 20) return EN_TEENS[n - 10]!;
  if (n < 100) return EN_TENS[Math.floor(n / 10)]! + (n % 10 ? ` ${EN_UNITS[n % 10]!}` : '');
  if (n === 100) return 'one hundred';
  return String(n);
}

const FR_UNITS = ['zéro', 'un', 'deux', 'trois', 'quatre', 'cinq', 'six', 'sept', 'huit', 'neuf'];
const FR_TEENS = [
  'dix',
  'onze',
  'douze',
  'treize',
  'quatorze',
  'quinze',
  'seize',
  'dix sept',
  'dix huit',
  'dix neuf',
];
const FR_TENS = ['', '', 'vingt', 'trente', 'quarante', 'cinquante', 'soixante'];

/** French after normalisation: hyphens are spaces ("quatre-vingt-dix" → "quatre vingt dix"). */
function french(n: number): string {
  if (n < 10) return FR_UNITS[n]!;
  if (n < 20) return FR_TEENS[n - 10]!;
  if (n < 70) {
    const unit = n % 10;
    const tens = FR_TENS[Math.floor(n / 10)]!;
    if (unit === 0) return tens;
    return unit === 1 ? `${tens} et un` : `${tens} ${FR_UNITS[unit]!}`;
  }
  if (n < 80) return n === 71 ? 'soixante et onze' : `soixante ${french(n - 60)}`;
  if (n === 80) return 'quatre vingts';
  if (n < 100) return `quatre vingt ${french(n - 80)}`;
  if (n === 100) return 'cent';
  return String(n);
}

/** Other ways of saying some numbers: "a"/"an"/"une" for one, "quatre vingt" without the s. */
const EXTRA: Record<Language, readonly (readonly [string, number])[]> = {
  en: [
    ['a', 1],
    ['an', 1],
    ['a hundred', 100],
    ['hundred', 100],
    ['oh', 0],
  ],
  fr: [
    ['une', 1],
    ['vingt et une', 21],
    ['trente et une', 31],
    ['quarante et une', 41],
    ['cinquante et une', 51],
    ['soixante et une', 61],
    ['quatre vingt', 80],
    ['zero', 0],
  ],
};

/** How `n` (0…100) is said: "twenty five", "soixante et onze". */
export function numberWord(n: number, language: Language): string {
  return language === 'en' ? english(n) : french(n);
}

/** Every spoken form of 0…`max` (≤ 100) with its value, words first. */
export function numberPhrases(language: Language, max = 100): [string, number][] {
  const out: [string, number][] = [];
  for (let n = 0; n <= Math.min(max, 100); n++) out.push([numberWord(n, language), n]);
  for (const [phrase, n] of EXTRA[language]) if (n <= max) out.push([phrase, n]);
  return out;
}

const LOOKUP: Record<Language, Map<string, number>> = {
  en: new Map(numberPhrases('en')),
  fr: new Map(numberPhrases('fr')),
};

/** The value of a spoken or written number ("twenty five", "25", "2.5", "vingt-cinq"); undefined if none. */
export function parseNumber(text: string, language: Language): number | undefined {
  const t = text.trim().replace(/-/g, ' ').replace(/\s+/g, ' ');
  if (/^\d+(?:[.,]\d+)?$/.test(t)) return Number(t.replace(',', '.'));
  return LOOKUP[language].get(t);
}

/** A regex source for the numbers (digits, and words up to `max`): longest alternatives first. */
export function numberPattern(language: Language, max = 100): string {
  const words = alternatives(numberPhrases(language, max).map(([p]) => p))!;
  return `(?:\\d+(?:[.,]\\d+)?|${words})`;
}
