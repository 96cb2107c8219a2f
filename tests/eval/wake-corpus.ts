/**
 * Audio for the wake-word evaluation, generated at run time (clips cached in the temp folder):
 * "hey jarvis" clips that must wake the satellite, and half an hour of audio that must not —
 * ordinary speech and near misses in the three test voices, human recordings, noise, silence.
 */
import { addNoiseAtSnr, pinkNoise, REFERENCE_NOISE_RMS } from '../support/noise.js';
import { TEST_VOICES, type TestVoice } from '../support/voices.js';
import { join16k, mapLimit, RATE, speakCached } from './audio.js';
import { FAST_RATE, NOISE_SNR_DB } from './dev-set.js';
import { loadHumanSpeech } from './human-speech.js';

/** Wake phrases, alone and with a command after the pause people make. */
export const WAKE_TEXTS = [
  'hey jarvis',
  'hey jarvis, turn on the light',
  'hey jarvis, what time is it',
] as const;

/** Sounds like the wake phrase but is not it. */
export const NEAR_MISSES = [
  'hey travis',
  'hey marvin',
  'jarvis cocker',
  'hey service',
  'hey travis, how are you',
  'hey marvin, turn on the light',
  'jarvis cocker sang with pulp',
  'hey service desk, my laptop is broken',
  'hey davis',
  'hey mavis',
  'hey harvey',
  'a jar of biscuits',
  'the harvest is early this year',
  'hey there',
  'hey jasper',
  'hey charlie, what time is it',
] as const;

/** Ordinary things said in a house, some naming the devices. */
export const ORDINARY = [
  'what is the weather like tomorrow',
  'please turn off the living room lamp',
  'the quick brown fox jumps over the lazy dog',
  'set a timer for ten minutes',
  'play some music in the kitchen',
  'did you remember to buy milk on the way home',
  'the meeting has been moved to thursday afternoon',
  'can you pass me the salt please',
  'i think we should paint the bedroom blue',
  'the train to london leaves at half past seven',
  'my sister is coming to visit next weekend',
  'turn the radio down a little',
  'where did i leave my keys',
  'the children are playing in the garden',
  'dinner will be ready in about twenty minutes',
  'have you seen the new film at the cinema',
  'it has been raining all day',
  'the dog needs to go for a walk',
  'we are out of coffee again',
  'the football match starts at eight',
  'could you open the window it is warm in here',
  'i need to call the dentist tomorrow morning',
  'the library closes early on saturdays',
  'put the kettle on would you',
  'there is a parcel waiting at the post office',
  'the heating has not come on this morning',
  'let us go to the beach if the sun comes out',
  'the car needs new tyres before winter',
  'the post office closes at five today',
  'she sells sea shells by the sea shore',
  'switch off the television when you are done',
  'the light in the hall is flickering again',
  'how long does it take to boil an egg',
  'remember to water the plants on friday',
  'the neighbours are having a party tonight',
  'i will be working from home on monday',
  'the bus was late again this morning',
  'our holiday starts in two weeks',
  'the fridge is making a strange noise',
  'grandma sends her love to everyone',
  'the kitchen fan is too loud',
  'what time does the shop open on sunday',
  'a cup of tea would be lovely',
  'the printer has run out of paper',
  'the cat is sleeping on the sofa again',
  'we should plan the garden for next spring',
  'thank you for dinner it was delicious',
  'the baby finally fell asleep',
] as const;

/** One wake clip: must give a detection. */
export interface WakeClip {
  readonly label: string;
  readonly voice: TestVoice;
  /** Rate and noise, e.g. "1.3x pink 10 dB". */
  readonly condition: string;
  readonly pcm: Int16Array;
}

/** A long stretch of non-wake audio, with where each part starts (to name false accepts). */
export interface NegativeStream {
  readonly label: string;
  readonly pcm: Int16Array;
  readonly parts: readonly { readonly startSample: number; readonly label: string }[];
}

const rates = (quick: boolean): number[] => (quick ? [1] : [1, FAST_RATE]);
const rateName = (r: number): string => (r === 1 ? 'normal' : `${r}x`);

/** Wake clips: each text × voice × rate, clean and in pink noise at 10 dB SNR. */
export async function wakeClips(quick: boolean): Promise<WakeClip[]> {
  const texts = quick ? WAKE_TEXTS.slice(0, 1) : WAKE_TEXTS;
  const specs = TEST_VOICES.flatMap((voice) =>
    rates(quick).flatMap((rate) => texts.map((text) => ({ voice, rate, text }))),
  );
  // A second of quiet first: the engine ignores its first 400 ms, a live stream has no such gap.
  const clean = await mapLimit(specs, 2, (s) =>
    speakCached(s.text, s.voice, { rate: s.rate, leadMs: 1000, trailMs: 1000 }),
  );
  return specs.flatMap((s, i) => {
    const label = `${s.voice} ${rateName(s.rate)} "${s.text}"`;
    const noise = `pink ${NOISE_SNR_DB} dB`;
    return [
      {
        label: `${label} clean`,
        voice: s.voice,
        condition: `${rateName(s.rate)} clean`,
        pcm: clean[i]!.pcm,
      },
      {
        label: `${label} ${noise}`,
        voice: s.voice,
        condition: `${rateName(s.rate)} ${noise}`,
        pcm: addNoiseAtSnr(clean[i]!.pcm, NOISE_SNR_DB, 1000 + i),
      },
    ];
  });
}

async function speechStream(
  label: string,
  voice: TestVoice,
  rate: number,
  texts: readonly string[],
): Promise<NegativeStream> {
  const clips = await mapLimit(texts, 2, (t) =>
    speakCached(t, voice, { rate, leadMs: 200, trailMs: 300 }),
  );
  const { pcm, starts } = join16k(
    clips.map((c) => c.pcm),
    500,
  );
  return { label, pcm, parts: texts.map((t, i) => ({ startSample: starts[i]!, label: t })) };
}

const noisy = (s: NegativeStream, seed: number): NegativeStream => ({
  ...s,
  label: `${s.label} + pink ${NOISE_SNR_DB} dB`,
  pcm: addNoiseAtSnr(s.pcm, NOISE_SNR_DB, seed),
});

/**
 * Non-wake audio: near misses and ordinary speech per voice and rate (clean, and the normal-rate
 * speech again in pink noise), the human recordings (clean and noisy), pink noise at three levels
 * and digital silence.
 */
export async function negativeStreams(quick: boolean): Promise<NegativeStream[]> {
  const texts = quick ? [...NEAR_MISSES] : [...NEAR_MISSES, ...ORDINARY];
  const out: NegativeStream[] = [];
  for (const voice of TEST_VOICES)
    for (const rate of rates(quick)) {
      const s = await speechStream(`${voice} ${rateName(rate)} speech`, voice, rate, texts);
      out.push(s);
      if (rate === 1) out.push(noisy(s, 2000 + out.length));
    }
  const human = await loadHumanSpeech();
  const joined = join16k(
    human.map((h) => h.pcm),
    500,
  );
  const humanStream: NegativeStream = {
    label: 'human recordings (pocketsphinx-testdata)',
    pcm: joined.pcm,
    parts: human.map((h, i) => ({ startSample: joined.starts[i]!, label: h.id })),
  };
  out.push(humanStream);
  if (!quick) out.push(noisy(humanStream, 3000));
  const minutes = (m: number): number => Math.round(m * 60 * RATE);
  for (const [level, gain] of [
    ['quiet', 1],
    ['moderate', 4],
    ['loud', 16],
  ] as const) {
    const samples = minutes(quick ? 0.25 : 1.5);
    const noise = pinkNoise(samples, REFERENCE_NOISE_RMS * gain, 4000 + gain);
    out.push({
      label: `pink noise, ${level}`,
      pcm: Int16Array.from(noise, (v) => Math.max(-32768, Math.min(32767, Math.round(v)))),
      parts: [{ startSample: 0, label: `pink noise, ${level}` }],
    });
  }
  out.push({
    label: 'silence',
    pcm: new Int16Array(minutes(quick ? 0.25 : 1)),
    parts: [{ startSample: 0, label: 'silence' }],
  });
  return out;
}
