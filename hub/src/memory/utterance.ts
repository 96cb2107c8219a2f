import type { Language } from '../intents/numbers.js';

/** What a memory sentence asks for: store `content`, or find what was stored about `content`. */
export type MemoryUtterance =
  | { readonly kind: 'remember'; readonly content: string }
  | { readonly kind: 'recall'; readonly content: string };

/** Questions, tried before the remember forms because "do you remember X" contains "remember". */
const RECALL: Record<Language, readonly RegExp[]> = {
  en: [
    /^do you (?:still )?remember (?:that |what |where |when )?(.+)$/,
    /^what did i (?:tell you|say) about (.+)$/,
    /^where did i (?:put|leave|park|hide) (.+)$/,
    /^where(?: is| are|'s| was| were) (.+)$/,
    /^what(?: is| are|'s| was| were) (.+)$/,
    /^when(?: is| are|'s| was| were) (.+)$/,
  ],
  fr: [
    /^(?:est ce que )?tu te (?:souviens|rappelles) (?:de |d'|que |qu'|où |quand )?(.+)$/,
    /^qu'est ce que je t'ai dit (?:sur|à propos de|au sujet de) (.+)$/,
    /^où (?:ai je|est ce que j'ai|j'ai) (?:mis|laissé|rangé|garé|caché) (.+)$/,
    /^où (?:est|sont|était|étaient|se trouve|se trouvent) (.+)$/,
    /^(?:quel|quelle|quels|quelles) (?:est|sont|était|étaient) (.+)$/,
    /^quand (?:est|sont|a lieu|ont lieu) (.+)$/,
  ],
};

const REMEMBER: Record<Language, readonly RegExp[]> = {
  en: [
    /^(?:can you |could you |would you |will you )?(?:please )?(?:remember|don't forget|do not forget|dont forget|note|make a note)(?: that)? (.+)$/,
  ],
  fr: [
    /^(?:(?:peux tu|pourrais tu|tu peux) )?(?:souviens toi|rappelle toi|retiens|n'oublie pas|note|prends note)(?: que | qu'| )(.+)$/,
  ],
};

/** "remember to X", "n'oublie pas de X": a reminder, not a fact. */
const REMINDER: Record<Language, RegExp> = { en: /^to /i, fr: /^(?:de |d')/i };

/** Words around the request that carry no meaning for it. */
const LEADING = /^(?:(?:hey |ok |okay )?jarvis[, ]+|please[, ]+|s'il (?:te|vous) plaît[, ]+)+/;
const TRAILING = /(?:[, ]+(?:please|s'il (?:te|vous) plaît))?[\s.!?]*$/;

/**
 * Recognises "remember that X" / "remember X" / "don't forget that X" (→ remember X) and
 * "where is/are X", "what is X", "when is X", "do you remember X", "where did I put X"
 * (→ recall X). Anything else is undefined. "remember to X" is a reminder, not a fact, and is
 * left to whatever handles reminders. A question form also matches general questions ("what is
 * the time"), so run this after the fast-path intents and treat a recall that finds nothing as
 * "not a memory question".
 */
export function parseMemoryUtterance(
  text: string,
  language: Language = 'en',
): MemoryUtterance | undefined {
  let said = text.replace(/[\u2018\u2019]/g, "'");
  // French arrives normalised ("qu' il", "souviens toi") or as typed ("qu'il", "souviens-toi").
  if (language === 'fr') said = said.replace(/(\p{L})' /gu, "$1'").replace(/-/g, ' ');
  said = said.replace(/\s+/g, ' ').trim();
  const lower = said.toLowerCase();
  const lead = LEADING.exec(lower)?.[0].length ?? 0;
  const trail = TRAILING.exec(lower.slice(lead))?.[0].length ?? 0;
  const body = said.slice(lead, said.length - trail);
  const key = body.toLowerCase();
  for (const pattern of RECALL[language]) {
    const content = capture(pattern, key, body);
    if (content !== undefined) return { kind: 'recall', content };
  }
  for (const pattern of REMEMBER[language]) {
    const content = capture(pattern, key, body);
    if (content !== undefined && !REMINDER[language].test(content))
      return { kind: 'remember', content };
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
  return content === '' || /^(?:that|this|it|ça|cela)$/i.test(content) ? undefined : content;
}

const PERSON: Record<Language, Readonly<Record<string, string>>> = {
  en: {
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
  },
  fr: {
    'je suis': 'tu es',
    "j'ai": 'tu as',
    'je vais': 'tu vas',
    "j'étais": 'tu étais',
    'je peux': 'tu peux',
    je: 'tu',
    "j'": 'tu ',
    "m'": "t'",
    me: 'te',
    moi: 'toi',
    mon: 'ton',
    ma: 'ta',
    mes: 'tes',
  },
};
const FIRST_PERSON: Record<Language, RegExp> = {
  en: /\b(?:i'm|i am|i was|i've|i'll|i|me|my|mine|myself)\b/gi,
  // \b does not know accented letters: spell out what may come before and after.
  fr: /(?<![\p{L}'])(?:je suis|j'ai|je vais|j'étais|je peux|je|me|moi|mon|ma|mes)(?![\p{L}'])|(?<![\p{L}'])[jm]'/giu,
};

/** A remembered sentence told back from the listener's side: "my keys" → "your keys". */
export function toSecondPerson(sentence: string, language: Language = 'en'): string {
  return sentence.replace(
    FIRST_PERSON[language],
    (word) => PERSON[language][word.toLowerCase()] ?? word,
  );
}

const REPLIES: Record<Language, { recall: string; remember: string }> = {
  en: { recall: 'You told me ', remember: "OK, I'll remember that " },
  fr: { recall: "Tu m'as dit que ", remember: "D'accord, je retiens que " },
};

/** The reply's opening and the fact, "que il" elided to "qu'il". */
function told(opening: string, remembered: string, language: Language): string {
  const fact = toSecondPerson(withoutFinalStop(remembered), language);
  if (language === 'fr' && /^[aeiouéèêàâîôûh]/i.test(fact))
    return `${opening.replace(/que $/, "qu'")}${fact}.`;
  return `${opening}${fact}.`;
}

/** "You told me the wifi password is in the blue drawer." */
export function recallReply(remembered: string, language: Language = 'en'): string {
  return told(REPLIES[language].recall, remembered, language);
}

/** "OK, I'll remember that the wifi password is in the blue drawer." */
export function rememberReply(remembered: string, language: Language = 'en'): string {
  return told(REPLIES[language].remember, remembered, language);
}

function withoutFinalStop(sentence: string): string {
  return sentence.trim().replace(/[.!]+$/, '');
}
