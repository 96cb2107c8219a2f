/**
 * npm run bench:latency — end of speech → first reply audio, and each stage, over real
 * exchanges: a satellite streams synthesized commands in real time to a hub on embedded
 * defaults. Prints JSON with p50/p95 per stage, for adaptive endpointing (a short pause ends a
 * complete command) and fixed endpointing (every utterance waits the full silence).
 * BENCH_MODES=adaptive runs one mode; BENCH_RUNS=n changes the count. `-- --link mqtt` puts
 * the satellite on MQTT (the hub's embedded broker) instead of its WebSocket; `-- --link
 * websocket,mqtt` sends each utterance over both in turn, for a comparison under equal load.
 */
import { parseArgs } from 'node:util';
import { createOpenWakeWord } from '@jarvis/satellite';
import { runExchange, startStack, type LinkKind } from '../support/stack.js';
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
const { values: args } = parseArgs({ options: { link: { type: 'string', default: 'websocket' } } });
const links = args.link.split(',').map((l): LinkKind => {
  if (l !== 'websocket' && l !== 'mqtt')
    throw new Error(`--link takes websocket, mqtt or both (websocket,mqtt), not ${l}`);
  return l;
});

interface Result {
  failures: number;
  stages: object;
}

/**
 * One hub per endpointing mode, the same utterances through each. With several links each
 * utterance goes over every one in turn (the order alternating), so they meet the same load.
 */
async function bench(adaptive: boolean): Promise<Record<string, Result>> {
  const stack = await startStack({ config: { vad: { adaptive } } });
  const sat = await stack.enroll('kitchen', 'kitchen');
  const wake = await createOpenWakeWord({});
  const samples = new Map<LinkKind, Record<string, number[]>>(links.map((l) => [l, {}]));
  const failures = new Map(links.map((l) => [l, 0]));
  for (let i = 0; i < runs; i++) {
    const text = COMMANDS[i % COMMANDS.length]!;
    const voice = TEST_VOICES[Math.floor(i / COMMANDS.length) % TEST_VOICES.length]!;
    const audio = await speak(text, voice, { leadMs: 500, trailMs: 1000 });
    for (const link of i % 2 === 0 ? links : [...links].reverse()) {
      const result = await runExchange(stack, sat, audio, { wake, realtime, link });
      if (result.record?.outcome !== 'ok') {
        failures.set(link, (failures.get(link) ?? 0) + 1);
        console.error(
          `run ${i} (${link}): ${voice} "${text}" → ${result.record?.outcome ?? 'no session'} "${result.record?.transcript ?? ''}"`,
        );
        continue;
      }
      const mine = samples.get(link)!;
      for (const [k, v] of Object.entries(result.record.timings))
        (mine[k] ??= []).push(v as number);
    }
  }
  await wake.close();
  await stack.close();
  return Object.fromEntries(
    links.map((l) => [l, { failures: failures.get(l) ?? 0, stages: summarise(samples.get(l)!) }]),
  );
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

const results: Record<string, Record<string, Result>> = {};
for (const mode of modes) results[mode] = await bench(mode !== 'fixed');
const common = { runs, realtime, voices: TEST_VOICES };
// One link: the same shape as ever (and which link). Several: endpointing results per link.
console.log(
  JSON.stringify(
    links.length === 1
      ? {
          ...common,
          link: links[0],
          endpointing: Object.fromEntries(modes.map((m) => [m, results[m]![links[0]!]])),
        }
      : {
          ...common,
          links: Object.fromEntries(
            links.map((l) => [l, Object.fromEntries(modes.map((m) => [m, results[m]![l]]))]),
          ),
        },
    null,
    2,
  ),
);
