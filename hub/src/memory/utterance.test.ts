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
