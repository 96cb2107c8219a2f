/**
 * Wake word bench: CPU cost per audio second and scores per test voice.
 * Run: cd /work/main && node --conditions=source --import tsx tests/bench/wake.ts
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AudioChunk } from '@jarvis/protocol';
import { createOpenWakeWord } from '../../satellite/src/wake/openwakeword.js';
import { concat, speak, TEST_VOICES } from '../support/voices.js';

const RATE = 16_000;
let peak = 0;
const engine = await createOpenWakeWord({
  onScore: (_name, score) => (peak = Math.max(peak, score)),
});

async function* chunks(pcm: Int16Array, size = 320): AsyncIterable<AudioChunk> {
  for (let i = 0; i < pcm.length; i += size) {
    await nextTurn(); // one chunk per event-loop turn, like a live stream
    yield { pcm: pcm.subarray(i, i + size), rate: RATE, timestampMs: (i * 1000) / RATE };
  }
}

/** Runs a clip from a clean state; returns the peak score and the detections. */
async function score(pcm: Int16Array) {
  engine.reset();
  peak = 0;
  const detections = [];
  for await (const d of engine.detect(chunks(pcm), new AbortController().signal))
    detections.push(d);
  return {
    peak: round(peak),
    detections: detections.map((d) => ({ score: round(d.score), atMs: d.timestampMs })),
  };
}

function onsetMs(pcm: Int16Array): number {
  for (let i = 0; i + 160 <= pcm.length; i += 160) {
    let sum = 0;
    for (let j = i; j < i + 160; j++) sum += pcm[j]! ** 2;
    if (Math.sqrt(sum / 160) > 300) return i / 16;
  }
  return NaN;
}

const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

const ordinary = [
  'what is the weather like tomorrow',
  'please turn off the living room lamp',
  'the quick brown fox jumps over the lazy dog',
  'set a timer for ten minutes',
  'play some music in the kitchen',
];
const voices: Record<string, unknown> = {};
const all: Int16Array[] = [];
for (const voice of TEST_VOICES) {
  const jarvis = await speak('hey jarvis', voice);
  const travis = await speak('hey travis', voice);
  const speech = concat(
    await Promise.all(ordinary.map((t) => speak(t, voice, { leadMs: 200, trailMs: 300 }))),
    500,
  );
  const hit = await score(jarvis.pcm);
  const first = hit.detections[0];
  voices[voice] = {
    heyJarvis: {
      ...hit,
      latencyFromOnsetMs: first ? round(first.atMs - onsetMs(jarvis.pcm), 0) : null,
    },
    heyTravis: await score(travis.pcm),
    ordinarySpeech: { seconds: round(speech.pcm.length / RATE, 1), ...(await score(speech.pcm)) },
  };
  all.push(jarvis.pcm, travis.pcm, speech.pcm);
}

// CPU: the whole corpus three times over, in 20 ms chunks like a live microphone.
const corpus = concat(
  [...all, ...all, ...all].map((pcm) => ({ rate: RATE, channels: 1, pcm })),
  0,
).pcm;
engine.reset();
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
for await (const _ of engine.detect(chunks(corpus), new AbortController().signal)) void _;
const wallMs = performance.now() - wall0;
const cpu = process.cpuUsage(cpu0);
const audioSeconds = corpus.length / RATE;
await engine.close();

console.log(
  JSON.stringify(
    {
      engine: 'openwakeword hey_jarvis (onnxruntime-node CPU, 1 thread)',
      audioSeconds: round(audioSeconds, 1),
      cpuMsPerAudioSecond: round((cpu.user + cpu.system) / 1000 / audioSeconds, 2),
      wallMsPerAudioSecond: round(wallMs / audioSeconds, 2),
      voices,
    },
    null,
    2,
  ),
);
