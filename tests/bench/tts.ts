/**
 * TTS bench: time to the first audio chunk and real-time factor of the embedded eSpeak-NG (WASM).
 * Run: cd /work/main && node --conditions=source --import tsx tests/bench/tts.ts
 */
import { pino } from 'pino';
import { createEspeakTts } from '../../hub/src/engines/tts/espeak.js';

const REPLIES = [
  'It is 3:05 PM. The kitchen light is on.',
  'Okay, I turned off the lights in the living room.',
  'The temperature in the bedroom is 21.5 degrees. Do you want me to turn on the heating?',
  'Here is a joke. Why did the scarecrow win an award? Because he was outstanding in his field.',
];
const ROUNDS = 5;
const ctx = {
  signal: new AbortController().signal,
  log: pino({ level: 'silent' }),
  sessionId: 'bench',
};
const round = (x: number, digits = 0): number => Number(x.toFixed(digits));
const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function* once(text: string): AsyncIterable<string> {
  await Promise.resolve();
  yield text;
}

/** Streams `text` word by word, like an LLM emitting tokens. */
async function* tokens(text: string): AsyncIterable<string> {
  for (const word of text.split(/(?= )/)) {
    await Promise.resolve();
    yield word;
  }
}

const load0 = performance.now();
const tts = await createEspeakTts();
const loadMs = performance.now() - load0;

async function measure(
  text: AsyncIterable<string>,
): Promise<{ firstMs: number; wallMs: number; audioMs: number }> {
  const t0 = performance.now();
  let firstMs = NaN;
  let samples = 0;
  for await (const chunk of tts.synthesize(text, ctx)) {
    if (Number.isNaN(firstMs)) firstMs = performance.now() - t0;
    samples += chunk.pcm.length;
  }
  return { firstMs, wallMs: performance.now() - t0, audioMs: (samples * 1000) / tts.sampleRate };
}

const firstMs: number[] = [];
const tokenFirstMs: number[] = [];
let wallMs = 0;
let audioMs = 0;
const cpu0 = process.cpuUsage();
for (let r = 0; r < ROUNDS; r++) {
  for (const reply of REPLIES) {
    const m = await measure(once(reply));
    firstMs.push(m.firstMs);
    wallMs += m.wallMs;
    audioMs += m.audioMs;
    tokenFirstMs.push((await measure(tokens(reply))).firstMs);
  }
}
const cpu = process.cpuUsage(cpu0);
await tts.close();

console.log(
  JSON.stringify(
    {
      engine: tts.id,
      sampleRate: tts.sampleRate,
      replies: REPLIES.length * ROUNDS,
      moduleLoadMs: round(loadMs),
      firstChunkMsMedian: round(median(firstMs), 1),
      firstChunkMsMax: round(Math.max(...firstMs), 1),
      firstChunkMsMedianTokenStream: round(median(tokenFirstMs), 1),
      realTimeFactor: round(wallMs / audioMs, 3),
      audioSeconds: round(audioMs / 1000, 1),
      cpuMsPerAudioSecond: round((cpu.user + cpu.system) / 1000 / (audioMs / 1000) / 2, 1),
    },
    null,
    2,
  ),
);
