import { describe, expect, it } from 'vitest';
import { parseMemoryUtterance, recallReply, rememberReply, toSecondPerson } from './utterance.js';

describe('parseMemoryUtterance', () => {
  it('recognises-remember-forms-and-keeps-the-fact', () => {
    const cases: [string, string][] = [
      [
        'remember that the wifi password is in the blue drawer',
        'the wifi password is in the blue drawer',
      ],
      ['Remember the spare key is under the mat.', 'the spare key is under the mat'],
      ["don't forget that my passport is in the wardrobe", 'my passport is in the wardrobe'],
      ['don’t forget the bins go out on Thursday', 'the bins go out on Thursday'],
      ['do not forget that grandma likes tulips', 'grandma likes tulips'],
      [
        'Jarvis, please remember that the router is in the attic please',
        'the router is in the attic',
      ],
      ['can you remember that  the car is on level 3 ', 'the car is on level 3'],
    ];
    for (const [said, content] of cases) {
      expect(parseMemoryUtterance(said), said).toEqual({ kind: 'remember', content });
    }
  });

  it('recognises-questions-and-keeps-what-they-ask-about', () => {
    const cases: [string, string][] = [
      ['where is the wifi password', 'the wifi password'],
      ['Where are my glasses?', 'my glasses'],
      ["where's the spare key", 'the spare key'],
      ['what is the wifi password', 'the wifi password'],
      ["what's grandma's favourite flower?", "grandma's favourite flower"],
      ['when is the dentist appointment', 'the dentist appointment'],
      ['do you remember the wifi password', 'the wifi password'],
      ['do you remember where the wifi password is', 'the wifi password is'],
      ['where did I put my passport', 'my passport'],
      ['what did I tell you about the bins', 'the bins'],
      ['hey jarvis, where is the router', 'the router'],
    ];
    for (const [said, content] of cases) {
      expect(parseMemoryUtterance(said), said).toEqual({ kind: 'recall', content });
    }
  });

  it('leaves-everything-else-alone', () => {
    for (const said of [
      'turn on the kitchen light',
      'remember',
      'remember that',
      'remember to buy milk',
      "don't forget to call mum",
      'where',
      'what is',
      '',
      'tell me a joke',
      'I remember that song',
    ]) {
      expect(parseMemoryUtterance(said), said).toBeUndefined();
    }
  });
});

describe('replies', () => {
  it('tells-the-fact-back-from-the-listeners-side', () => {
    expect(recallReply('the wifi password is in the blue drawer')).toBe(
      'You told me the wifi password is in the blue drawer.',
    );
    expect(recallReply("I'm allergic to nuts and my EpiPen is in the car.")).toBe(
      "You told me you're allergic to nuts and your EpiPen is in the car.",
    );
    expect(rememberReply('my keys are with me')).toBe(
      "OK, I'll remember that your keys are with you.",
    );
    expect(toSecondPerson('the wifi password is mine')).toBe('the wifi password is yours');
  });
});

describe('French', () => {
  it('recognises-remember-and-recall-forms-as-typed-and-as-normalised', () => {
    const cases: [string, { kind: 'remember' | 'recall'; content: string }][] = [
      [
        'souviens-toi que le mot de passe du wifi est dans le tiroir bleu',
        { kind: 'remember', content: 'le mot de passe du wifi est dans le tiroir bleu' },
      ],
      // As normalise() hands it over: elisions apart, hyphens gone.
      [
        "n' oublie pas qu' il y a du pain au congélateur",
        { kind: 'remember', content: 'il y a du pain au congélateur' },
      ],
      [
        'retiens que mes clés sont sur la table',
        { kind: 'remember', content: 'mes clés sont sur la table' },
      ],
      ['où est le mot de passe du wifi', { kind: 'recall', content: 'le mot de passe du wifi' }],
      ['Où sont mes lunettes ?', { kind: 'recall', content: 'mes lunettes' }],
      ["où j' ai garé la voiture", { kind: 'recall', content: 'la voiture' }],
      ['tu te souviens du code du portail', { kind: 'recall', content: 'du code du portail' }],
    ];
    for (const [said, want] of cases) expect(parseMemoryUtterance(said, 'fr'), said).toEqual(want);
    for (const said of ["n'oublie pas de sortir les poubelles", 'allume la lumière', 'retiens ça'])
      expect(parseMemoryUtterance(said, 'fr'), said).toBeUndefined();
  });

  it('tells-a-fact-back-from-the-listeners-side', () => {
    expect(rememberReply('mes clés sont sur la table', 'fr')).toBe(
      "D'accord, je retiens que tes clés sont sur la table.",
    );
    expect(recallReply('il y a du pain au congélateur', 'fr')).toBe(
      "Tu m'as dit qu'il y a du pain au congélateur.",
    );
    expect(toSecondPerson("j'ai rangé mon vélo chez moi", 'fr')).toBe(
      'tu as rangé ton vélo chez toi',
    );
  });
});
