/** The recognising half of the STT evaluation: runs in worker processes, one engine each. */
import { pino } from 'pino';
import {
  createPocketsphinxStt,
  type PocketsphinxStt,
} from '../../hub/src/engines/stt/pocketsphinx.js';
import type { SttEvent } from '../../hub/src/engines/types.js';
import { addNoiseAtSnr } from '../support/noise.js';
import { speakCached, stream } from './audio.js';
import { spoken, type Trial } from './dev-set.js';
import type { HumanClip } from './human-speech.js';

/** A dev-set trial, or a human recording for the general model. */
export type Unit = { readonly trial: Trial } | { readonly human: HumanClip };

export interface Outcome {
  readonly index: number;
  /** The final transcript. */
  readonly text: string;
  readonly source: Extract<SttEvent, { type: 'final' }>['source'];
  /** The grammar pass's last partial hypothesis: what it made of the speech before judging it. */
  readonly grammarPartial: string;
  /** CPU spent on this utterance (streaming + decoding), ms. */
  readonly cpuMs: number;
}

export const trialText = (t: Trial): string =>
  spoken(t.kind === 'command' ? t.command.text : t.text);

/** The audio of a trial: the cached clip, plus pink noise seeded by the trial's index. */
export async function trialAudio(t: Trial, index: number): Promise<Int16Array> {
  const { pcm } = await speakCached(trialText(t), t.condition.voice, { rate: t.condition.rate });
  return t.condition.snrDb === undefined ? pcm : addNoiseAtSnr(pcm, t.condition.snrDb, index + 1);
}

const ctx = {
  signal: new AbortController().signal,
  log: pino({ level: 'silent' }),
  sessionId: 'eval',
};

async function transcribe(stt: PocketsphinxStt, pcm: Int16Array, index: number): Promise<Outcome> {
  const cpu = process.cpuUsage();
  let grammarPartial = '';
  let final: Extract<SttEvent, { type: 'final' }> | undefined;
  for await (const e of stt.transcribe(stream(pcm), ctx)) {
    if (e.type === 'final') final = e;
    else grammarPartial = e.text;
  }
  if (!final) throw new Error('the recogniser ended without a final transcript');
  const used = process.cpuUsage(cpu);
  return {
    index,
    text: final.text,
    source: final.source,
    grammarPartial,
    cpuMs: Math.round((used.user + used.system) / 1000),
  };
}

/**
 * Recognises the units at `indices`, in order: dev-set trials with the hub's engine (command
 * grammar from `grammar`, wake phrase as leading words), human recordings with the general model.
 */
export async function recognise(
  units: readonly Unit[],
  indices: readonly number[],
  grammar: string,
): Promise<Outcome[]> {
  const stt = createPocketsphinxStt({ grammar, leadingWords: ['hey', 'jarvis'] });
  const general = createPocketsphinxStt({});
  const out: Outcome[] = [];
  try {
    for (const i of indices) {
      const unit = units[i]!;
      out.push(
        'trial' in unit
          ? await transcribe(stt, await trialAudio(unit.trial, i), i)
          : await transcribe(general, unit.human.pcm, i),
      );
    }
  } finally {
    await stt.close();
    await general.close();
  }
  return out;
}
