/**
 * The intent dev set: phrasings a household says, in English and French, with the intent and
 * slots each must give. Written by hand, not generated from the templates: some are phrased in
 * ways no template was written for, which is what the accuracy measures.
 */
import type { Device } from '../../hub/src/devices/registry.js';
import type { SlotValue } from '../../hub/src/intents/intents.js';
import type { Language } from '../../hub/src/intents/numbers.js';

export interface IntentCase {
  readonly text: string;
  /** The intent and slots expected; null when the phrase must match no intent (LLM path). */
  readonly expect: { readonly name: string; readonly slots: Record<string, SlotValue> } | null;
}

const dev = (id: string, name: string, room: string): Device => ({
  id,
  name,
  room,
  commandTopic: `home/${id}/set`,
});

export const DEVICES: Record<Language, Device[]> = {
  en: [
    dev('kitchen-light', 'Light', 'Kitchen'),
    dev('bedroom-light', 'Light', 'Bedroom'),
    dev('kitchen-fan', 'Fan', 'Kitchen'),
    dev('desk-lamp', 'Desk Lamp', 'Office'),
    dev('blinds', 'Blinds', 'Living Room'),
    dev('thermostat', 'Thermostat', 'Living Room'),
    dev('garage-door', 'Garage Door', 'Garage'),
  ],
  fr: [
    dev('lumiere-cuisine', 'Lumière', 'Cuisine'),
    dev('lumiere-chambre', 'Lumière', 'Chambre'),
    dev('ventilateur', 'Ventilateur', 'Cuisine'),
    dev('volets', 'Volets', 'Salon'),
    dev('thermostat', 'Thermostat', 'Salon'),
    dev('lampe', 'Lampe de bureau', 'Bureau'),
  ],
};

const c = (text: string, name: string, slots: Record<string, SlotValue> = {}): IntentCase => ({
  text,
  expect: { name, slots },
});
const none = (text: string): IntentCase => ({ text, expect: null });

export const CASES: Record<Language, IntentCase[]> = {
  en: [
    c('turn on the kitchen light', 'turn_on', { device: 'kitchen light' }),
    c('Turn on the light.', 'turn_on', { device: 'light' }),
    c('switch the light off in the bedroom', 'turn_off', { device: 'light', room: 'bedroom' }),
    c('switch off the desk lamp', 'turn_off', { device: 'desk lamp' }),
    c('turn the fan on please', 'turn_on', { device: 'fan' }),
    c('please turn off the kitchen fan', 'turn_off', { device: 'kitchen fan' }),
    c('Hey Jarvis, turn off the lights', 'turn_off', { device: 'lights' }),
    c('turn on light in kitchen', 'turn_on', { device: 'light', room: 'kitchen' }),
    c('switch on the bedroom light', 'turn_on', { device: 'bedroom light' }),
    c('turn the office desk lamp on', 'turn_on', { device: 'office desk lamp' }),
    c('toggle the fan', 'toggle', { device: 'fan' }),
    c('toggle the light in the kitchen', 'toggle', { device: 'light', room: 'kitchen' }),
    c('is the garage door open', 'get_state', { device: 'garage door', condition: 'open' }),
    c('is the light in the bedroom on', 'get_state', {
      device: 'light',
      room: 'bedroom',
      condition: 'on',
    }),
    c('is the kitchen fan off', 'get_state', { device: 'kitchen fan', condition: 'off' }),
    c('what is the state of the thermostat', 'get_state', { device: 'thermostat' }),
    c('set the desk lamp to 40%', 'set_brightness', { device: 'desk lamp', brightness: 40 }),
    c('dim the kitchen light to twenty percent', 'set_brightness', {
      device: 'kitchen light',
      brightness: 20,
    }),
    c('set the light in the bedroom to fifty percent', 'set_brightness', {
      device: 'light',
      room: 'bedroom',
      brightness: 50,
    }),
    c('set the brightness of the light to 75 percent', 'set_brightness', {
      device: 'light',
      brightness: 75,
    }),
    c('turn the desk lamp brightness to one hundred percent', 'set_brightness', {
      device: 'desk lamp',
      brightness: 100,
    }),
    c('set the bedroom light to 10', 'set_brightness', { device: 'bedroom light', brightness: 10 }),
    c('turn the light red', 'set_color', { device: 'light', color: 'red' }),
    c('make the bedroom light blue', 'set_color', { device: 'bedroom light', color: 'blue' }),
    c('set the desk lamp to warm white', 'set_color', { device: 'desk lamp', color: 'warm white' }),
    c('change the colour of the kitchen light to green', 'set_color', {
      device: 'kitchen light',
      color: 'green',
    }),
    c('turn the light in the kitchen purple', 'set_color', {
      device: 'light',
      room: 'kitchen',
      color: 'purple',
    }),
    c('set the thermostat to 21 degrees', 'set_temperature', {
      device: 'thermostat',
      temperature: 21,
    }),
    c('set the temperature to twenty degrees', 'set_temperature', { temperature: 20 }),
    c('change the temperature in the living room to 19', 'set_temperature', {
      room: 'living room',
      temperature: 19,
    }),
    c('set the living room thermostat to twenty two degrees', 'set_temperature', {
      device: 'living room thermostat',
      temperature: 22,
    }),
    c('open the blinds', 'open', { device: 'blinds' }),
    c('close the garage door', 'close', { device: 'garage door' }),
    c('raise the blinds in the living room', 'open', { device: 'blinds', room: 'living room' }),
    c('lower the living room blinds', 'close', { device: 'living room blinds' }),
    c('shut the garage door', 'close', { device: 'garage door' }),
    c('open the blinds to 30 percent', 'set_position', { device: 'blinds', position: 30 }),
    c('lower the blinds to twenty five percent', 'set_position', {
      device: 'blinds',
      position: 25,
    }),
    c('what time is it', 'get_time'),
    c('What is the time?', 'get_time'),
    c('please what time is it', 'get_time'),
    c("what's the date today", 'get_date'),
    c('what day is it', 'get_date'),
    c('what is the date', 'get_date'),
    c('what is today', 'get_date'),
    c('set a timer for five minutes', 'set_timer', { duration: 300_000 }),
    c('start a timer for 10 minutes', 'set_timer', { duration: 600_000 }),
    c('set a timer for an hour and a half', 'set_timer', { duration: 5_400_000 }),
    c('set a timer for one hour and twenty minutes', 'set_timer', { duration: 4_800_000 }),
    c('set a timer for thirty seconds', 'set_timer', { duration: 30_000 }),
    c('set a pasta timer for 12 minutes', 'set_timer', { name: 'pasta', duration: 720_000 }),
    c('start a timer for 3 minutes for the eggs', 'set_timer', { duration: 180_000, name: 'eggs' }),
    c('set a timer for twenty minutes called pizza', 'set_timer', {
      duration: 1_200_000,
      name: 'pizza',
    }),
    c('cancel the timer', 'cancel_timer'),
    c('stop my timer', 'cancel_timer'),
    c('cancel the pasta timer', 'cancel_timer', { name: 'pasta' }),
    c('delete my egg timer', 'cancel_timer', { name: 'egg' }),
    c('how long is left on the timer', 'timer_remaining'),
    c('how much time is left', 'timer_remaining'),
    c('how long until my timer', 'timer_remaining'),
    c('how long is left on the pasta timer', 'timer_remaining', { name: 'pasta' }),
    c('turn the volume up', 'volume', { direction: 'up' }),
    c('turn down the volume', 'volume', { direction: 'down' }),
    c('volume up', 'volume', { direction: 'up' }),
    c('set the volume to forty percent', 'volume', { level: 40 }),
    c('turn the volume to 70', 'volume', { level: 70 }),
    c('speak louder', 'volume', { direction: 'up' }),
    c('talk softer', 'volume', { direction: 'down' }),
    c('mute', 'mute'),
    c('stop listening', 'mute'),
    c('be quiet', 'mute'),
    c('stop', 'stop'),
    c('never mind', 'stop'),
    c('cancel', 'stop'),
    c('repeat that', 'repeat'),
    c('say that again', 'repeat'),
    c('what did you say', 'repeat'),
    c('tell the kitchen dinner is ready', 'announce', {
      room: 'kitchen',
      message: 'dinner is ready',
    }),
    c('tell the bedroom that it is time to get up', 'announce', {
      room: 'bedroom',
      message: 'it is time to get up',
    }),
    c('announce that the car is here', 'announce', { message: 'the car is here' }),
    c('announce dinner is ready in the kitchen', 'announce', {
      message: 'dinner is ready',
      room: 'kitchen',
    }),
    // Phrasings no template was written for: these measure how far the templates reach.
    c('could you turn on the kitchen light', 'turn_on', { device: 'kitchen light' }),
    c('lights off in the bedroom', 'turn_off', { device: 'lights', room: 'bedroom' }),
    none('tell me a joke'),
    none('what is the capital of france'),
    none('turn on the television'),
    none('play some jazz'),
    none('how tall is mount everest'),
    none('remember that the wifi password is in the blue drawer'),
    none('what is the weather like tomorrow'),
    none('tell me about the kitchen'),
  ],
  fr: [
    c('allume la lumière de la cuisine', 'turn_on', { device: 'lumière', room: 'cuisine' }),
    c('Allume la lumière.', 'turn_on', { device: 'lumière' }),
    c('éteins la lumière dans la chambre', 'turn_off', { device: 'lumière', room: 'chambre' }),
    c('éteins le ventilateur', 'turn_off', { device: 'ventilateur' }),
    c('allume le ventilateur s’il te plaît', 'turn_on', { device: 'ventilateur' }),
    c('Jarvis, éteins la lampe de bureau', 'turn_off', { device: 'lampe de bureau' }),
    c('active le ventilateur de la cuisine', 'turn_on', { device: 'ventilateur', room: 'cuisine' }),
    c('coupe la lumière', 'turn_off', { device: 'lumière' }),
    c('bascule la lumière de la chambre', 'toggle', { device: 'lumière', room: 'chambre' }),
    c('est-ce que la lumière de la cuisine est allumée', 'get_state', {
      device: 'lumière',
      room: 'cuisine',
      condition: 'on',
    }),
    c('est-ce que les volets sont fermés', 'get_state', { device: 'volets', condition: 'closed' }),
    c('le ventilateur est-il éteint', 'get_state', { device: 'ventilateur', condition: 'off' }),
    c("quel est l'état du thermostat", 'get_state', { device: 'thermostat' }),
    c('mets la lampe de bureau à 40 %', 'set_brightness', {
      device: 'lampe de bureau',
      brightness: 40,
    }),
    c('règle la lumière de la chambre à cinquante pour cent', 'set_brightness', {
      device: 'lumière',
      room: 'chambre',
      brightness: 50,
    }),
    c('règle la luminosité de la lumière à 75 %', 'set_brightness', {
      device: 'lumière',
      brightness: 75,
    }),
    c('mets la lumière en rouge', 'set_color', { device: 'lumière', color: 'red' }),
    c('passe la lumière de la chambre en bleu', 'set_color', {
      device: 'lumière',
      room: 'chambre',
      color: 'blue',
    }),
    c('mets la lampe de bureau en blanc chaud', 'set_color', {
      device: 'lampe de bureau',
      color: 'warm white',
    }),
    c('mets le thermostat à 21 degrés', 'set_temperature', {
      device: 'thermostat',
      temperature: 21,
    }),
    c('règle la température à vingt degrés', 'set_temperature', { temperature: 20 }),
    c('mets la température du salon à dix-neuf degrés', 'set_temperature', {
      room: 'salon',
      temperature: 19,
    }),
    c('ouvre les volets', 'open', { device: 'volets' }),
    c('ferme les volets du salon', 'close', { device: 'volets', room: 'salon' }),
    c('baisse les volets', 'close', { device: 'volets' }),
    c('ouvre les volets à 30 %', 'set_position', { device: 'volets', position: 30 }),
    c('quelle heure est-il', 'get_time'),
    c('il est quelle heure', 'get_time'),
    c('Quelle heure est-il, s’il vous plaît ?', 'get_time'),
    c('quel jour sommes-nous', 'get_date'),
    c("quelle est la date d'aujourd'hui", 'get_date'),
    c('on est quel jour', 'get_date'),
    c('mets un minuteur de cinq minutes', 'set_timer', { duration: 300_000 }),
    c('lance un minuteur pour 10 minutes', 'set_timer', { duration: 600_000 }),
    c('mets un minuteur de une heure et demie', 'set_timer', { duration: 5_400_000 }),
    c('minuteur de trente secondes', 'set_timer', { duration: 30_000 }),
    c('mets un minuteur de douze minutes pour les pâtes', 'set_timer', {
      duration: 720_000,
      name: 'pâtes',
    }),
    c('démarre un minuteur de vingt-cinq minutes', 'set_timer', { duration: 1_500_000 }),
    c('annule le minuteur', 'cancel_timer'),
    c('arrête mon minuteur', 'cancel_timer'),
    c('annule le minuteur des pâtes', 'cancel_timer', { name: 'pâtes' }),
    c('combien de temps reste-t-il', 'timer_remaining'),
    c('il reste combien de temps sur le minuteur', 'timer_remaining'),
    c('combien de temps il reste', 'timer_remaining'),
    c('monte le volume', 'volume', { direction: 'up' }),
    c('baisse le son', 'volume', { direction: 'down' }),
    c('mets le volume à 40', 'volume', { level: 40 }),
    c('volume à soixante-dix pour cent', 'volume', { level: 70 }),
    c('parle plus fort', 'volume', { direction: 'up' }),
    c('parle plus doucement', 'volume', { direction: 'down' }),
    c('coupe le micro', 'mute'),
    c("arrête d'écouter", 'mute'),
    c('stop', 'stop'),
    c('laisse tomber', 'stop'),
    c('tais-toi', 'stop'),
    c('répète', 'repeat'),
    c("qu'est-ce que tu as dit", 'repeat'),
    c('tu peux répéter', 'repeat'),
    c('dis à la cuisine que le dîner est prêt', 'announce', {
      room: 'cuisine',
      message: 'le dîner est prêt',
    }),
    c("annonce qu'on part dans cinq minutes", 'announce', { message: 'on part dans cinq minutes' }),
    c('dis au salon que le film commence', 'announce', {
      room: 'salon',
      message: 'le film commence',
    }),
    // Phrasings no template was written for.
    c('tu peux allumer la lumière', 'turn_on', { device: 'lumière' }),
    none('raconte-moi une blague'),
    none('quelle est la capitale de la france'),
    none('allume la télévision'),
    none('mets de la musique'),
    none('quel temps fera-t-il demain'),
    none('souviens-toi que le code du wifi est dans le tiroir bleu'),
  ],
};
