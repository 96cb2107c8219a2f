/** What a memory sentence asks for: store `content`, or find what was stored about `content`. */
export type MemoryUtterance =
  | { readonly kind: 'remember'; readonly content: string }
  | { readonly kind: 'recall'; readonly content: string };

/** Questions, tried before the remember forms because "do you remember X" contains "remember". */
const RECALL: readonly RegExp[] = [
  /^do you (?:still )?remember (?:that |what |where |when )?(.+)$/,
  /^what did i (?:tell you|say) about (.+)$/,
  /^where did i (?:put|leave|park|hide) (.+)$/,
  /^where(?: is| are|'s| was| were) (.+)$/,
  /^what(?: is| are|'s| was| were) (.+)$/,
  /^when(?: is| are|'s| was| were) (.+)$/,
];

const REMEMBER: readonly RegExp[] = [
  /^(?:can you |could you |would you |will you )?(?:please )?(?:remember|don't forget|do not forget|dont forget|note|make a note)(?: that)? (.+)$/,
];

/** Words around the request that carry no meaning for it. */
const LEADING = /^(?:(?:hey |ok |okay )?jarvis[, ]+|please[, ]+)+/;
const TRAILING = /(?:[, ]+please)?[\s.!?]*$/;

/**
 * Recognises "remember that X" / "remember X" / "don't forget that X" (→ remember X) and
 * "where is/are X", "what is X", "when is X", "do you remember X", "where did I put X"
 * (→ recall X). Anything else is undefined. "remember to X" is a reminder, not a fact, and is
 * left to whatever handles reminders. A question form also matches general questions ("what is
 * the time"), so run this after the fast-path intents and treat a recall that finds nothing as
 * "not a memory question".
 */
export function parseMemoryUtterance(text: string): MemoryUtterance | undefined {
  const said = text
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
  const lower = said.toLowerCase();
  const lead = LEADING.exec(lower)?.[0].length ?? 0;
  const trail = TRAILING.exec(lower.slice(lead))?.[0].length ?? 0;
  const body = said.slice(lead, said.length - trail);
  const key = body.toLowerCase();
  for (const pattern of RECALL) {
    const content = capture(pattern, key, body);
    if (content !== undefined) return { kind: 'recall', content };
  }
  for (const pattern of REMEMBER) {
    const content = capture(pattern, key, body);
    if (content !== undefined && !/^to /i.test(content)) return { kind: 'remember', content };
  }
  return undefined;
}

/** Matches on the lower-case form, returns the group in the speaker's own casing. */
function capture(pattern: RegExp, key: string, body: string): string | undefined {
  const m = pattern.exec(key);
  const group = m?.[1];
  if (m === null || group === undefined) return undefined;
  const start = m.index + m[0].length - group.length;
  const content = body.slice(start, start + group.length).trim();
  // "remember that" / "remember this" name no fact.
  return content === '' || /^(?:that|this|it)$/i.test(content) ? undefined : content;
}

const PERSON: Readonly<Record<string, string>> = {
  "i'm": "you're",
  'i am': 'you are',
  'i was': 'you were',
  "i've": "you've",
  "i'll": "you'll",
  i: 'you',
  me: 'you',
  my: 'your',
  mine: 'yours',
  myself: 'yourself',
};
const FIRST_PERSON = /\b(?:i'm|i am|i was|i've|i'll|i|me|my|mine|myself)\b/gi;

/** A remembered sentence told back from the listener's side: "my keys" → "your keys". */
export function toSecondPerson(sentence: string): string {
  return sentence.replace(FIRST_PERSON, (word) => PERSON[word.toLowerCase()] ?? word);
}

/** "You told me the wifi password is in the blue drawer." */
export function recallReply(remembered: string): string {
  return `You told me ${toSecondPerson(withoutFinalStop(remembered))}.`;
}

/** "OK, I'll remember that the wifi password is in the blue drawer." */
export function rememberReply(remembered: string): string {
  return `OK, I'll remember that ${toSecondPerson(withoutFinalStop(remembered))}.`;
}

function withoutFinalStop(sentence: string): string {
  return sentence.trim().replace(/[.!]+$/, '');
}
