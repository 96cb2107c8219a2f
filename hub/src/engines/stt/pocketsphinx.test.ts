import { readFileSync } from 'node:fs';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { decodeWav, type AudioChunk } from '@jarvis/protocol';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { speak, TEST_VOICES, type TestVoice } from '../../../../tests/support/voices.js';
import type { EngineContext, SttEvent } from '../types.js';
import {
  createPocketsphinxStt,
  SttUnavailableError,
  type PocketsphinxStt,
} from './pocketsphinx.js';
import { TEST_COMMANDS, TEST_GRAMMAR } from './test-grammar.js';

function context(signal = new AbortController().signal, sessionId = 'test'): EngineContext {
  return { signal, log: pino({ level: 'silent' }), sessionId };
}

/** Streams audio in 20 ms chunks, one per event-loop turn, like a satellite would. */
async function* stream(pcm: Int16Array, rate = 16_000): AsyncIterable<AudioChunk> {
  const size = rate / 50;
  for (let i = 0; i < pcm.length; i += size) {
    await nextTurn();
    yield { pcm: pcm.subarray(i, i + size), rate, timestampMs: (i * 1000) / rate };
  }
}

async function collect(events: AsyncIterable<SttEvent>): Promise<SttEvent[]> {
  const out: SttEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

function finalOf(events: readonly SttEvent[]): Extract<SttEvent, { type: 'final' }> {
  const last = events.at(-1);
  if (last?.type !== 'final') throw new Error(`no final event: ${JSON.stringify(events)}`);
  return last;
}

const COMMANDS = [TEST_COMMANDS[0], TEST_COMMANDS[2], TEST_COMMANDS[4], TEST_COMMANDS[7]];

describe('pocketsphinx stt', () => {
  let stt: PocketsphinxStt;
  const clips = new Map<string, Int16Array>();
  const clip = (text: string, voice: TestVoice): Int16Array => {
    const pcm = clips.get(`${voice}|${text}`);
    if (!pcm) throw new Error(`clip not prepared: ${voice} ${text}`);
    return pcm;
  };

  beforeAll(async () => {
    stt = createPocketsphinxStt({ grammar: TEST_GRAMMAR });
    const wanted: [string, TestVoice][] = [
      ...COMMANDS.flatMap((t) => TEST_VOICES.map((v) => [t, v] as [string, TestVoice])),
      ...['tell me a joke', 'what is the weather like tomorrow'].flatMap((t) =>
        TEST_VOICES.map((v) => [t, v] as [string, TestVoice]),
      ),
    ];
    await Promise.all(
      wanted.map(async ([text, voice]) =>
        clips.set(`${voice}|${text}`, (await speak(text, voice)).pcm),
      ),
    );
  });
  afterAll(async () => {
    await stt.close();
  });

  it('recognises-commands-exactly-on-all-three-voices-with-the-grammar', async () => {
    const misses: string[] = [];
    let words = 0;
    let wordHits = 0;
    for (const voice of TEST_VOICES) {
      for (const text of COMMANDS) {
        const final = finalOf(await collect(stt.transcribe(stream(clip(text, voice)), context())));
        const want = text.split(' ');
        const got = final.source === 'grammar' ? final.text.split(' ') : [];
        words += want.length;
        wordHits += want.filter((w, i) => got[i] === w).length;
        if (final.text !== text || final.source !== 'grammar')
          misses.push(`${voice}: ${text} -> ${final.text} (${final.source})`);
      }
    }
    // espeak's "off" sometimes decodes as "on" on a fresh decoder (measured 0–2 of 12 per run).
    expect(misses.length, misses.join('\n')).toBeLessThanOrEqual(2);
    expect(wordHits / words).toBeGreaterThanOrEqual(0.95);
  });

  it('yields-partial-hypotheses-before-the-final-of-a-long-command', async () => {
    const events = await collect(
      stt.transcribe(stream(clip(TEST_COMMANDS[4], 'flite')), context()),
    );
    const partials = events.filter((e) => e.type === 'partial');
    expect(partials.length).toBeGreaterThanOrEqual(2);
    expect(events.at(-1)?.type).toBe('final');
    expect(finalOf(events).finalizeMs).toBeLessThan(200);
  });

  it('does-not-force-out-of-grammar-speech-into-a-command', async () => {
    // Its own engine, fed one utterance at a time: a shared engine's decoders come back to the
    // pool in whatever order concurrent tests finish, and each carries its normalisation history.
    const own = createPocketsphinxStt({ grammar: TEST_GRAMMAR });
    try {
      await collect(own.transcribe(stream(clip(COMMANDS[0]!, 'flite')), context()));
      for (const voice of TEST_VOICES) {
        for (const text of ['tell me a joke', 'what is the weather like tomorrow']) {
          const final = finalOf(
            await collect(own.transcribe(stream(clip(text, voice)), context())),
          );
          expect(final.source, `${voice}: ${text} -> ${final.text}`).toBe('general');
          expect(TEST_COMMANDS as readonly string[]).not.toContain(final.text);
        }
      }
    } finally {
      await own.close();
    }
  });

  it('gives-an-empty-final-for-silence', async () => {
    const final = finalOf(
      await collect(stt.transcribe(stream(new Int16Array(16_000 * 2)), context())),
    );
    expect(final.text).toBe('');
  });

  it('accepts-48-khz-audio-by-resampling', async () => {
    const pcm16 = clip(TEST_COMMANDS[2], 'festival');
    const pcm48 = new Int16Array(pcm16.length * 3);
    for (let i = 0; i < pcm48.length; i++) pcm48[i] = pcm16[Math.floor(i / 3)] ?? 0;
    const final = finalOf(await collect(stt.transcribe(stream(pcm48, 48_000), context())));
    expect(final.text).toBe(TEST_COMMANDS[2]);
  });

  it('stops-promptly-when-the-signal-aborts-on-a-stalled-stream', async () => {
    const controller = new AbortController();
    const pcm = clip(TEST_COMMANDS[0], 'flite');
    async function* stalled(): AsyncIterable<AudioChunk> {
      yield { pcm: pcm.subarray(0, 8000), rate: 16_000, timestampMs: 0 };
      await sleep(60_000); // a satellite that went quiet
    }
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const events = await collect(stt.transcribe(stalled(), context(controller.signal)));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(events.some((e) => e.type === 'final')).toBe(false);
    // The decoder went back to the pool in a usable state.
    const final = finalOf(
      await collect(stt.transcribe(stream(clip(TEST_COMMANDS[2], 'flite')), context())),
    );
    expect(final.text).toBe(TEST_COMMANDS[2]);
  });

  it('keeps-two-concurrent-transcriptions-independent', async () => {
    const [a, b] = await Promise.all([
      collect(stt.transcribe(stream(clip(TEST_COMMANDS[0], 'festival')), context(undefined, 'a'))),
      collect(stt.transcribe(stream(clip(TEST_COMMANDS[7], 'flite')), context(undefined, 'b'))),
    ]);
    expect(finalOf(a).text).toBe(TEST_COMMANDS[0]);
    expect(finalOf(b).text).toBe(TEST_COMMANDS[7]);
  });

  it('a-burst-beyond-four-at-once-waits-its-turn-and-all-are-heard', async () => {
    // Four utterances hold every decoder on streams that stall; a fifth must wait for one.
    const hold = new AbortController();
    const pcm = clip(TEST_COMMANDS[0], 'flite');
    async function* held(): AsyncIterable<AudioChunk> {
      yield { pcm: pcm.subarray(0, 8000), rate: 16_000, timestampMs: 0 };
      await sleep(60_000);
    }
    const holders = [0, 1, 2, 3].map((i) =>
      collect(stt.transcribe(held(), context(hold.signal, `hold-${i}`))),
    );
    let fifthDone = false;
    const fifth = collect(
      stt.transcribe(stream(clip(TEST_COMMANDS[4], 'espeak')), context(undefined, 'fifth')),
    ).then((events) => {
      fifthDone = true;
      return events;
    });
    await sleep(1500);
    expect(fifthDone).toBe(false);
    hold.abort();
    await Promise.all(holders);
    expect(finalOf(await fifth).text).toBe(TEST_COMMANDS[4]);
  });

  it('uses-a-new-grammar-after-setGrammar', async () => {
    const other = createPocketsphinxStt({ grammar: TEST_GRAMMAR });
    try {
      other.setGrammar('#JSGF V1.0; grammar g; public <c> = what time is it | open the door;');
      const final = finalOf(
        await collect(other.transcribe(stream(clip(TEST_COMMANDS[0], 'festival')), context())),
      );
      expect(final.text).not.toBe(TEST_COMMANDS[0]);
      expect(() =>
        other.setGrammar('#JSGF V1.0; grammar g; public <c> = zzqxv blorptang;'),
      ).toThrow(/grammar/);
    } finally {
      await other.close();
    }
  });

  it('reports-a-missing-model-as-stt-unavailable-naming-the-package', () => {
    let caught: unknown;
    try {
      createPocketsphinxStt({ modelDir: '/nonexistent/model', grammar: TEST_GRAMMAR });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SttUnavailableError);
    expect((caught as SttUnavailableError).code).toBe('stt-unavailable');
    expect((caught as SttUnavailableError).retryable).toBe(false);
    expect((caught as Error).message).toMatch(/pocketsphinx-en-us/);
  });

  it('transcribes-a-human-librivox-recording-with-the-general-model', async () => {
    // Debian pocketsphinx-testdata: a real reader, "he was not an ill disposed young man".
    const path =
      '/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav';
    const general = createPocketsphinxStt();
    try {
      const wav = decodeWav(readFileSync(path));
      const final = finalOf(await collect(general.transcribe(stream(wav.pcm), context())));
      expect(final.source).toBe('general');
      const expected = 'he was not an ill disposed young man'.split(' ');
      const got = new Set(final.text.split(' '));
      const hits = expected.filter((w) => got.has(w)).length;
      expect(hits / expected.length).toBeGreaterThanOrEqual(0.6);
    } finally {
      await general.close();
    }
  });
});
