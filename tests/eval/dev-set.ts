/**
 * The STT dev set, generated from the grammar's own shapes (hub/src/intents/intents.ts) and the
 * demo devices (tests/support/stack.ts): commands with the intent they must give, speech outside
 * the grammar, and the acoustic conditions each is spoken in.
 */
import type { IntentName } from '../../hub/src/intents/intents.js';
import { TEST_VOICES, type TestVoice } from '../support/voices.js';

export interface CommandCase {
  /** What follows the wake phrase. */
  readonly text: string;
  /** Room of the satellite that hears it ("the light" means the light there). */
  readonly satelliteRoom: 'kitchen' | 'bedroom';
  readonly intent: IntentName;
  readonly slots: Readonly<Record<string, string | number>>;
  /** DEMO_DEVICES id the command must act on, for on/off commands. */
  readonly deviceId?: string;
}

/** How a device is referred to, and what that means from each satellite room. */
interface DeviceRef {
  readonly words: string;
  readonly device: string;
  readonly room?: string;
  readonly target: (satelliteRoom: 'kitchen' | 'bedroom') => string;
}

const REFS: readonly DeviceRef[] = [
  { words: 'the light', device: 'light', target: (r) => `${r}-light` },
  { words: 'the kitchen light', device: 'kitchen light', target: () => 'kitchen-light' },
  { words: 'the bedroom light', device: 'bedroom light', target: () => 'bedroom-light' },
  { words: 'the fan', device: 'fan', target: () => 'kitchen-fan' },
  { words: 'the kitchen fan', device: 'kitchen fan', target: () => 'kitchen-fan' },
  {
    words: 'the light in the bedroom',
    device: 'light',
    room: 'bedroom',
    target: () => 'bedroom-light',
  },
  { words: 'the fan in the kitchen', device: 'fan', room: 'kitchen', target: () => 'kitchen-fan' },
  { words: 'light in kitchen', device: 'light', room: 'kitchen', target: () => 'kitchen-light' },
];

/** Every verb × state × word order × device reference (64), then the time questions and "please". */
function buildCommands(): CommandCase[] {
  const out: CommandCase[] = [];
  for (const verb of ['turn', 'switch'] as const) {
    for (const state of ['on', 'off'] as const) {
      for (const stateFirst of [true, false]) {
        for (const ref of REFS) {
          const satelliteRoom = out.length % 2 === 0 ? 'kitchen' : 'bedroom';
          // "turn the light in the bedroom on" is not a shape people use: the room goes last.
          const [head, tail] = ref.room ? ref.words.split(/ (?=in )/) : [ref.words, undefined];
          const text = stateFirst
            ? `${verb} ${state} ${ref.words}`
            : [verb, head, state, tail].filter(Boolean).join(' ');
          out.push({
            text,
            satelliteRoom,
            intent: state === 'on' ? 'turn_on' : 'turn_off',
            slots: ref.room ? { device: ref.device, room: ref.room } : { device: ref.device },
            deviceId: ref.target(satelliteRoom),
          });
        }
      }
    }
  }
  const time = (text: string): CommandCase => ({
    text,
    satelliteRoom: 'kitchen',
    intent: 'get_time',
    slots: {},
  });
  out.push(
    time('what time is it'),
    time('what is the time'),
    time('please what time is it'),
    time('what is the time please'),
    {
      text: 'please turn off the fan',
      satelliteRoom: 'bedroom',
      intent: 'turn_off',
      slots: { device: 'fan' },
      deviceId: 'kitchen-fan',
    },
    {
      text: 'switch the light on please',
      satelliteRoom: 'bedroom',
      intent: 'turn_on',
      slots: { device: 'light' },
      deviceId: 'bedroom-light',
    },
  );
  return out;
}

export const COMMANDS: readonly CommandCase[] = buildCommands();

/**
 * Commands for the devices of tests/support/zigbee2mqtt.ts (a colour lamp and blinds in the
 * kitchen, a radiator in the living room): `npm run eval:stt -- --household zigbee2mqtt`.
 */
export const CAPABILITY_COMMANDS: readonly CommandCase[] = (
  [
    ['set the lamp to fifty percent', 'set_brightness', { device: 'lamp', brightness: 50 }],
    [
      'dim the kitchen lamp to twenty percent',
      'set_brightness',
      { device: 'kitchen lamp', brightness: 20 },
    ],
    ['make the lamp blue', 'set_color', { device: 'lamp', color: 'blue' }],
    ['turn the lamp red', 'set_color', { device: 'lamp', color: 'red' }],
    ['change the colour of the lamp to green', 'set_color', { device: 'lamp', color: 'green' }],
    [
      'set the radiator to twenty degrees',
      'set_temperature',
      { device: 'radiator', temperature: 20 },
    ],
    [
      'set the temperature in the living room to twenty one degrees',
      'set_temperature',
      { room: 'living room', temperature: 21 },
    ],
    ['open the blinds', 'open', { device: 'blinds' }],
    ['close the kitchen blinds', 'close', { device: 'kitchen blinds' }],
    ['lower the blinds to thirty percent', 'set_position', { device: 'blinds', position: 30 }],
  ] as const
).map(([text, intent, slots]) => ({ text, satelliteRoom: 'kitchen', intent, slots }));

/**
 * Requests the grammar does not cover: each must not come out as a command (they go to the LLM).
 * The last ones start like commands or name devices the house does not have: the hard cases.
 */
export const OUT_OF_GRAMMAR: readonly string[] = [
  'tell me a joke',
  'what is the capital of france',
  'how tall is mount everest',
  'play some jazz',
  'what is the weather like tomorrow',
  'what is on my calendar today',
  'remind me to call my mother',
  'who wrote pride and prejudice',
  'how do i make pancakes',
  'add milk to the shopping list',
  'read me the news',
  'good morning',
  'how are you today',
  'what is the population of canada',
  'translate hello into spanish',
  'open the garage door',
  'play the next episode',
  'turn on the television',
  'what is the time in tokyo',
  'switch to the next song',
];

/** Where and how an utterance is spoken. */
export interface Condition {
  readonly voice: TestVoice;
  /** Speaking rate relative to the voice's normal one. */
  readonly rate: number;
  /** SNR of added pink noise in dB; undefined for clean audio. */
  readonly snrDb: number | undefined;
}

export const FAST_RATE = 1.3;
export const NOISE_SNR_DB = 10;

export const CONDITIONS: readonly Condition[] = TEST_VOICES.flatMap((voice) =>
  [1, FAST_RATE].flatMap((rate) =>
    [undefined, NOISE_SNR_DB].map((snrDb) => ({ voice, rate, snrDb })),
  ),
);

export const conditionName = (c: Condition): string =>
  `${c.voice} ${c.rate === 1 ? 'normal' : `${c.rate}x`} ${c.snrDb === undefined ? 'clean' : `pink ${c.snrDb} dB`}`;

/** What the satellite sends: the pre-roll keeps the wake phrase. */
export const spoken = (command: string): string => `hey jarvis, ${command}`;

/** One utterance to recognise: a dev-set item spoken in one condition. */
export type Trial =
  | { readonly kind: 'command'; readonly condition: Condition; readonly command: CommandCase }
  | { readonly kind: 'out-of-grammar'; readonly condition: Condition; readonly text: string };

/**
 * Which item is spoken in which condition. By default every item is spoken once per
 * rate × noise combination, the voice rotating with the item (so each voice says a third of
 * them, a different third in each combination); `all` speaks every item in every condition.
 * Trials come out grouped by condition, in CONDITIONS order.
 */
export function planTrials(
  commands: readonly CommandCase[],
  oog: readonly string[],
  conditions: readonly Condition[] = CONDITIONS,
  all = false,
): Trial[] {
  const combos = [...new Set(conditions.map((c) => `${c.rate}|${c.snrDb}`))];
  const voices = [...new Set(conditions.map((c) => c.voice))];
  const wanted = (c: Condition, i: number): boolean =>
    all || voices[(i + combos.indexOf(`${c.rate}|${c.snrDb}`)) % voices.length] === c.voice;
  return conditions.flatMap((condition) => [
    ...commands
      .filter((_, i) => wanted(condition, i))
      .map((command): Trial => ({ kind: 'command', condition, command })),
    ...oog
      .filter((_, i) => wanted(condition, i))
      .map((text): Trial => ({ kind: 'out-of-grammar', condition, text })),
  ]);
}
