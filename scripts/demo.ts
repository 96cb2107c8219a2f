/**
 * The README's demo: a hub on embedded defaults, a simulated MQTT light and one satellite fed
 * "hey jarvis, turn on the kitchen light" (synthesized now by espeak-ng), in real time.
 * Prints the timeline and writes the reply to out/demo/reply.wav. Then the hub keeps serving
 * the dashboard (Enter speaks the command again) until Ctrl-C; `--exit` stops after the command.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeWav } from '@jarvis/protocol';
import { speak, TEST_VOICES, type TestVoice } from '../tests/support/voices.js';
import { LIGHT, linkFor, runExchange, startStack } from '../tests/support/stack.js';
import { createInterface } from 'node:readline';

const { values } = parseArgs({
  options: {
    text: { type: 'string', default: 'hey jarvis, turn on the kitchen light' },
    voice: { type: 'string', default: 'espeak' },
    out: { type: 'string', default: 'out/demo' },
    fast: { type: 'boolean', default: false },
    exit: { type: 'boolean', default: false },
    port: { type: 'string', default: '8765' },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error('--port must be a TCP port (0 picks a free one)');
  process.exit(2);
}
if (!TEST_VOICES.includes(values.voice as TestVoice)) {
  console.error(`--voice must be one of ${TEST_VOICES.join(', ')}`);
  process.exit(2);
}
const out = resolve(values.out);
await mkdir(out, { recursive: true });

const t0 = Date.now();
const line = (what: string, detail: string, at = Date.now()): void =>
  console.log(`${String(at - t0).padStart(6)} ms  ${what.padEnd(22)} ${detail}`);

line(
  'starting',
  'hub (PGlite, embedded MQTT, pocketsphinx, Silero VAD, espeak-ng) + simulated light',
);
const stack = await startStack({ port });
line('hub ready', stack.hub.url());
const sat = await stack.enroll('kitchen', 'kitchen');
line('satellite enrolled', 'kitchen (room: kitchen), Ed25519 key');
const published: { at: number; payload: string }[] = [];
stack.light.onCommand((payload) => published.push({ at: Date.now(), payload }));

const audio = await speak(values.text, values.voice as TestVoice, { leadMs: 500, trailMs: 300 });
const inputWav = join(out, 'command.wav');
await writeFile(inputWav, encodeWav(audio));
line(
  'command audio',
  `"${values.text}" (${values.voice}, ${(audio.pcm.length / 16000).toFixed(2)} s) → ${inputWav}`,
);
console.log(`light state before: ${stack.light.state}`);

const result = await runExchange(stack, sat, audio, { realtime: !values.fast });
// The timeline, in the order things happened.
const timeline: [number, string, string][] = [];
if (result.wake) {
  const { name, score, timestampMs, at } = result.wake;
  timeline.push([
    at,
    'wake word',
    `${name} score ${score.toFixed(3)} at ${Math.round(timestampMs)} ms of audio`,
  ]);
} else {
  console.error('no wake word detected');
  process.exitCode = 1;
}
for (const { at, payload } of published)
  timeline.push([at, 'mqtt published', `${LIGHT.commandTopic} ${payload}`]);
for (const { at, event } of result.events) {
  if (event.type === 'transcript' && !event.final)
    timeline.push([at, 'partial transcript', `"${event.text}"`]);
  else if (event.type === 'transcript') timeline.push([at, 'transcript', `"${event.text}"`]);
  else if (event.type === 'listening' && !event.active)
    timeline.push([at, 'end of speech', 'hub stopped listening']);
  else if (event.type === 'intent')
    timeline.push([at, 'intent', `${event.name} ${JSON.stringify(event.slots)}`]);
  else if (event.type === 'reply') timeline.push([at, 'reply', `"${event.text}"`]);
  else if (event.type === 'tts-start')
    timeline.push([at, 'reply audio', 'first TTS frames streaming']);
  else if (event.type === 'session-end') timeline.push([at, 'session end', event.outcome]);
}
for (const [at, what, detail] of timeline.sort((a, b) => a[0] - b[0])) line(what, detail, at);
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
if (values.exit) {
  await stack.close();
} else {
  await serveDashboard();
}

/** Keeps the hub up with the satellite online; Enter speaks the command again. */
async function serveDashboard(): Promise<void> {
  let link = linkFor(stack, sat);
  link.start();
  console.log(`\nDashboard: ${stack.hub.url()}/`);
  const token = stack.setupToken();
  if (token) console.log(`One-time setup token for the first admin: ${token}`);
  console.log(
    process.stdin.isTTY
      ? 'Press Enter to speak the command again, Ctrl-C to stop.'
      : 'Ctrl-C to stop.',
  );
  let busy = false;
  const lines = createInterface({ input: process.stdin });
  lines.on('line', () => {
    if (busy) return;
    busy = true;
    void (async () => {
      // The exchange connects as the kitchen satellite itself: one connection at a time.
      await link.stop();
      const again = await runExchange(stack, sat, audio, { realtime: !values.fast });
      console.log(
        `${again.record?.outcome ?? 'no session'}: "${again.record?.transcript ?? ''}" → "${again.record?.reply ?? ''}"`,
      );
      link = linkFor(stack, sat);
      link.start();
      busy = false;
    })();
  });
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  lines.close();
  await link.stop();
  await stack.close();
}
