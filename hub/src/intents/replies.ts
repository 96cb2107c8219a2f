/** What the hub says back, in each language it understands. */
import { agree, capitalise, celui, de, isPlural, quel, withArticle } from './french.js';
import type { Language } from './numbers.js';

const est = (d: string): string => (isPlural(d) ? 'sont' : 'est');

export interface Replies {
  readonly notUnderstood: string;
  time(now: Date, timeZone: string | undefined): string;
  date(now: Date, timeZone: string | undefined): string;
  readonly forHowLong: string;
  readonly muted: string;
  readonly volumeRange: string;
  volume(level: number): string;
  readonly louder: string;
  readonly quieter: string;
  stateUnknown(device: string): string;
  state(device: string, on: boolean, cover: boolean): string;
  turning(device: string, on: boolean): string;
  opening(device: string, open: boolean): string;
  notFound(device: string, room: string | undefined): string;
  which(device: string, rooms: readonly string[]): string;
  brightness(device: string, percent: number): string;
  color(device: string, color: string): string;
  temperature(device: string, degrees: number): string;
  temperatureRange(min: number, max: number): string;
  position(device: string, percent: number): string;
  cannot(
    device: string,
    what: 'power' | 'brightness' | 'color' | 'temperature' | 'position',
  ): string;
  noThermostat(room: string | undefined): string;
  announced(room: string | undefined): string;
  /** Outside the templates, with no language model to ask. */
  readonly noLlm: string;
  readonly llmTooSlow: string;
  readonly llmUnreachable: string;
  /** The model acted through a tool and said nothing. */
  readonly llmDone: string;
  readonly timersUnavailable: string;
  readonly timerFailed: string;
  noListener(room: string | undefined): string;
}

const EN_WHAT = {
  power: 'switch',
  brightness: 'dim',
  color: 'change the colour of',
  temperature: 'set a temperature on',
  position: 'set the position of',
};
/** What cannot be done to a device, before the device with its article. */
const FR_WHAT: Record<Parameters<Replies['cannot']>[1], (d: string) => string> = {
  power: (d) => `allumer ou éteindre ${d}`,
  brightness: (d) => `faire varier ${d}`,
  color: (d) => `changer la couleur ${de(d)}`,
  temperature: (d) => `régler la température ${de(d)}`,
  position: (d) => `régler la position ${de(d)}`,
};

const FR_COLORS: Record<string, string> = {
  red: 'rouge',
  green: 'vert',
  blue: 'bleu',
  yellow: 'jaune',
  orange: 'orange',
  purple: 'violet',
  pink: 'rose',
  white: 'blanc',
  'warm white': 'blanc chaud',
  'cool white': 'blanc froid',
  cyan: 'cyan',
  magenta: 'magenta',
};

const EN: Replies = {
  notUnderstood: "Sorry, I didn't understand.",
  noLlm:
    "Sorry, I didn't understand, and no language model is set up to help with requests like that.",
  llmTooSlow: 'Sorry, that is taking too long. Please try again.',
  llmUnreachable: "Sorry, I can't reach my language model right now.",
  llmDone: 'Done.',
  timersUnavailable: 'Sorry, timers are not available.',
  timerFailed: "Sorry, I couldn't do that with the timer.",
  time: (now, timeZone) =>
    `It is ${now.toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit', timeZone })}.`,
  date: (now, timeZone) =>
    `It is ${now.toLocaleDateString('en-US', { weekday: 'long', month: 'long', day: 'numeric', timeZone })}.`,
  forHowLong: 'Sorry, for how long?',
  muted: "OK, I'll stop listening. Press my button to unmute.",
  volumeRange: 'Volume goes from 0 to 100.',
  volume: (level) => `Volume ${level}.`,
  louder: 'Louder.',
  quieter: 'Quieter.',
  stateUnknown: (d) => `I don't know whether the ${d} is on.`,
  state: (d, on, cover) => `The ${d} is ${cover ? (on ? 'open' : 'closed') : on ? 'on' : 'off'}.`,
  turning: (d, on) => `Turning ${on ? 'on' : 'off'} the ${d}.`,
  opening: (d, open) => `${open ? 'Opening' : 'Closing'} the ${d}.`,
  notFound: (d, room) => `Sorry, I can't find the ${d}${room ? ` in the ${room}` : ''}.`,
  which: (d, rooms) => `Which ${d}? The ${rooms.join(' or the ')}?`,
  brightness: (d, p) => `Setting the ${d} to ${p} percent.`,
  color: (d, c) => `Turning the ${d} ${c}.`,
  temperature: (d, t) => `Setting the ${d} to ${t} degrees.`,
  temperatureRange: (min, max) => `I can set between ${min} and ${max} degrees.`,
  position: (d, p) => `Setting the ${d} to ${p} percent open.`,
  cannot: (d, what) => `Sorry, I can't ${EN_WHAT[what]} the ${d}.`,
  noThermostat: (room) => `Sorry, I don't know a thermostat${room ? ` in the ${room}` : ''}.`,
  announced: (room) => (room ? `Telling the ${room}.` : 'Announcing it everywhere.'),
  noListener: (room) =>
    room
      ? `Sorry, no satellite in the ${room} is listening.`
      : 'Sorry, no other satellite is listening.',
};

const FR: Replies = {
  notUnderstood: "Désolé, je n'ai pas compris.",
  noLlm:
    "Désolé, je n'ai pas compris, et aucun modèle de langue n'est configuré pour m'aider avec ce genre de demande.",
  llmTooSlow: 'Désolé, cela prend trop de temps. Veuillez réessayer.',
  llmUnreachable: "Désolé, je n'arrive pas à joindre mon modèle de langue.",
  llmDone: "C'est fait.",
  timersUnavailable: 'Désolé, les minuteurs ne sont pas disponibles.',
  timerFailed: "Désolé, je n'ai pas pu le faire avec le minuteur.",
  time: (now, timeZone) => {
    const [h, m] = now
      .toLocaleTimeString('fr-FR', { hour: 'numeric', minute: '2-digit', timeZone })
      .split(':');
    return `Il est ${Number(h)} h ${m}.`;
  },
  date: (now, timeZone) =>
    `Nous sommes le ${now.toLocaleDateString('fr-FR', { weekday: 'long', month: 'long', day: 'numeric', timeZone })}.`,
  forHowLong: 'Désolé, pour combien de temps ?',
  muted: "D'accord, je n'écoute plus. Appuyez sur mon bouton pour réactiver le micro.",
  volumeRange: 'Le volume va de 0 à 100.',
  volume: (level) => `Volume ${level}.`,
  louder: 'Plus fort.',
  quieter: 'Moins fort.',
  stateUnknown: (d) => `Je ne sais pas si ${d} ${est(d)} ${agree(d, 'allumé')}.`,
  state: (d, on, cover) =>
    `${capitalise(d)} ${est(d)} ${agree(d, cover ? (on ? 'ouvert' : 'fermé') : on ? 'allumé' : 'éteint')}.`,
  turning: (d, on) => `${on ? "J'allume" : "J'éteins"} ${d}.`,
  opening: (d, open) => `${open ? "J'ouvre" : 'Je ferme'} ${d}.`,
  notFound: (d, room) =>
    `Désolé, je ne trouve pas ${withArticle(d)}${room ? ` dans ${withArticle(room)}` : ''}.`,
  which: (d, rooms) =>
    `${capitalise(quel(d))} ${d} : ${rooms.map((r) => `${celui(d)} ${de(withArticle(r))}`).join(' ou ')} ?`,
  brightness: (d, p) => `Je règle ${d} à ${p} pour cent.`,
  color: (d, c) => `Je passe ${d} en ${FR_COLORS[c] ?? c}.`,
  temperature: (d, t) => `Je règle ${d} à ${t} degrés.`,
  temperatureRange: (min, max) => `Je peux régler entre ${min} et ${max} degrés.`,
  position: (d, p) => `J'ouvre ${d} à ${p} pour cent.`,
  cannot: (d, what) => `Désolé, je ne peux pas ${FR_WHAT[what](d)}.`,
  noThermostat: (room) =>
    `Désolé, je ne connais pas de thermostat${room ? ` dans ${withArticle(room)}` : ''}.`,
  announced: (room) => (room ? `Je le dis dans ${withArticle(room)}.` : "Je l'annonce partout."),
  noListener: (room) =>
    room
      ? `Désolé, aucun satellite n'écoute dans ${withArticle(room)}.`
      : "Désolé, aucun autre satellite n'écoute.",
};

export const REPLIES: Record<Language, Replies> = { en: EN, fr: FR };
