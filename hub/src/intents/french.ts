/**
 * French noun phrases for replies: "la lumière de la cuisine", "l'entrée", "les volets du
 * salon", and adjectives that agree with them ("allumée"). Genders come from a list of the words
 * homes use for devices and rooms; an unknown word is taken as masculine.
 */

const FEMININE = new Set([
  // devices
  'alarme',
  'ampoule',
  'applique',
  'bouilloire',
  'box',
  'cafetière',
  'caméra',
  'chaudière',
  'clim',
  'climatisation',
  'enceinte',
  'fenêtre',
  'guirlande',
  'hotte',
  'lampe',
  'lumière',
  'machine',
  'plaque',
  'pompe',
  'porte',
  'prise',
  'radio',
  'sonnette',
  'télé',
  'télévision',
  'veilleuse',
  // rooms
  'buanderie',
  'cave',
  'chambre',
  'cour',
  'cuisine',
  'entrée',
  'mezzanine',
  'salle',
  'terrasse',
  'véranda',
]);

/** Words whose h is aspirated: "la hotte", "le hall", not "l'". */
const ASPIRATED_H = new Set(['hotte', 'hall', 'haut', 'hangar', 'hamac']);
/** Words ending in s or x that are singular. */
const SINGULAR = new Set(['box', 'gaz', 'bois', 'bus']);

const head = (phrase: string): string => phrase.trim().split(/\s+/)[0]?.toLowerCase() ?? '';

const plural = (noun: string): boolean => /[sx]$/.test(noun) && !SINGULAR.has(noun);

const feminine = (noun: string): boolean =>
  FEMININE.has(noun) || (plural(noun) && FEMININE.has(noun.slice(0, -1)));

const elided = (noun: string): boolean =>
  /^[aeiouyàâäéèêëîïôöùûü]/.test(noun) || (noun.startsWith('h') && !ASPIRATED_H.has(noun));

/** "lumière" → "la lumière", "entrée" → "l'entrée", "volets" → "les volets". */
export function withArticle(phrase: string): string {
  const noun = head(phrase);
  if (noun === '') return phrase;
  if (plural(noun)) return `les ${phrase}`;
  if (elided(noun)) return `l'${phrase}`;
  return `${feminine(noun) ? 'la' : 'le'} ${phrase}`;
}

/** "de" before a phrase with its article: "du salon", "de la cuisine", "des volets". */
export function de(withArticlePhrase: string): string {
  if (withArticlePhrase.startsWith('le ')) return `du ${withArticlePhrase.slice(3)}`;
  if (withArticlePhrase.startsWith('les ')) return `des ${withArticlePhrase.slice(4)}`;
  return `de ${withArticlePhrase}`;
}

/** "la lumière de la cuisine": a device as a reply names it. */
export function devicePhrase(name: string, room: string): string {
  if (room === '' || name.includes(room)) return withArticle(name);
  return `${withArticle(name)} ${de(withArticle(room))}`;
}

/** The noun a phrase with its article is about. */
const nounOf = (phrase: string): string => head(phrase.replace(/^(?:le|la|les) |^l'/, ''));

/** Whether a phrase with its article is plural ("les volets"). */
export const isPlural = (phrase: string): boolean => phrase.startsWith('les ');

/** "allumé" agreeing with the phrase: "allumée", "allumés", "allumées". */
export function agree(phrase: string, adjective: string): string {
  const noun = nounOf(phrase);
  const f = phrase.startsWith('la ') || (!phrase.startsWith('le ') && feminine(noun));
  return `${adjective}${f && !adjective.endsWith('e') ? 'e' : ''}${isPlural(phrase) ? 's' : ''}`;
}

/** "quel" / "quelle" / "quels" / "quelles" for a bare noun. */
export function quel(noun: string): string {
  const n = head(noun);
  return `${feminine(n) ? 'quelle' : 'quel'}${plural(n) ? 's' : ''}`;
}

/** "celle" / "celui" / "celles" / "ceux" standing for a bare noun. */
export function celui(noun: string): string {
  const n = head(noun);
  if (plural(n)) return feminine(n) ? 'celles' : 'ceux';
  return feminine(n) ? 'celle' : 'celui';
}

export const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
