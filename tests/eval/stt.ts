/**
 * STT accuracy of the hub's embedded recogniser (pocketsphinx: command grammar, then the general
 * model when the grammar's hypothesis is judged doubtful) on a generated dev set — commands and
 * out-of-grammar requests as "hey jarvis, …" in 3 voices × 2 rates × clean / pink noise 10 dB —
 * and the general model's WER on real human recordings (Debian pocketsphinx-testdata).
 *
 * Run: npm run eval:stt [-- --quick] [-- --all] [-- --jobs N] [-- --verbose]
 *                       [-- --household demo|zigbee2mqtt]
 *   --quick  a small subset (normal rate, a few items) for smoke testing
 *   --all    every item in every condition (3× the default trials)
 *   --jobs   recogniser processes (default 2; each runs its share of the utterances in order)
 *   --verbose  list every failure (the JSON always has them all)
 *   --household  zigbee2mqtt adds a colour lamp, a radiator and blinds (capability intents in
 *            the grammar, 10 commands for them); demo (default) is on/off devices only
 * Prints tables and failures, and the whole result as JSON on the last line.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DeviceRegistry } from '../../hub/src/devices/registry.js';
import { IntentMatcher } from '../../hub/src/intents/intents.js';
import { DEMO_DEVICES } from '../support/stack.js';
import { z2mRegistryDevices } from '../support/zigbee2mqtt.js';
import { mapLimit, percent, speakCached } from './audio.js';
import {
  CAPABILITY_COMMANDS,
  COMMANDS,
  CONDITIONS,
  OUT_OF_GRAMMAR,
  planTrials,
} from './dev-set.js';
import { loadHumanSpeech } from './human-speech.js';
import { recognise, trialText, type Outcome, type Unit } from './stt-recognise.js';
import {
  conditionTable,
  failureReport,
  humanTable,
  scoreHuman,
  scoreJson,
  scoreTrials,
  totalScore,
} from './stt-report.js';
import { corpusWer } from './word-error-rate.js';

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(name);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = flag('--quick');
const all = flag('--all');
const jobs = Math.max(1, Number(option('--jobs') ?? 2));
const shard = option('--shard'); // internal: "k/n", this process is worker k of n

// The demo household (on/off only), or it plus Zigbee2MQTT's lamp, radiator and blinds: their
// capability intents join the grammar, and their commands the dev set.
const household = option('--household') ?? 'demo';
if (household !== 'demo' && household !== 'zigbee2mqtt') {
  console.error(`--household must be demo or zigbee2mqtt, not ${household}`);
  process.exit(2);
}
const registry = new DeviceRegistry(DEMO_DEVICES);
if (household === 'zigbee2mqtt') registry.replaceDiscovered(z2mRegistryDevices());
const matcher = new IntentMatcher(registry);
const commands = household === 'zigbee2mqtt' ? [...COMMANDS, ...CAPABILITY_COMMANDS] : COMMANDS;
const trials = quick
  ? planTrials(
      commands.filter((_, i) => i % 10 === 0),
      OUT_OF_GRAMMAR.filter((_, i) => i % 5 === 0),
      CONDITIONS.filter((c) => c.rate === 1),
    )
  : planTrials(commands, OUT_OF_GRAMMAR, CONDITIONS, all);
const human = (await loadHumanSpeech())
  .filter((h) => h.transcript !== undefined)
  .slice(0, quick ? 1 : undefined);
const units: Unit[] = [...trials.map((trial) => ({ trial })), ...human.map((h) => ({ human: h }))];

if (shard !== undefined) {
  // Worker: recognise every n-th unit from k and print the outcomes.
  const [k, n] = shard.split('/').map(Number) as [number, number];
  const mine = units.map((_, i) => i).filter((i) => i % n === k);
  console.log(JSON.stringify(await recognise(units, mine, matcher.grammar())));
  process.exit(0);
}

const started = performance.now();
// Synthesize every clip first (cached in the temp folder), two synthesizers at a time.
const clipJobs = [
  ...new Map(
    trials.map((t) => [`${t.condition.voice}|${t.condition.rate}|${trialText(t)}`, t]),
  ).values(),
];
await mapLimit(clipJobs, 2, (t) =>
  speakCached(trialText(t), t.condition.voice, { rate: t.condition.rate }),
);
const synthesisS = (performance.now() - started) / 1000;

function runWorker(k: number): Promise<Outcome[]> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(
    process.execPath,
    [...process.execArgv, script, ...argv, '--shard', `${k}/${jobs}`],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`recogniser worker ${k} exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Outcome[]);
    });
  });
}
const outcomes = new Map(
  (await Promise.all(Array.from({ length: jobs }, (_, k) => runWorker(k))))
    .flat()
    .map((o) => [o.index, o]),
);

const { scores, failures } = scoreTrials(trials, outcomes, (t) => matcher.match(t));
const total = totalScore(scores);
const humanScores = scoreHuman(
  human,
  human.map((_, i) => outcomes.get(trials.length + i)!),
);
const seconds = (performance.now() - started) / 1000;

console.log(
  `\nSTT dev set${quick ? ' (--quick subset)' : ''}: ${new Set(trials.flatMap((t) => (t.kind === 'command' ? [t.command.text] : []))).size} commands and ` +
    `${new Set(trials.flatMap((t) => (t.kind === 'out-of-grammar' ? [t.text] : []))).size} out-of-grammar ` +
    `requests as "hey jarvis, …"; ${all ? 'each in every condition' : 'each once per rate × noise, the voice rotating'}.\n` +
    `Engine: pocketsphinx, grammar from the intent templates + the ${household} household, general model when the grammar's ` +
    `hypothesis is rejected. WER over the command words.\n`,
);
console.log(conditionTable(scores));
console.log(`\nHuman recordings (pocketsphinx-testdata), general model:\n`);
console.log(humanTable(humanScores));
console.log(`\nFailures: ${failures.length}`);
console.log(failureReport(failures, flag('--verbose')));
console.log(
  `\nout-of-grammar as not-a-command: ${percent(total.oogNotCommand / total.oog)} % (target ≥ 90 %); ` +
    `${seconds.toFixed(0)} s wall (synthesis ${synthesisS.toFixed(0)} s), ${(total.cpuMs / 1000).toFixed(0)} s recogniser CPU, ${jobs} job(s)`,
);
console.log(
  JSON.stringify({
    quick,
    household,
    all,
    perCondition: scores.map(scoreJson),
    totals: scoreJson(total),
    oogTargetMet: total.oogNotCommand / total.oog >= 0.9,
    human: {
      werPct: percent(corpusWer(humanScores.map((h) => h.count))),
      words: humanScores.reduce((n, h) => n + h.count.words, 0),
      recordings: humanScores.map((h) => ({
        id: h.id,
        werPct: percent(h.count.errors / h.count.words),
        reference: h.reference,
        heard: h.heard,
      })),
    },
    failures,
    seconds: Math.round(seconds),
  }),
);
