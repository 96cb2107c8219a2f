import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeviceRegistry } from '../devices/registry.js';
import { handleIntent } from './handle.js';
import { IntentMatcher, loadTemplates } from './intents.js';

const devices = new DeviceRegistry([
  { id: 'kitchen-light', name: 'Light', room: 'Kitchen', commandTopic: 'home/kitchen/light/set' },
]);

function userDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-templates-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('user template files', () => {
  it('adds-sentences-to-built-in-intents-and-defines-custom-ones', () => {
    const dir = userDir({
      'mine.yaml': [
        'language: en',
        'lists:',
        '  scene: { movie: [movie, cinema], dinner: [dinner] }',
        'intents:',
        '  turn_on:',
        '    - lights on [in [the] {room}] [the] {device}',
        '  scene:',
        '    sentences: ["{scene} (mode | time)"]',
        '    reply: Enjoy your {scene}.',
        '    mqtt: { topic: home/scene/set, payload: "{scene}" }',
      ].join('\n'),
      'other.yaml': 'language: fr\nintents:\n  turn_on: ["lumière {device}"]\n',
    });
    const matcher = new IntentMatcher(devices, loadTemplates('en', dir));
    expect(matcher.match('lights on the kitchen light')).toEqual({
      name: 'turn_on',
      slots: { device: 'kitchen light' },
    });
    const scene = matcher.match('cinema mode');
    expect(scene).toMatchObject({ name: 'scene', slots: { scene: 'movie' } });
    expect(handleIntent(scene, { devices, satelliteRoom: 'kitchen', now: new Date() })).toEqual({
      reply: 'Enjoy your movie.',
      outcome: 'ok',
      action: { topic: 'home/scene/set', payload: 'movie' },
    });
    // The French file in the same folder is not the hub's language: left alone.
    expect(matcher.match('lumière kitchen light')).toBeUndefined();
    // Custom sentences reach the recogniser's grammar too.
    expect(matcher.grammar()).toContain('<scene> = ( movie | cinema | dinner );');
  });

  it.each([
    ['not yaml', 'language: en\nintents: [', /mine.yaml: .*line/],
    ['a missing field', 'language: en\n', /mine.yaml: .*intents/],
    [
      'an unknown slot type',
      'language: en\nintents:\n  turn_on: ["on {gadget}"]\n',
      /unknown slot type gadget/,
    ],
    [
      'a custom intent without an action',
      'language: en\nintents:\n  party: { sentences: [party] }\n',
      /needs a reply or an mqtt/,
    ],
    [
      'a reply on a built-in intent',
      'language: en\nintents:\n  stop: { sentences: [halt], reply: ok }\n',
      /built-in intent "stop"/,
    ],
    [
      'a custom intent given as a bare list',
      'language: en\nintents:\n  party: [party time]\n',
      /not built in/,
    ],
    ['a broken template', 'language: en\nintents:\n  stop: ["(halt"]\n', /unclosed \(/],
  ])('refuses-a-file-with-%s-naming-the-file', (_what, text, message) => {
    const dir = userDir({ 'mine.yaml': text });
    expect(() => loadTemplates('en', dir)).toThrow(message);
    expect(() => loadTemplates('en', dir)).toThrow(/mine\.yaml/);
  });

  it('refuses-a-folder-that-does-not-exist', () => {
    expect(() => loadTemplates('en', '/nonexistent/jarvis')).toThrow(/cannot read the folder/);
  });
});

describe('french', () => {
  const fr = new DeviceRegistry([
    { id: 'lumiere', name: 'Lumière', room: 'Cuisine', commandTopic: 'home/lumiere/set' },
    { id: 'lumiere-entree', name: 'Lumière', room: 'Entrée', commandTopic: 'home/entree/set' },
    { id: 'volets', name: 'Volets', room: 'Salon', commandTopic: 'home/volets/set' },
    { id: 'ventilo', name: 'Ventilateur', room: 'Salon', commandTopic: 'home/ventilo/set' },
  ]);
  const matcher = new IntentMatcher(fr, loadTemplates('fr'));
  const ctx = {
    devices: fr,
    satelliteRoom: 'cuisine',
    now: new Date('2026-11-25T15:05:00Z'),
    timeZone: 'UTC',
    language: 'fr' as const,
  };

  it('understands-and-answers-in-french', () => {
    const on = handleIntent(matcher.match('Allume la lumière de la cuisine'), ctx);
    expect(on).toMatchObject({
      reply: "J'allume la lumière de la cuisine.",
      action: { topic: 'home/lumiere/set', payload: 'ON' },
    });
    expect(handleIntent(matcher.match('quelle heure est-il ?'), ctx).reply).toBe('Il est 15 h 05.');
    expect(handleIntent(matcher.match('raconte-moi une blague'), ctx).reply).toBe(
      "Désolé, je n'ai pas compris.",
    );
  });

  it('names-devices-with-articles-and-agrees-with-them', () => {
    const say = (text: string, room = 'cuisine') =>
      handleIntent(matcher.match(text), { ...ctx, satelliteRoom: room }).reply;
    expect(say('ferme les volets du salon')).toBe('Je ferme les volets du salon.');
    expect(say('est ce que les volets du salon sont fermés')).toBe(
      'Je ne sais pas si les volets du salon sont allumés.',
    );
    expect(say("éteins la lumière de l'entrée")).toBe("J'éteins la lumière de l'entrée.");
    expect(say('allume la lumière', 'salon')).toBe(
      "Quelle lumière : celle de la cuisine ou celle de l'entrée ?",
    );
    expect(say('allume la lumière du salon')).toBe(
      'Désolé, je ne trouve pas la lumière dans le salon.',
    );
    expect(say('mets le ventilateur du salon à 50 %')).toBe(
      'Désolé, je ne peux pas faire varier le ventilateur du salon.',
    );
  });
});
