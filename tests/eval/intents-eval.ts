/** Scores the intent matcher on the dev set: exact intent and slots, per language. */
import { DeviceRegistry } from '../../hub/src/devices/registry.js';
import { IntentMatcher, loadTemplates, type IntentMatch } from '../../hub/src/intents/intents.js';
import type { Language } from '../../hub/src/intents/numbers.js';
import { CASES, DEVICES, type IntentCase } from './intents-dev-set.js';

export interface IntentMiss {
  readonly language: Language;
  readonly text: string;
  readonly expected: string;
  readonly got: string;
}

export interface IntentScore {
  readonly perLanguage: { language: Language; cases: number; right: number; accuracyPct: number }[];
  readonly total: { cases: number; right: number; accuracyPct: number };
  readonly misses: IntentMiss[];
}

const show = (m: Pick<IntentMatch, 'name' | 'slots'> | null | undefined): string =>
  m ? `${m.name} ${JSON.stringify(Object.fromEntries(Object.entries(m.slots).sort()))}` : 'none';

const pct = (right: number, cases: number): number => Math.round((right / cases) * 1000) / 10;

export function scoreIntents(cases: Record<Language, IntentCase[]> = CASES): IntentScore {
  const misses: IntentMiss[] = [];
  const perLanguage = (Object.keys(cases) as Language[]).map((language) => {
    const matcher = new IntentMatcher(
      new DeviceRegistry(DEVICES[language]),
      loadTemplates(language),
    );
    let right = 0;
    for (const k of cases[language]) {
      const got = show(matcher.match(k.text));
      const expected = show(k.expect);
      if (got === expected) right++;
      else misses.push({ language, text: k.text, expected, got });
    }
    const n = cases[language].length;
    return { language, cases: n, right, accuracyPct: pct(right, n) };
  });
  const cases_ = perLanguage.reduce((a, l) => a + l.cases, 0);
  const right = perLanguage.reduce((a, l) => a + l.right, 0);
  return { perLanguage, total: { cases: cases_, right, accuracyPct: pct(right, cases_) }, misses };
}
