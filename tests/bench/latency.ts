/**
 * npm run bench:latency — end of speech → first reply audio, and each stage, over real
 * exchanges: a satellite streams synthesized commands in real time to a hub on embedded
 * defaults. Prints JSON with p50/p95 per stage, for adaptive endpointing (a short pause ends a
 * complete command) and fixed endpointing (every utterance waits the full silence).
 * BENCH_MODES=adaptive runs one mode; BENCH_RUNS=n changes the count.
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

const modes = (process.env['BENCH_MODES'] ?? 'adaptive,fixed').split(',');

/** One hub per endpointing mode, the same utterances through each. */
async function bench(adaptive: boolean): Promise<{ failures: number; stages: object }> {
  const stack = await startStack({ config: { vad: { adaptive } } });
  const sat = await stack.enroll('kitchen', 'kitchen');
  const wake = await createOpenWakeWord({});
  const samples: Record<string, number[]> = {};
  let failures = 0;
  for (let i = 0; i < runs; i++) {
    const text = COMMANDS[i % COMMANDS.length]!;
    const voice = TEST_VOICES[Math.floor(i / COMMANDS.length) % TEST_VOICES.length]!;
    const audio = await speak(text, voice, { leadMs: 500, trailMs: 1000 });
    const result = await runExchange(stack, sat, audio, { wake, realtime });
    if (result.record?.outcome !== 'ok') {
      failures++;
      console.error(
        `run ${i}: ${voice} "${text}" → ${result.record?.outcome ?? 'no session'} "${result.record?.transcript ?? ''}"`,
      );
      continue;
    }
    for (const [k, v] of Object.entries(result.record.timings))
      (samples[k] ??= []).push(v as number);
  }
  await wake.close();
  await stack.close();
  return { failures, stages: summarise(samples) };
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};
function summarise(samples: Record<string, number[]>): object {
  return Object.fromEntries(
    Object.entries(samples).map(([k, xs]) => [
      k,
      { n: xs.length, p50: pct(xs, 50), p95: pct(xs, 95), max: Math.max(...xs) },
    ]),
  );
}

const results: Record<string, object> = {};
for (const mode of modes) results[mode] = await bench(mode !== 'fixed');
console.log(JSON.stringify({ runs, realtime, voices: TEST_VOICES, endpointing: results }, null, 2));
