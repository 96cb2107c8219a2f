/**
 * The README's demo: a hub on embedded defaults, a simulated MQTT light and one satellite fed
 * "hey jarvis, turn on the kitchen light" (synthesized now by espeak-ng), in real time.
 * Prints the timeline and writes the reply to out/demo/reply.wav.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeWav } from '@jarvis/protocol';
import { speak, TEST_VOICES, type TestVoice } from '../tests/support/voices.js';
import { LIGHT, runExchange, startStack } from '../tests/support/stack.js';

const { values } = parseArgs({
  options: {
    text: { type: 'string', default: 'hey jarvis, turn on the kitchen light' },
    voice: { type: 'string', default: 'espeak' },
    out: { type: 'string', default: 'out/demo' },
    fast: { type: 'boolean', default: false },
  },
});
if (!TEST_VOICES.includes(values.voice as TestVoice)) {
  console.error(`--voice must be one of ${TEST_VOICES.join(', ')}`);
  process.exit(2);
}
const out = resolve(values.out);
await mkdir(out, { recursive: true });

const t0 = Date.now();
const line = (what: string, detail: string): void =>
  console.log(`${String(Date.now() - t0).padStart(6)} ms  ${what.padEnd(22)} ${detail}`);

line(
  'starting',
  'hub (PGlite, embedded MQTT, pocketsphinx, Silero VAD, espeak-ng) + simulated light',
);
const stack = await startStack();
line('hub ready', stack.hub.url());
const sat = await stack.enroll('kitchen', 'kitchen');
line('satellite enrolled', 'kitchen (room: kitchen), Ed25519 key');
stack.light.onCommand((payload) => line('mqtt published', `${LIGHT.commandTopic} ${payload}`));

const audio = await speak(values.text, values.voice as TestVoice, { leadMs: 500, trailMs: 300 });
const inputWav = join(out, 'command.wav');
await writeFile(inputWav, encodeWav(audio));
line(
  'command audio',
  `"${values.text}" (${values.voice}, ${(audio.pcm.length / 16000).toFixed(2)} s) → ${inputWav}`,
);
console.log(`light state before: ${stack.light.state}`);

const result = await runExchange(stack, sat, audio, { realtime: !values.fast });
if (!result.wake) {
  console.error('no wake word detected');
  process.exitCode = 1;
} else {
  line(
    'wake word',
    `${result.wake.name} score ${result.wake.score.toFixed(3)} at ${Math.round(result.wake.timestampMs)} ms of audio`,
  );
}
for (const { event } of result.events) {
  if (event.type === 'transcript' && event.final) line('transcript', `"${event.text}"`);
  else if (event.type === 'listening' && !event.active)
    line('end of speech', 'hub stopped listening');
  else if (event.type === 'intent') line('intent', `${event.name} ${JSON.stringify(event.slots)}`);
  else if (event.type === 'reply') line('reply', `"${event.text}"`);
  else if (event.type === 'session-end') line('session end', event.outcome);
}
const t = result.record?.timings ?? {};
console.log(`\nstage timings (ms): ${JSON.stringify(t)}`);
console.log(`end of speech → first reply audio: ${t.speechEndToFirstAudioMs ?? 'n/a'} ms`);
if (result.reply) {
  const replyWav = join(out, 'reply.wav');
  await writeFile(
    replyWav,
    encodeWav({ rate: result.reply.rate, channels: 1, pcm: result.reply.pcm }),
  );
  console.log(
    `reply audio: ${(result.reply.pcm.length / result.reply.rate).toFixed(2)} s → ${replyWav}`,
  );
}
await new Promise((r) => setTimeout(r, 200));
console.log(`light state after: ${stack.light.state}`);
if (stack.light.state !== 'ON') process.exitCode = 1;
await stack.close();
