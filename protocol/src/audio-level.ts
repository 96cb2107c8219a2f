/** Quietest level reported: digital silence would otherwise be -Infinity. */
export const SILENCE_DB = -120;

/** RMS level of 16-bit PCM in dBFS (0 = full scale; `SILENCE_DB` for nothing or silence). */
export function rmsDb(chunks: Iterable<Int16Array>): number {
  let sum = 0;
  let n = 0;
  for (const pcm of chunks) {
    for (const s of pcm) sum += s * s;
    n += pcm.length;
  }
  if (n === 0 || sum === 0) return SILENCE_DB;
  return Math.max(SILENCE_DB, 10 * Math.log10(sum / n / (32768 * 32768)));
}
