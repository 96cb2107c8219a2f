import { describe, expect, it } from 'vitest';
import { DeviceRegistry } from '../../hub/src/devices/registry.js';
import { IntentMatcher } from '../../hub/src/intents/intents.js';
import { DEMO_DEVICES } from '../support/stack.js';
import { COMMANDS, type Condition, type Trial } from './dev-set.js';
import type { Outcome } from './stt-recognise.js';
import { failureReport, scoreJson, scoreTrials, totalScore } from './stt-report.js';

const matcher = new IntentMatcher(new DeviceRegistry(DEMO_DEVICES));
const match = (t: string) => matcher.match(t);
const clean: Condition = { voice: 'flite', rate: 1, snrDb: undefined };
const noisy: Condition = { voice: 'flite', rate: 1, snrDb: 10 };
const cmd = COMMANDS.find((c) => c.text === 'turn on the kitchen light')!;

const outcome = (
  index: number,
  text: string,
  source: Outcome['source'],
  partial = text,
): Outcome => ({
  index,
  text,
  source,
  grammarPartial: partial,
  cpuMs: 1,
});

describe('stt scoring', () => {
  const trials: Trial[] = [
    { kind: 'command', condition: clean, command: cmd },
    { kind: 'out-of-grammar', condition: clean, text: 'tell me a joke' },
    { kind: 'command', condition: noisy, command: cmd },
    { kind: 'command', condition: noisy, command: cmd },
    { kind: 'out-of-grammar', condition: noisy, text: 'what day is it today' },
  ];
  const outcomes = new Map(
    [
      outcome(0, 'hey jarvis turn on the kitchen light', 'grammar'),
      outcome(1, 'k jarvis tell me a joke', 'general', 'hey jarvis turn on the light'),
      outcome(2, 'they thought the light', 'general', 'hey jarvis turn on the kitchen light'),
      outcome(3, 'hey jarvis turn off the kitchen light', 'grammar'),
      outcome(4, 'hey jarvis what time is it', 'grammar'),
    ].map((o) => [o.index, o]),
  );
  const { scores, failures } = scoreTrials(trials, outcomes, match);

  it('scores-intents-wer-and-rejection-per-condition', () => {
    expect(scores.map(scoreJson)).toEqual([
      expect.objectContaining({
        condition: 'flite normal clean',
        utterances: 2,
        werPct: 0,
        intentAccuracyPct: 100,
        oogNotCommandPct: 100,
        generalFinals: 1,
      }),
      expect.objectContaining({
        condition: 'flite normal pink 10 dB',
        utterances: 3,
        commands: 2,
        intentAccuracyPct: 0,
        oogNotCommandPct: 0,
      }),
    ]);
    // "turn on the kitchen light" (5 words) vs "they thought the light" (3 edits) and "… off …" (1).
    expect(scoreJson(scores[1]!).werPct).toBe(40);
    expect(scoreJson(totalScore(scores))).toEqual(
      expect.objectContaining({ utterances: 5, commands: 3, oogNotCommandPct: 50 }),
    );
  });

  it('tells-why-each-utterance-failed', () => {
    expect(failures.map((f) => [f.said, f.why])).toEqual([
      ['turn on the kitchen light', 'rejected-correct-grammar'],
      ['turn on the kitchen light', 'misheard-as-command'],
      ['what day is it today', 'out-of-grammar-accepted'],
    ]);
    expect(failureReport(failures)).toContain(
      'out-of-grammar requests that came out as commands: 1',
    );
  });
});
