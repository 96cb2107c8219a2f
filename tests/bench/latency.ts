/**
 * npm run bench:latency — end of speech → first reply audio, and each stage, over real
 * exchanges: a satellite streams synthesized commands in real time to a hub on embedded
 * defaults. Prints JSON with p50/p95 per stage.
 */
import { createOpenWakeWord } from '@jarvis/satellite';
import { runExchange, startStack } from '../support/stack.js';
import { speak, TEST_VOICES } from '../support/voices.js';

const COMMANDS = [
  'hey jarvis, turn on the kitchen light',
  'hey jarvis, turn off the kitchen light',
  'hey jarvis, turn on the light',
  'hey jarvis, what time is it',
  'hey jarvis, switch off the fan',
  'hey jarvis, turn on the light in the bedroom',
  'hey jarvis, turn the light off',
];
const runs = Number(process.env['BENCH_RUNS'] ?? COMMANDS.length * TEST_VOICES.length);
const realtime = process.env['BENCH_FAST'] !== '1';

const stack = await startStack();
const sat = await stack.enroll('kitchen', 'kitchen');
const wake = await createOpenWakeWord({});
const samples: Record<string, number[]> = {};
let failures = 0;
for (let i = 0; i < runs; i++) {
  const text = COMMANDS[i % COMMANDS.length]!;
  const voice = TEST_VOICES[Math.floor(i / COMMANDS.length) % TEST_VOICES.length]!;
  const audio = await speak(text, voice, { leadMs: 500, trailMs: 200 });
  const result = await runExchange(stack, sat, audio, { wake, realtime });
  if (result.record?.outcome !== 'ok') {
    failures++;
    console.error(
      `run ${i}: ${voice} "${text}" → ${result.record?.outcome ?? 'no session'} "${result.record?.transcript ?? ''}"`,
    );
    continue;
  }
  for (const [k, v] of Object.entries(result.record.timings)) (samples[k] ??= []).push(v as number);
}
await wake.close();
await stack.close();

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};
const stages = Object.fromEntries(
  Object.entries(samples).map(([k, xs]) => [
    k,
    { n: xs.length, p50: pct(xs, 50), p95: pct(xs, 95), max: Math.max(...xs) },
  ]),
);
console.log(JSON.stringify({ runs, failures, realtime, voices: TEST_VOICES, stages }, null, 2));
