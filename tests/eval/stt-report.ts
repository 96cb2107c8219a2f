/** Scoring and tables for the STT evaluation. */
import type { IntentMatch } from '../../hub/src/intents/intents.js';
import { normalise } from '../../hub/src/intents/intents.js';
import { percent, table } from './audio.js';
import { conditionName, spoken, type Trial } from './dev-set.js';
import type { HumanClip } from './human-speech.js';
import type { Outcome } from './stt-recognise.js';
import { corpusWer, werCount, type WerCount } from './word-error-rate.js';

export interface ConditionScore {
  readonly condition: string;
  readonly utterances: number;
  readonly commands: number;
  readonly intentCorrect: number;
  readonly wer: WerCount[];
  readonly oog: number;
  readonly oogNotCommand: number;
  /** Utterances whose final came from the general model (grammar hypothesis rejected). */
  readonly generalFinals: number;
  readonly cpuMs: number;
}

/**
 * Why an utterance failed:
 * - `rejected-correct-grammar`: the grammar pass heard the right command, the rejection step threw
 *   it away and the general model got it wrong;
 * - `misheard-as-command`: the grammar pass's command was kept but is the wrong one;
 * - `out-of-grammar-accepted`: an out-of-grammar request came out as a command;
 * - `other`: the grammar pass was wrong and the general model too.
 */
export type FailureKind =
  'rejected-correct-grammar' | 'misheard-as-command' | 'out-of-grammar-accepted' | 'other';

export interface Failure {
  readonly why: FailureKind;
  readonly condition: string;
  readonly kind: Trial['kind'];
  readonly said: string;
  readonly heard: string;
  readonly source: Outcome['source'];
  readonly grammarPartial: string;
  readonly intent: string;
  readonly expected?: string;
}

const describeIntent = (m: IntentMatch | undefined): string =>
  m ? `${m.name} ${JSON.stringify(m.slots)}` : 'none (LLM)';

const sameIntent = (a: IntentMatch | undefined, b: IntentMatch): boolean =>
  a !== undefined && a.name === b.name && JSON.stringify(a.slots) === JSON.stringify(b.slots);

/** Scores trial outcomes per condition (in the trials' order) and lists what went wrong. */
export function scoreTrials(
  trials: readonly Trial[],
  outcomes: ReadonlyMap<number, Outcome>,
  match: (text: string) => IntentMatch | undefined,
): { scores: ConditionScore[]; failures: Failure[] } {
  const byCondition = new Map<string, { trial: Trial; outcome: Outcome }[]>();
  trials.forEach((trial, i) => {
    const name = conditionName(trial.condition);
    const list = byCondition.get(name) ?? [];
    list.push({ trial, outcome: outcomes.get(i)! });
    byCondition.set(name, list);
  });
  const failures: Failure[] = [];
  const scores = [...byCondition].map(([condition, list]): ConditionScore => {
    const wer: WerCount[] = [];
    let intentCorrect = 0;
    let oogNotCommand = 0;
    for (const { trial, outcome } of list) {
      const got = match(outcome.text);
      const base = {
        condition,
        kind: trial.kind,
        heard: outcome.text,
        source: outcome.source,
        grammarPartial: outcome.grammarPartial,
        intent: describeIntent(got),
      };
      if (trial.kind === 'command') {
        const want = { name: trial.command.intent, slots: trial.command.slots };
        const why: FailureKind =
          outcome.source === 'grammar'
            ? 'misheard-as-command'
            : sameIntent(match(outcome.grammarPartial), want)
              ? 'rejected-correct-grammar'
              : 'other';
        // Command words only (wake phrase and "please" stripped from both, as the matcher does):
        // the grammar always fits the wake phrase, so counting it would flatter.
        wer.push(werCount(normalise(spoken(trial.command.text)), normalise(outcome.text)));
        if (sameIntent(got, want)) intentCorrect++;
        else
          failures.push({ ...base, why, said: trial.command.text, expected: describeIntent(want) });
      } else if (got === undefined) oogNotCommand++;
      else failures.push({ ...base, why: 'out-of-grammar-accepted', said: trial.text });
    }
    return {
      condition,
      utterances: list.length,
      commands: wer.length,
      intentCorrect,
      wer,
      oog: list.length - wer.length,
      oogNotCommand,
      generalFinals: list.filter((x) => x.outcome.source === 'general').length,
      cpuMs: list.reduce((n, x) => n + x.outcome.cpuMs, 0),
    };
  });
  return { scores, failures };
}

/** Sums condition scores into one. */
export function totalScore(scores: readonly ConditionScore[]): ConditionScore {
  const sum = (f: (s: ConditionScore) => number): number => scores.reduce((n, s) => n + f(s), 0);
  return {
    condition: 'total',
    utterances: sum((s) => s.utterances),
    commands: sum((s) => s.commands),
    intentCorrect: sum((s) => s.intentCorrect),
    wer: scores.flatMap((s) => s.wer),
    oog: sum((s) => s.oog),
    oogNotCommand: sum((s) => s.oogNotCommand),
    generalFinals: sum((s) => s.generalFinals),
    cpuMs: sum((s) => s.cpuMs),
  };
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : percent(a / b));

/** The JSON form of a condition's score. */
export function scoreJson(s: ConditionScore) {
  return {
    condition: s.condition,
    utterances: s.utterances,
    commands: s.commands,
    werPct: percent(corpusWer(s.wer)),
    intentAccuracyPct: ratio(s.intentCorrect, s.commands),
    outOfGrammar: s.oog,
    oogNotCommandPct: ratio(s.oogNotCommand, s.oog),
    generalFinals: s.generalFinals,
    cpuMs: s.cpuMs,
  };
}

export function conditionTable(scores: readonly ConditionScore[]): string {
  const rows = [...scores, totalScore(scores)].map((s) => {
    const j = scoreJson(s);
    return [
      s.condition,
      `${s.commands}+${s.oog}`,
      j.werPct,
      j.intentAccuracyPct ?? '-',
      j.oogNotCommandPct ?? '-',
      s.generalFinals,
    ];
  });
  return table(
    [
      'condition',
      'utterances (cmd+oog)',
      'WER %',
      'intent acc %',
      'OOG not-command %',
      'general-model finals',
    ],
    rows,
  );
}

export interface HumanScore {
  readonly id: string;
  readonly reference: string;
  readonly heard: string;
  readonly count: WerCount;
}

export function scoreHuman(
  clips: readonly HumanClip[],
  outcomes: readonly Outcome[],
): HumanScore[] {
  return clips.map((c, i) => ({
    id: c.id,
    reference: c.transcript ?? '',
    heard: outcomes[i]!.text,
    count: werCount(c.transcript ?? '', outcomes[i]!.text),
  }));
}

export function humanTable(rows: readonly HumanScore[]): string {
  const words = rows.reduce((n, h) => n + h.count.words, 0);
  return table(
    ['recording', 'words', 'WER %', 'heard'],
    [
      ...rows.map((h) => [h.id, h.count.words, percent(h.count.errors / h.count.words), h.heard]),
      ['total', words, percent(corpusWer(rows.map((h) => h.count))), ''],
    ],
  );
}

const FAILURE_TITLES: Record<FailureKind, string> = {
  'out-of-grammar-accepted': 'out-of-grammar requests that came out as commands',
  'misheard-as-command': 'commands the grammar pass misheard (kept, wrong intent)',
  'rejected-correct-grammar':
    'commands the grammar pass heard right but the rejection step discarded (general model then wrong)',
  other: 'commands wrong in both passes',
};

const failureLine = (f: Failure): string =>
  `  [${f.condition}] "${f.said}" → heard "${f.heard}" (${f.source}; grammar partial "${f.grammarPartial}") → ${f.intent}` +
  (f.expected ? `; expected ${f.expected}` : '');

/**
 * Failures grouped by why; the long `rejected-correct-grammar` group is summarised per condition
 * (with `verbose`, listed in full; the JSON always has every one).
 */
export function failureReport(failures: readonly Failure[], verbose = false): string {
  const out: string[] = [];
  for (const why of Object.keys(FAILURE_TITLES) as FailureKind[]) {
    const group = failures.filter((f) => f.why === why);
    out.push(`\n${FAILURE_TITLES[why]}: ${group.length}`);
    if (why === 'rejected-correct-grammar' && !verbose) {
      const per = new Map<string, number>();
      for (const f of group) per.set(f.condition, (per.get(f.condition) ?? 0) + 1);
      for (const [condition, n] of per) out.push(`  [${condition}] ${n}`);
      out.push(...group.slice(0, 3).map(failureLine), '  … (--verbose lists all)');
    } else out.push(...group.map(failureLine));
  }
  return out.join('\n');
}
