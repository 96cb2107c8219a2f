import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { AppError } from '../../errors.js';
import type { AudioChunk, EngineContext, SttEngine, SttEvent } from '../types.js';
import { concatPcm, LinearResampler, nextOrAbort } from '@jarvis/protocol';
import { judgeGrammarHypothesis, keepGrammarHypothesis } from './grammar-check.js';
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
/**
 * Idle decoders kept per kind; more are freed when released. Making one loads its language
 * model (hundreds of ms on the event loop), so a house with several talking at once keeps them.
 */
const MAX_IDLE = 4;
/**
 * Decoders of one kind busy at once, at most: beyond, an utterance waits its turn (its audio is
 * kept meanwhile). Memory stays bounded in a burst, and two cores decode no faster with more.
 */
const MAX_BUSY = 4;
/** Command grammar; general model with all passes (text); general model, first pass (score). */
type DecoderKind = 'grammar' | 'general' | 'scorer';

function scorePerFrame(h: Hypothesis, frames: number): number {
  return h.score / Math.max(1, frames);
}

/**
 * Speech to text with Debian's pocketsphinx, in process through koffi. While audio streams, the
 * command grammar (partials) and the general language model decode it side by side; at the end
 * the grammar decodes the kept audio once more, normalised for this voice, and its hypothesis is
 * kept when it is judged a command (see grammar-check.ts); otherwise the general model, with all
 * its passes, decodes the kept audio for the text the LLM path gets.
 * Each concurrent transcription takes its own decoder from a small pool.
 */
export class PocketsphinxStt implements SttEngine {
  readonly id = 'pocketsphinx';
  private grammar: string | undefined;
  private grammarVersion = 0;
  private readonly grammarVersions = new Map<Decoder, number>();
  private readonly idle: Record<DecoderKind, Decoder[]> = { grammar: [], general: [], scorer: [] };
  private readonly busy = new Set<Decoder>();
  private readonly busyOf: Record<DecoderKind, number> = { grammar: 0, general: 0, scorer: 0 };
  /** Utterances waiting for a decoder; each looks again when one is released. */
  private readonly waiting: (() => void)[] = [];
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
    this.idle.grammar.push(this.newDecoder());
    // And those with the general model, whose language model takes ~0.5 s to load: not in a
    // user's first request.
    this.idle.general.push(this.newGeneralDecoder('general'));
    if (options.grammar !== undefined) {
      this.idle.scorer.push(this.newGeneralDecoder('scorer'));
      this.setGrammar(options.grammar);
    }
  }

  private newDecoder(treePassOnly = false): Decoder {
    return new Decoder({
      hmmDir: this.hmmDir,
      dictPath: this.dictPath,
      sampleRate: RATE,
      treePassOnly,
    });
  }

  /** Replaces the grammar for utterances that start from now on; throws on an invalid grammar. */
  setGrammar(jsgf: string): void {
    const probe = this.idle.grammar[0] ?? this.newDecoder();
    probe.addGrammar(GRAMMAR, jsgf); // validates: syntax, and every word in the dictionary
    this.grammar = jsgf;
    this.grammarVersion += 1;
    this.grammarVersions.set(probe, this.grammarVersion);
    if (!this.idle.grammar.includes(probe)) this.idle.grammar.push(probe);
  }

  private acquire(kind: DecoderKind): Decoder {
    if (this.closed) throw new AppError('stt-failed', 'pocketsphinx engine is closed');
    let dec: Decoder;
    if (kind === 'grammar') {
      dec = this.idle.grammar.pop() ?? this.newDecoder();
      if (this.grammar !== undefined && this.grammarVersions.get(dec) !== this.grammarVersion) {
        dec.addGrammar(GRAMMAR, this.grammar);
        this.grammarVersions.set(dec, this.grammarVersion);
      }
    } else {
      dec = this.idle[kind].pop() ?? this.newGeneralDecoder(kind);
    }
    this.busy.add(dec);
    this.busyOf[kind]++;
    return dec;
  }

  /** Decoders for an utterance of `kind` may be taken now (with a grammar, its scorer too). */
  private free(kind: DecoderKind): boolean {
    return this.busyOf[kind] < MAX_BUSY && (kind !== 'grammar' || this.busyOf.scorer < MAX_BUSY);
  }

  /** Resolves when a decoder is released (or the session ends meanwhile). */
  private released(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  private newGeneralDecoder(kind: 'general' | 'scorer'): Decoder {
    // The scorer decodes alongside the grammar, so what it costs after the end of speech is
    // waited for: its first pass is enough for a score. Text people hear back (the LLM path,
    // memory) gets all three passes.
    const dec = this.newDecoder(kind === 'scorer');
    try {
      dec.addLanguageModel(GENERAL, this.lmPath);
      dec.useSearch(GENERAL);
    } catch (err) {
      dec.free();
      throw err;
    }
    return dec;
  }

  private release(dec: Decoder, kind: DecoderKind): void {
    this.busy.delete(dec);
    this.busyOf[kind]--;
    for (const next of this.waiting.splice(0)) next();
    const idle = this.idle[kind];
    if (this.closed || idle.length >= MAX_IDLE) {
      this.grammarVersions.delete(dec);
      dec.free();
    } else {
      idle.push(dec);
    }
  }

  async *transcribe(audio: AsyncIterable<AudioChunk>, ctx: EngineContext): AsyncIterable<SttEvent> {
    const kind = this.grammar === undefined ? 'general' : 'grammar';
    // Checked and taken with no await between: a burst cannot all slip past the cap at once.
    while (!this.free(kind)) {
      if (ctx.signal.aborted || this.closed) return;
      await this.released(ctx.signal);
    }
    if (ctx.signal.aborted) return;
    const dec = this.acquire(kind);
    // With a grammar, the general model decodes the same audio alongside: its score is one of
    // the measures that judge the grammar's hypothesis.
    const scorer = kind === 'grammar' ? this.acquire('scorer') : undefined;
    const kept: Int16Array[] = [];
    let keptSamples = 0;
    let inUtt = false;
    let scorerInUtt = false;
    let lastPartial = '';
    let sincePartial = 0;
    const it = audio[Symbol.asyncIterator]();
    let resampler: LinearResampler | undefined;
    try {
      dec.useSearch(kind === 'grammar' ? GRAMMAR : GENERAL);
      dec.startUtt();
      inUtt = true;
      scorer?.startUtt();
      scorerInUtt = scorer !== undefined;
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
          scorer?.process(piece);
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
      scorer?.endUtt();
      scorerInUtt = false;
      if (scorer === undefined || keptSamples === 0) {
        yield final(dec.hypothesis()?.text ?? '', kind);
        return;
      }
      // Live normalisation starts from the previous utterances' mean and adapts as speech goes
      // by, so the start of the utterance was heard badly (espeak's "off" as "on"). A second
      // grammar pass over the kept audio, now normalised for this voice, costs ~10-30 ms.
      dec.startUtt();
      inUtt = true;
      for (const piece of kept) dec.process(piece);
      dec.endUtt();
      inUtt = false;
      const hyp = dec.hypothesis();
      const all = concatPcm(kept);
      if (hyp && hyp.text !== '') {
        const judged = judgeGrammarHypothesis(dec.segments(), all, this.leadingWords);
        const grammarScore = scorePerFrame(hyp, dec.frames());
        const general = scorer.hypothesis();
        const generalScore = general && scorePerFrame(general, scorer.frames());
        ctx.log.debug(
          { sessionId: ctx.sessionId, stt: this.id, judged, grammarScore, generalScore },
          'grammar hypothesis judged',
        );
        if (keepGrammarHypothesis(judged, grammarScore, generalScore)) {
          yield final(hyp.text, 'grammar');
          return;
        }
      }
      const text = await this.decodeGeneral(all, ctx);
      if (text === undefined) return; // aborted
      yield final(text, 'general');
    } finally {
      if (inUtt) dec.endUtt();
      if (scorerInUtt) scorer?.endUtt();
      // Not awaited: a stalled source only settles its return() once its pending next() does.
      it.return?.().catch(() => undefined);
      this.release(dec, kind);
      if (scorer) this.release(scorer, 'scorer');
    }
  }

  /** The general model's text for the kept audio, in pieces between event-loop turns. */
  private async decodeGeneral(pcm: Int16Array, ctx: EngineContext): Promise<string | undefined> {
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
      return dec.hypothesis()?.text ?? '';
    } finally {
      if (inUtt) dec.endUtt();
      this.release(dec, 'general');
    }
  }

  /** Frees every decoder; a transcription still running frees its own when it ends. */
  async close(): Promise<void> {
    this.closed = true;
    for (const next of this.waiting.splice(0)) next();
    for (const list of Object.values(this.idle)) {
      for (const dec of list) dec.free();
      list.length = 0;
    }
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
