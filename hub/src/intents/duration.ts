/** Durations said back to the user ("1 hour and 5 minutes"); slot-types.ts reads spoken ones. */

/**
 * How a duration is said back: "1 hour and 5 minutes" ("1 heure et 5 minutes"); as an English
 * adjective ("a 5 minute timer") the units stay singular.
 */
export function spokenDuration(
  ms: number,
  adjective = false,
  language: 'en' | 'fr' = 'en',
): string {
  const totalSeconds = Math.max(1, Math.round(ms / 1000));
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  const [hour, minute, second, and] =
    language === 'fr' ? ['heure', 'minute', 'seconde', 'et'] : ['hour', 'minute', 'second', 'and'];
  const part = (n: number, unit: string): string =>
    `${n} ${unit}${n === 1 || adjective ? '' : 's'}`;
  const parts = [
    ...(h ? [part(h, hour)] : []),
    ...(m ? [part(m, minute)] : []),
    ...(s ? [part(s, second)] : []),
  ];
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} ${and} ${parts.at(-1)!}` : parts[0]!;
}
