/**
 * STT bench: word accuracy per test voice over the test commands, out-of-grammar rejection,
 * real-time factor and finalize latency of the pocketsphinx engine.
 * Run: cd /work/main && node --conditions=source --import tsx tests/bench/stt-accuracy.ts
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { pino } from 'pino';
import type { AudioChunk } from '@jarvis/protocol';
import { createPocketsphinxStt } from '../../hub/src/engines/stt/pocketsphinx.js';
import {
  OUT_OF_GRAMMAR,
  TEST_COMMANDS,
  TEST_GRAMMAR,
} from '../../hub/src/engines/stt/test-grammar.js';
import type { SttEvent } from '../../hub/src/engines/types.js';
import { speak, TEST_VOICES } from '../support/voices.js';

const RATE = 16_000;
const ctx = {
  signal: new AbortController().signal,
  log: pino({ level: 'silent' }),
  sessionId: 'bench',
};
const round = (x: number, digits = 0): number => Number(x.toFixed(digits));
const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;

async function* chunks(pcm: Int16Array, size = 320): AsyncIterable<AudioChunk> {
  for (let i = 0; i < pcm.length; i += size) {
    await nextTurn();
    yield { pcm: pcm.subarray(i, i + size), rate: RATE, timestampMs: (i * 1000) / RATE };
  }
}

/** Word accuracy as 1 - (word edit distance / reference words). */
function wordAccuracy(ref: string, hyp: string): number {
  const r = ref.split(' ');
  const h = hyp === '' ? [] : hyp.split(' ');
  let prev = Array.from({ length: h.length + 1 }, (_, j) => j);
  for (let i = 1; i <= r.length; i++) {
    const cur = [i];
    for (let j = 1; j <= h.length; j++) {
      cur[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (cur[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (r[i - 1] === h[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return Math.max(0, 1 - (prev[h.length] ?? 0) / r.length);
}

const stt = createPocketsphinxStt({ grammar: TEST_GRAMMAR });
const finalizeMs: Record<'command' | 'other', number[]> = { command: [], other: [] };
const rtf: number[] = [];
const perVoice: Record<string, unknown> = {};
for (const voice of TEST_VOICES) {
  let acc = 0;
  let exact = 0;
  let rejected = 0;
  const errors: string[] = [];
  for (const [kind, list] of [
    ['command', TEST_COMMANDS],
    ['other', OUT_OF_GRAMMAR],
  ] as const) {
    for (const text of list) {
      const { pcm } = await speak(text, voice);
      const started = performance.now();
      let final: Extract<SttEvent, { type: 'final' }> | undefined;
      for await (const e of stt.transcribe(chunks(pcm), ctx)) if (e.type === 'final') final = e;
      if (!final) throw new Error('no final');
      // CPU spent decoding: the whole run minus the audio streaming itself is dominated by decode.
      rtf.push((performance.now() - started) / ((pcm.length / RATE) * 1000));
      finalizeMs[kind].push(final.finalizeMs);
      if (kind === 'command') {
        acc += wordAccuracy(text, final.text);
        if (final.text === text) exact++;
        else errors.push(`${text} -> ${final.text} (${final.source})`);
      } else if (final.source === 'general') rejected++;
      else errors.push(`${text} -> ${final.text} (grammar)`);
    }
  }
  perVoice[voice] = {
    wordAccuracy: round(acc / TEST_COMMANDS.length, 3),
    exactCommands: `${exact}/${TEST_COMMANDS.length}`,
    outOfGrammarRejected: `${rejected}/${OUT_OF_GRAMMAR.length}`,
    errors,
  };
}
await stt.close();
console.log(
  JSON.stringify(
    {
      perVoice,
      realTimeFactor: { p50: round(pct(rtf, 0.5), 3), p95: round(pct(rtf, 0.95), 3) },
      finalizeMs: Object.fromEntries(
        Object.entries(finalizeMs).map(([k, xs]) => [
          k,
          { p50: round(pct(xs, 0.5)), p95: round(pct(xs, 0.95)) },
        ]),
      ),
    },
    null,
    2,
  ),
);
