/**
 * Incremental sentence splitting for streaming text to speech: text arrives in pieces (an LLM
 * streams tokens), and each sentence is handed on as soon as it is known to be complete.
 */

/** Words that end with a period without ending the sentence ("Mr. Smith", "approx. 3"). */
const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'st',
  'jr',
  'sr',
  'mt',
  'vs',
  'etc',
  'eg',
  'e.g',
  'ie',
  'i.e',
  'approx',
  'appt',
  'dept',
  'est',
  'fig',
  'inc',
  'ltd',
  'co',
  'corp',
  'no',
  'nr',
  'vol',
  'ca',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
  'mon',
  'tue',
  'wed',
  'thu',
  'fri',
  'sat',
  'sun',
  'a.m',
  'p.m',
  'u.s',
  'u.k',
]);
/** Abbreviations that usually end a sentence when the next word is capitalised. */
const SENTENCE_FINAL_ABBREVIATIONS = new Set([
  'etc',
  'a.m',
  'p.m',
  'no',
  'inc',
  'ltd',
  'co',
  'corp',
]);
/** Characters that may follow the terminator and still belong to the sentence: `"Hi." Then`. */
const CLOSERS = new Set([')', ']', '"', "'", '»', '”', '’']);
const TERMINATORS = new Set(['.', '!', '?', '…']);

export interface SentenceSplitterOptions {
  /**
   * Split a sentence longer than this many characters at its last comma, semicolon or space, so
   * run-on text still starts playing early (default 300).
   */
  readonly maxChars?: number;
}

/**
 * Splits text that arrives in pieces into sentences: at `. ! ?` (and `…`) followed by space,
 * and at newlines. Keeps decimals ("3.5"), times and abbreviations ("Mr.", "e.g.") together.
 *
 * A terminator at the very end of the text seen so far counts as a sentence end, unless it could
 * be the start of a decimal ("3.") or an abbreviation/initial ("Mr.", "J."): a piece that ends a
 * sentence is spoken without waiting for the next piece.
 */
export class SentenceSplitter {
  private buffer = '';
  private readonly maxChars: number;

  constructor(options: SentenceSplitterOptions = {}) {
    this.maxChars = options.maxChars ?? 300;
  }

  /** Adds a piece of text; returns the sentences it completed (trimmed, never empty). */
  push(piece: string): string[] {
    this.buffer += piece;
    const out: string[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const end = this.boundaryAfter(i);
      if (end === undefined) continue;
      emit(out, this.buffer.slice(start, end));
      start = end;
      i = end - 1;
    }
    this.buffer = this.buffer.slice(start);
    while (this.buffer.length > this.maxChars) {
      const cut = splitPoint(this.buffer, this.maxChars);
      emit(out, this.buffer.slice(0, cut));
      this.buffer = this.buffer.slice(cut);
    }
    return out;
  }

  /** The text is complete: returns whatever is left as a last sentence (or nothing). */
  flush(): string[] {
    const out: string[] = [];
    emit(out, this.buffer);
    this.buffer = '';
    return out;
  }

  /** If a sentence ends at index `i`, the index just past it (closers included). */
  private boundaryAfter(i: number): number | undefined {
    const text = this.buffer;
    const ch = text[i]!;
    if (ch === '\n' || ch === '\r') return i + 1;
    if (!TERMINATORS.has(ch)) return undefined;
    let end = i + 1;
    while (end < text.length && TERMINATORS.has(text[end]!)) end++; // "?!", "..."
    const lonePeriod = ch === '.' && end === i + 1;
    while (end < text.length && CLOSERS.has(text[end]!)) end++;
    const atEnd = end === text.length;
    if (!atEnd && !/\s/.test(text[end]!)) return undefined; // "3.5", "example.com", "e.g"
    // A lone period may belong to the word before it.
    if (lonePeriod) {
      const word = wordBefore(text, i);
      if (atEnd && /\d$/.test(word)) return undefined; // "3" + ".5" may still come
      if (isAbbreviation(word)) {
        if (atEnd) return undefined;
        const next = text.slice(end).trimStart();
        if (next === '') return undefined; // need the next word to decide
        const sentenceFinal = SENTENCE_FINAL_ABBREVIATIONS.has(word.toLowerCase());
        if (!sentenceFinal || !/^\p{Lu}/u.test(next)) return undefined;
      }
    }
    return end;
  }
}

/** Splits a whole text into sentences. */
export function splitSentences(text: string, options?: SentenceSplitterOptions): string[] {
  const splitter = new SentenceSplitter(options);
  return [...splitter.push(text), ...splitter.flush()];
}

function emit(out: string[], text: string): void {
  const sentence = text.replace(/\s+/g, ' ').trim();
  // Punctuation alone ("..." split off by a stream) is nothing to speak.
  if (/[\p{L}\p{N}]/u.test(sentence)) out.push(sentence);
}

/** The word (letters, digits and inner periods) just before index `i`. */
function wordBefore(text: string, i: number): string {
  let k = i;
  while (k > 0 && /[\p{L}\p{N}.]/u.test(text[k - 1]!)) k--;
  return text.slice(k, i);
}

function isAbbreviation(word: string): boolean {
  if (word === '') return false;
  if (/^\p{L}$/u.test(word)) return true; // an initial: "J. R. R. Tolkien"
  return ABBREVIATIONS.has(word.toLowerCase());
}

/** Where to cut an over-long sentence: after the last comma/semicolon, else the last space. */
function splitPoint(text: string, maxChars: number): number {
  const head = text.slice(0, maxChars);
  const punct = Math.max(head.lastIndexOf(', '), head.lastIndexOf('; '), head.lastIndexOf(': '));
  if (punct > maxChars / 3) return punct + 1;
  const space = head.lastIndexOf(' ');
  return space > 0 ? space + 1 : maxChars;
}
