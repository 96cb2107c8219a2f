/** Spoken durations: "five minutes", "an hour and ten minutes", "ninety seconds". */

const UNITS = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const TEENS = [
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
const TENS = ['twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

/**
 * The counts a duration may say, as words the recogniser's dictionary holds. Not every number
 * up to 99: each alternative in the grammar is one more way to mishear other speech as a
 * command, so only the counts people use for timers (measured with `npm run eval:stt`).
 */
export const COUNT_WORDS: readonly string[] = [
  'a',
  'an',
  ...UNITS,
  ...TEENS,
  ...TENS,
  'twenty five',
  'forty five',
];

export const DURATION_UNITS: readonly string[] = [
  'second',
  'seconds',
  'minute',
  'minutes',
  'hour',
  'hours',
];

/** The number a count phrase says, or undefined: "twenty five" → 25, "an" → 1, "7" → 7. */
export function countValue(words: string): number | undefined {
  const w = words.trim();
  if (/^\d+$/.test(w)) return Number(w);
  if (w === 'a' || w === 'an') return 1;
  const [first, second] = w.split(' ');
  const unit = (s: string | undefined): number => (s === undefined ? -1 : UNITS.indexOf(s) + 1);
  if (second === undefined) {
    if (unit(first) > 0) return unit(first);
    const teen = TEENS.indexOf(first ?? '');
    if (teen >= 0) return 10 + teen;
  }
  const ten = TENS.indexOf(first ?? '');
  if (ten < 0) return undefined;
  if (second === undefined) return (ten + 2) * 10;
  return unit(second) > 0 ? (ten + 2) * 10 + unit(second) : undefined;
}

const UNIT_MS: Record<string, number> = { second: 1000, minute: 60_000, hour: 3_600_000 };

/** Milliseconds of "count unit [and count unit]", or undefined when a part is not a duration. */
export function durationMs(parts: readonly { count: string; unit: string }[]): number | undefined {
  let total = 0;
  for (const { count, unit } of parts) {
    const n = countValue(count);
    const ms = UNIT_MS[unit.replace(/s$/, '')];
    if (n === undefined || ms === undefined) return undefined;
    total += n * ms;
  }
  return total > 0 ? total : undefined;
}

/**
 * How a duration is said back: "1 hour and 5 minutes"; as an adjective ("a 5 minute timer") the
 * units stay singular.
 */
export function spokenDuration(ms: number, adjective = false): string {
  const totalSeconds = Math.max(1, Math.round(ms / 1000));
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  const part = (n: number, unit: string): string =>
    `${n} ${unit}${n === 1 || adjective ? '' : 's'}`;
  const parts = [
    ...(h ? [part(h, 'hour')] : []),
    ...(m ? [part(m, 'minute')] : []),
    ...(s ? [part(s, 'second')] : []),
  ];
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)!}` : parts[0]!;
}
