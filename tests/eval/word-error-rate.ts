/** Word error rate: (substitutions + deletions + insertions) / reference words. */

/** Lowercase words, punctuation dropped, so "Hey Jarvis, turn on…" and "hey jarvis turn on" agree. */
export function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .split(' ')
    .filter((w) => w !== '');
}

/** Minimum word edits (substitute, delete, insert) turning `reference` into `hypothesis`. */
export function wordEdits(reference: readonly string[], hypothesis: readonly string[]): number {
  let prev = Array.from({ length: hypothesis.length + 1 }, (_, j) => j);
  for (let i = 1; i <= reference.length; i++) {
    const cur = [i];
    for (let j = 1; j <= hypothesis.length; j++) {
      const same = reference[i - 1] === hypothesis[j - 1];
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (same ? 0 : 1));
    }
    prev = cur;
  }
  return prev[hypothesis.length]!;
}

export interface WerCount {
  /** Word edits summed over utterances. */
  readonly errors: number;
  /** Reference words summed over utterances. */
  readonly words: number;
}

/** Edits and reference words of one utterance. */
export function werCount(reference: string, hypothesis: string): WerCount {
  const ref = words(reference);
  return { errors: wordEdits(ref, words(hypothesis)), words: ref.length };
}

/** Corpus WER: total edits over total reference words (not a mean of per-utterance rates). */
export function corpusWer(counts: readonly WerCount[]): number {
  const total = counts.reduce((n, c) => n + c.words, 0);
  return total === 0 ? 0 : counts.reduce((n, c) => n + c.errors, 0) / total;
}
