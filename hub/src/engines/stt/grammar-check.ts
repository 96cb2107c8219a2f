import type { Segment } from './pocketsphinx-ffi.js';

/**
 * Rejection of out-of-grammar speech. A JSGF search forces any speech into some command, so a
 * grammar hypothesis is judged before it is trusted. Thresholds were measured on espeak, flite
 * and festival voices (10 commands and 10 out-of-grammar phrases each; see tests/bench/stt-accuracy.ts):
 * - commands: mean acoustic score per word frame -9…-21 (flite, festival), -19…-37 (espeak);
 *   out-of-grammar: -36…-62, except phrases that start like a command ("what is the capital of
 *   France" → "what is the time"), where the rest of the speech hides in a silence segment;
 * - coverage (frames inside words / frames with speech energy): commands ≥ 1.01, those
 *   half-matching phrases 0.52–0.84.
 * Between the two score thresholds the general model is asked as well (see `preferGrammar`).
 */
export const ACCEPT_WORD_SCORE = -25;
export const REJECT_WORD_SCORE = -45;
export const MIN_COVERAGE = 0.9;
/**
 * Grammar path score minus general-model path score, per frame, above which the grammar wins.
 * Measured: commands +13…+34, out-of-grammar −13…+7 (+16 only for a half-matching phrase,
 * which coverage already rejects).
 */
export const MIN_SCORE_GAP = 10;

export type GrammarVerdict = 'accept' | 'reject' | 'ambiguous';

export interface GrammarJudgement {
  readonly verdict: GrammarVerdict;
  /** Mean acoustic score per frame over the hypothesis's words (fillers left out). */
  readonly wordScore: number;
  /** Frames inside words divided by frames with speech energy. */
  readonly coverage: number;
  /** Mean acoustic score per frame of the leading words: how well this voice fits the model. */
  readonly leadingScore: number | undefined;
  /** Loud frames over background, in dB. */
  readonly snrDb: number;
}

const FRAME_SAMPLES = 160; // pocketsphinx frames are 10 ms: 160 samples at 16 kHz

function isFiller(word: string): boolean {
  return word.startsWith('<') || word.startsWith('[') || word === '(NULL)';
}

/** Level of the utterance's loud frames and of its quietest (background) frames. */
export interface AudioLevels {
  /** 10 ms frames that hold speech. */
  readonly speechFrames: number;
  /** Loud frames over the background, in dB: ~60+ for studio audio, ~10-20 in noise. */
  readonly snrDb: number;
}

/**
 * Measures the utterance in 10 ms frames. Speech frames are within 20 dB of the loud frames
 * and, in steady background noise, 6 dB above its floor (else every frame of noisy audio counts
 * and a correct command looks as if it covered half the speech).
 */
export function audioLevels(pcm: Int16Array): AudioLevels {
  const energies: number[] = [];
  for (let i = 0; i + FRAME_SAMPLES <= pcm.length; i += FRAME_SAMPLES) {
    let sum = 0;
    for (let j = i; j < i + FRAME_SAMPLES; j++) sum += (pcm[j] ?? 0) ** 2;
    energies.push(Math.sqrt(sum / FRAME_SAMPLES));
  }
  if (energies.length === 0) return { speechFrames: 0, snrDb: 0 };
  const sorted = [...energies].sort((a, b) => a - b);
  const loud = sorted[Math.floor(sorted.length * 0.95)] ?? 0;
  const floor = sorted[Math.floor(sorted.length * 0.1)] ?? 0;
  const threshold = Math.max(100, loud * 0.1, floor * 2);
  return {
    speechFrames: energies.filter((e) => e > threshold).length,
    snrDb: 20 * Math.log10(Math.max(1, loud) / Math.max(1, floor)),
  };
}

/** Below this estimate the audio is noisy: absolute acoustic scores no longer mean much. */
export const NOISY_SNR_DB = 30;

/** Judges a grammar hypothesis from its word segments and the utterance's audio. */
export function judgeGrammarHypothesis(
  segments: readonly Segment[],
  pcm: Int16Array,
  leadingWords: ReadonlySet<string> = new Set(),
): GrammarJudgement {
  let wordFrames = 0;
  let scoredFrames = 0;
  let leadingWordFrames = 0;
  let leadingScore = 0;
  let wordScore = 0;
  let leading = true;
  for (const s of segments) {
    if (isFiller(s.word)) continue;
    const frames = s.endFrame - s.startFrame + 1;
    wordFrames += frames;
    // The wake phrase always fits; scoring it would hide a poorly fitting command behind it.
    leading &&= leadingWords.has(s.word);
    if (leading) {
      leadingWordFrames += frames;
      leadingScore += s.acousticScore;
      continue;
    }
    scoredFrames += frames;
    wordScore += s.acousticScore;
  }
  const baseline = leadingWordFrames > 0 ? leadingScore / leadingWordFrames : undefined;
  const levels = audioLevels(pcm);
  if (scoredFrames === 0) {
    return {
      verdict: 'reject',
      wordScore: -Infinity,
      coverage: 0,
      leadingScore: baseline,
      snrDb: levels.snrDb,
    };
  }
  const perFrame = wordScore / scoredFrames;
  const coverage = wordFrames / Math.max(1, levels.speechFrames);
  let verdict: GrammarVerdict = 'ambiguous';
  if (coverage < MIN_COVERAGE || perFrame < REJECT_WORD_SCORE) verdict = 'reject';
  else if (perFrame >= ACCEPT_WORD_SCORE) verdict = 'accept';
  return { verdict, wordScore: perFrame, coverage, leadingScore: baseline, snrDb: levels.snrDb };
}

/**
 * How much worse than the wake phrase a command may fit, per frame, and still be taken from the
 * grammar. The wake phrase's own fit measures how this voice suits the acoustic model, so the
 * rule holds across voices. Measured (commands after "hey jarvis", three synthetic voices):
 * commands −7…+21, speech outside the grammar −10…−34.
 */
// −11 rather than −9 since the grammar grew (timers, household requests): festival's "switch
// off the light" then fitted at −10.4; the out-of-grammar rate in `npm run eval:stt` held.
export const MAX_DROP_FROM_WAKE_PHRASE = -11;
/** The same in noise, where speech outside the grammar fits nearly as well as the wake phrase. */
export const MAX_DROP_FROM_WAKE_PHRASE_IN_NOISE = -6;

/** Decides an ambiguous grammar hypothesis: by its fit relative to the wake phrase when there is one. */
export function keepAmbiguous(
  judged: GrammarJudgement,
  grammarScorePerFrame: number,
  generalScorePerFrame: number | undefined,
): boolean {
  if (judged.leadingScore !== undefined) {
    const maxDrop =
      judged.snrDb < NOISY_SNR_DB ? MAX_DROP_FROM_WAKE_PHRASE_IN_NOISE : MAX_DROP_FROM_WAKE_PHRASE;
    return judged.wordScore - judged.leadingScore >= maxDrop;
  }
  return preferGrammar(grammarScorePerFrame, generalScorePerFrame);
}

/**
 * For an ambiguous grammar hypothesis: keeps it when its path score per frame beats the general
 * model's by `MIN_SCORE_GAP` (free word choice scores better on speech outside the grammar).
 */
export function preferGrammar(
  grammarScorePerFrame: number,
  generalScorePerFrame: number | undefined,
): boolean {
  if (generalScorePerFrame === undefined) return true;
  return grammarScorePerFrame - generalScorePerFrame >= MIN_SCORE_GAP;
}
