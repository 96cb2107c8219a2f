import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { AppError } from '../../errors.js';
import type { AudioChunk, EngineContext, SttEngine, SttEvent } from '../types.js';
import { concatPcm, LinearResampler, nextOrAbort } from '@jarvis/protocol';
import { judgeGrammarHypothesis, keepAmbiguous } from './grammar-check.js';
import { Decoder, DEFAULT_MODEL_DIR, type Hypothesis } from './pocketsphinx-ffi.js';

export { SttUnavailableError } from './pocketsphinx-ffi.js';

export interface PocketsphinxSttOptions {
  /** Model folder as Debian's `pocketsphinx-en-us` lays it out (default /usr/share/pocketsphinx/model/en-us). */
  readonly modelDir?: string;
  /** Pronunciation dictionary (default `<modelDir>/cmudict-en-us.dict`). */
  readonly dictPath?: string;
  /** General n-gram language model for speech outside the grammar (default `<modelDir>/en-us.lm.bin`). */
  readonly lmPath?: string;
  /** Command grammar (JSGF text); without one, everything goes to the general model. */
  readonly grammar?: string;
  /** Audio between partial hypotheses, in ms (default 150). */
  readonly partialIntervalMs?: number;
  /**
   * Words the grammar allows before a command (the wake phrase a satellite's pre-roll keeps);
   * left out when judging whether the speech really is a command, since they always fit well.
   */
  readonly leadingWords?: readonly string[];
}

const RATE = 16_000;
const GRAMMAR = 'command';
const GENERAL = 'general';
/** Largest piece fed to the decoder in one synchronous call: ~2–15 ms of CPU. */
const PIECE_SAMPLES = 3_200;
/** Idle decoders kept per kind; more are freed when released. */
const MAX_IDLE = 2;

function scorePerFrame(h: Hypothesis | undefined, frames: number): number | undefined {
  return h === undefined ? undefined : h.score / Math.max(1, frames);
}

/**
 * Speech to text with Debian's pocketsphinx, in process through koffi. Two passes: the command
 * grammar decodes while audio streams (partials, ~20 ms to finish); when it has no hypothesis or
 * a doubtful one, the kept audio is decoded again with the general language model.
 * Each concurrent transcription takes its own decoder from a small pool.
 */
export class PocketsphinxStt implements SttEngine {
  readonly id = 'pocketsphinx';
  private grammar: string | undefined;
  private grammarVersion = 0;
  private readonly grammarVersions = new Map<Decoder, number>();
  private readonly idleGrammar: Decoder[] = [];
  private readonly idleGeneral: Decoder[] = [];
  private readonly busy = new Set<Decoder>();
  private closed = false;
  private readonly hmmDir: string;
  private readonly dictPath: string;
  private readonly lmPath: string;
  private readonly partialSamples: number;
  private readonly leadingWords: ReadonlySet<string>;

  constructor(options: PocketsphinxSttOptions = {}) {
    const modelDir = options.modelDir ?? DEFAULT_MODEL_DIR;
    this.hmmDir = join(modelDir, 'en-us');
    this.dictPath = options.dictPath ?? join(modelDir, 'cmudict-en-us.dict');
    this.lmPath = options.lmPath ?? join(modelDir, 'en-us.lm.bin');
    this.partialSamples = Math.max(10, options.partialIntervalMs ?? 150) * (RATE / 1000);
    this.leadingWords = new Set(options.leadingWords ?? []);
    // Load one decoder now: a missing model or a bad grammar fails here, not mid-session.
    this.idleGrammar.push(this.newDecoder());
    // And one with the general model, whose language model takes ~0.5 s to load: not in a
    // user's first out-of-grammar request.
    this.idleGeneral.push(this.newGeneralDecoder());
    if (options.grammar !== undefined) this.setGrammar(options.grammar);
  }

  private newDecoder(): Decoder {
    return new Decoder({ hmmDir: this.hmmDir, dictPath: this.dictPath, sampleRate: RATE });
  }

  /** Replaces the grammar for utterances that start from now on; throws on an invalid grammar. */
  setGrammar(jsgf: string): void {
    const probe = this.idleGrammar[0] ?? this.newDecoder();
    probe.addGrammar(GRAMMAR, jsgf); // validates: syntax, and every word in the dictionary
    this.grammar = jsgf;
    this.grammarVersion += 1;
    this.grammarVersions.set(probe, this.grammarVersion);
    if (!this.idleGrammar.includes(probe)) this.idleGrammar.push(probe);
  }

  private acquire(kind: 'grammar' | 'general'): Decoder {
    if (this.closed) throw new AppError('stt-failed', 'pocketsphinx engine is closed');
    let dec: Decoder;
    if (kind === 'grammar') {
      dec = this.idleGrammar.pop() ?? this.newDecoder();
      if (this.grammar !== undefined && this.grammarVersions.get(dec) !== this.grammarVersion) {
        dec.addGrammar(GRAMMAR, this.grammar);
        this.grammarVersions.set(dec, this.grammarVersion);
      }
    } else {
      dec = this.idleGeneral.pop() ?? this.newGeneralDecoder();
    }
    this.busy.add(dec);
    return dec;
  }

  private newGeneralDecoder(): Decoder {
    const dec = this.newDecoder();
    try {
      dec.addLanguageModel(GENERAL, this.lmPath);
      dec.useSearch(GENERAL);
    } catch (err) {
      dec.free();
      throw err;
    }
    return dec;
  }

  private release(dec: Decoder, kind: 'grammar' | 'general'): void {
    this.busy.delete(dec);
    const idle = kind === 'grammar' ? this.idleGrammar : this.idleGeneral;
    if (this.closed || idle.length >= MAX_IDLE) {
      this.grammarVersions.delete(dec);
      dec.free();
    } else {
      idle.push(dec);
    }
  }

  async *transcribe(audio: AsyncIterable<AudioChunk>, ctx: EngineContext): AsyncIterable<SttEvent> {
    const kind = this.grammar === undefined ? 'general' : 'grammar';
    const dec = this.acquire(kind);
    const kept: Int16Array[] = [];
    let keptSamples = 0;
    let inUtt = false;
    let lastPartial = '';
    let sincePartial = 0;
    const it = audio[Symbol.asyncIterator]();
    let resampler: LinearResampler | undefined;
    try {
      dec.useSearch(kind === 'grammar' ? GRAMMAR : GENERAL);
      dec.startUtt();
      inUtt = true;
      for (;;) {
        const next = await nextOrAbort(it, ctx.signal);
        if (next === undefined) return; // aborted: no final
        if (next.done) break;
        const chunk = next.value;
        let pcm = chunk.pcm;
        if (chunk.rate !== RATE) {
          if (resampler?.fromRate !== chunk.rate) resampler = new LinearResampler(chunk.rate, RATE);
          pcm = resampler.push(chunk.pcm);
        }
        for (let at = 0; at < pcm.length; at += PIECE_SAMPLES) {
          if (at > 0) await nextTurn(); // a long chunk must not hold the event loop
          if (ctx.signal.aborted) return;
          const piece = pcm.slice(at, at + PIECE_SAMPLES);
          kept.push(piece);
          keptSamples += piece.length;
          dec.process(piece);
          sincePartial += piece.length;
        }
        if (sincePartial >= this.partialSamples) {
          sincePartial = 0;
          const text = dec.hypothesis()?.text ?? '';
          if (text !== '' && text !== lastPartial) {
            lastPartial = text;
            yield { type: 'partial', text };
          }
        }
      }
      const audioEnded = performance.now();
      const final = (text: string, source: 'grammar' | 'general'): SttEvent => ({
        type: 'final',
        text,
        source,
        finalizeMs: performance.now() - audioEnded,
      });
      dec.endUtt();
      inUtt = false;
      let hyp = dec.hypothesis();
      if (kind === 'grammar' && keptSamples > 0) {
        // Live normalisation starts from the model's defaults and adapts as speech goes by, so the
        // start of the utterance was heard badly (espeak's "off" as "on"). A second grammar pass
        // over the kept audio, now normalised for this voice, costs ~10-30 ms.
        dec.startUtt();
        inUtt = true;
        for (const piece of kept) dec.process(piece);
        dec.endUtt();
        inUtt = false;
        hyp = dec.hypothesis();
      }
      if (kind === 'general' || keptSamples === 0) {
        yield final(hyp?.text ?? '', kind);
        return;
      }
      const all = concatPcm(kept);
      const judged =
        hyp && hyp.text !== ''
          ? judgeGrammarHypothesis(dec.segments(), all, this.leadingWords)
          : undefined;
      const grammarScore = scorePerFrame(hyp, dec.frames());
      ctx.log.debug({ sessionId: ctx.sessionId, stt: this.id, judged }, 'grammar pass judged');
      // With a wake phrase to compare against, an ambiguous hypothesis is decided without pass 2.
      const accepted =
        judged?.verdict === 'accept' ||
        (judged?.verdict === 'ambiguous' &&
          judged.leadingScore !== undefined &&
          keepAmbiguous(judged, 0, undefined));
      if (hyp && accepted) {
        yield final(hyp.text, 'grammar');
        return;
      }
      const general = await this.decodeGeneral(all, ctx);
      if (general === undefined) return; // aborted
      ctx.log.debug(
        {
          sessionId: ctx.sessionId,
          stt: this.id,
          grammarScore,
          generalScore: general.scorePerFrame,
        },
        'general pass scored',
      );
      if (
        hyp &&
        judged?.verdict === 'ambiguous' &&
        grammarScore !== undefined &&
        keepAmbiguous(judged, grammarScore, general.scorePerFrame)
      ) {
        yield final(hyp.text, 'grammar');
        return;
      }
      yield final(general.text, 'general');
    } finally {
      if (inUtt) dec.endUtt();
      // Not awaited: a stalled source only settles its return() once its pending next() does.
      it.return?.().catch(() => undefined);
      this.release(dec, kind);
    }
  }

  /** Second pass over the kept audio with the general model, in pieces between event-loop turns. */
  private async decodeGeneral(
    pcm: Int16Array,
    ctx: EngineContext,
  ): Promise<{ text: string; scorePerFrame: number | undefined } | undefined> {
    const dec = this.acquire('general');
    let inUtt = false;
    try {
      dec.startUtt();
      inUtt = true;
      for (let at = 0; at < pcm.length; at += PIECE_SAMPLES) {
        if (ctx.signal.aborted) return undefined;
        dec.process(pcm.subarray(at, at + PIECE_SAMPLES));
        await nextTurn();
      }
      dec.endUtt();
      inUtt = false;
      const hyp = dec.hypothesis();
      return { text: hyp?.text ?? '', scorePerFrame: scorePerFrame(hyp, dec.frames()) };
    } finally {
      if (inUtt) dec.endUtt();
      this.release(dec, 'general');
    }
  }

  /** Frees every decoder; a transcription still running frees its own when it ends. */
  async close(): Promise<void> {
    this.closed = true;
    for (const dec of [...this.idleGrammar, ...this.idleGeneral]) dec.free();
    this.idleGrammar.length = 0;
    this.idleGeneral.length = 0;
    this.grammarVersions.clear();
    await Promise.resolve();
  }
}

/**
 * Creates the pocketsphinx engine. Throws `SttUnavailableError` (code `stt-unavailable`) when the
 * library or model files are missing, and an Error when the grammar is invalid.
 */
export function createPocketsphinxStt(options: PocketsphinxSttOptions = {}): PocketsphinxStt {
  return new PocketsphinxStt(options);
}
