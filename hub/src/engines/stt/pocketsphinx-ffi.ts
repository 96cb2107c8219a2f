import { existsSync } from 'node:fs';
import { join } from 'node:path';
import koffi, { type LibraryHandle } from 'koffi';

/** Where Debian's `pocketsphinx-en-us` puts the US English model. */
export const DEFAULT_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

const APT_HINT = 'install the Debian packages: apt-get install libpocketsphinx3 pocketsphinx-en-us';

/** Pocketsphinx cannot run here: its library or model files are missing. Not worth retrying. */
export class SttUnavailableError extends Error {
  override readonly name = 'SttUnavailableError';
  readonly code = 'stt-unavailable';
  readonly retryable = false;
}

/** A pointer from the C side (koffi 3 represents pointers as BigInt). */
type Ptr = bigint;

/** The pocketsphinx 5prealpha / sphinxbase functions we call, typed for TypeScript. */
interface Native {
  errSetLogfp(fp: null): void;
  psArgs(): Ptr;
  // cmd_ln_init is variadic: koffi wants a (type, value) pair per extra argument.
  cmdLnInit(inout: null, defn: Ptr, strict: number, ...typedArgs: unknown[]): Ptr | null;
  cmdLnFree(config: Ptr): number;
  psInit(config: Ptr): Ptr | null;
  psFree(ps: Ptr): number;
  psSetJsgfString(ps: Ptr, name: string, jsgf: string): number;
  psSetLmFile(ps: Ptr, name: string, path: string): number;
  psSetAllphoneFile(ps: Ptr, name: string, path: string): number;
  psSetSearch(ps: Ptr, name: string): number;
  psGetSearch(ps: Ptr): string | null;
  psStartUtt(ps: Ptr): number;
  psProcessRaw(
    ps: Ptr,
    data: Int16Array,
    samples: number,
    noSearch: number,
    fullUtt: number,
  ): number;
  psEndUtt(ps: Ptr): number;
  psGetHyp(ps: Ptr, score: Int32Array): string | null;
  psGetProb(ps: Ptr): number;
  psGetNFrames(ps: Ptr): number;
  psSegIter(ps: Ptr): Ptr | null;
  psSegNext(seg: Ptr): Ptr | null;
  psSegWord(seg: Ptr): string;
  psSegFrames(seg: Ptr, start: Int32Array, end: Int32Array): void;
  psSegProb(seg: Ptr, ascr: Int32Array, lscr: Int32Array, lback: Int32Array): number;
  psSegFree(seg: Ptr): void;
}

let native: Native | undefined;

function loadNative(): Native {
  if (native) return native;
  let base: LibraryHandle;
  let ps: LibraryHandle;
  try {
    // sphinxbase first: libpocketsphinx links against it.
    base = koffi.load('libsphinxbase.so.3');
    ps = koffi.load('libpocketsphinx.so.3');
  } catch (err) {
    throw new SttUnavailableError(`cannot load the pocketsphinx library: ${APT_HINT}`, {
      cause: err,
    });
  }
  // koffi functions are untyped (any): the annotation gives them the signatures above.
  const f: Native = {
    errSetLogfp: base.func('void err_set_logfp(void *fp)'),
    cmdLnInit: base.func('void *cmd_ln_init(void *inout, void *defn, int strict, ...)'),
    cmdLnFree: base.func('int cmd_ln_free_r(void *config)'),
    psArgs: ps.func('void *ps_args()'),
    psInit: ps.func('void *ps_init(void *config)'),
    psFree: ps.func('int ps_free(void *ps)'),
    psSetJsgfString: ps.func('int ps_set_jsgf_string(void *ps, str name, str jsgf)'),
    psSetLmFile: ps.func('int ps_set_lm_file(void *ps, str name, str path)'),
    psSetAllphoneFile: ps.func('int ps_set_allphone_file(void *ps, str name, str path)'),
    psSetSearch: ps.func('int ps_set_search(void *ps, str name)'),
    psGetSearch: ps.func('str ps_get_search(void *ps)'),
    psStartUtt: ps.func('int ps_start_utt(void *ps)'),
    psProcessRaw: ps.func(
      'int ps_process_raw(void *ps, const int16_t *data, size_t n, int no_search, int full_utt)',
    ),
    psEndUtt: ps.func('int ps_end_utt(void *ps)'),
    psGetHyp: ps.func('str ps_get_hyp(void *ps, _Out_ int32_t *score)'),
    psGetProb: ps.func('int32_t ps_get_prob(void *ps)'),
    psGetNFrames: ps.func('int ps_get_n_frames(void *ps)'),
    psSegIter: ps.func('void *ps_seg_iter(void *ps)'),
    psSegNext: ps.func('void *ps_seg_next(void *seg)'),
    psSegWord: ps.func('str ps_seg_word(void *seg)'),
    psSegFrames: ps.func('void ps_seg_frames(void *seg, _Out_ int *sf, _Out_ int *ef)'),
    psSegProb: ps.func(
      'int32_t ps_seg_prob(void *seg, _Out_ int32_t *ascr, _Out_ int32_t *lscr, _Out_ int32_t *lback)',
    ),
    psSegFree: ps.func('void ps_seg_free(void *seg)'),
  };
  native = f;
  // A NULL log stream turns sphinxbase's (very chatty) stderr logging off for the whole process.
  native.errSetLogfp(null);
  return native;
}

/** Model files for one decoder. */
export interface DecoderConfig {
  /** Acoustic model folder (holds `mdef`, `means`, …). */
  readonly hmmDir: string;
  /** Pronunciation dictionary; every grammar word must be in it. */
  readonly dictPath: string;
  /** Sample rate of the audio the decoder takes, in Hz. */
  readonly sampleRate: number;
  /** N-gram searches skip the flat-lexicon and lattice passes (faster end, slightly worse text). */
  readonly treePassOnly?: boolean;
}

function requireFile(path: string, what: string): void {
  if (!existsSync(path)) {
    throw new SttUnavailableError(`pocketsphinx ${what} not found at ${path}: ${APT_HINT}`);
  }
}

/** The hypothesis so far (or final, after `endUtt`) and its path score. */
export interface Hypothesis {
  readonly text: string;
  /** Path score (log domain, more negative is worse), from `ps_get_hyp`. */
  readonly score: number;
}

/** One word of a hypothesis, as `ps_seg_*` reports it. */
export interface Segment {
  readonly word: string;
  readonly startFrame: number;
  /** Last frame, inclusive. */
  readonly endFrame: number;
  /** Acoustic log score (more negative is worse). */
  readonly acousticScore: number;
  readonly languageScore: number;
  /** Log posterior probability, 0 where the search does not compute one. */
  readonly posterior: number;
}

/**
 * One pocketsphinx decoder (`ps_decoder_t`). It decodes one utterance at a time and holds
 * named searches (JSGF grammars, n-gram models); calls are synchronous on the JS thread.
 */
export class Decoder {
  private config: Ptr | undefined;
  private ps: Ptr | undefined;
  private readonly scoreOut = new Int32Array(1);

  constructor(cfg: DecoderConfig) {
    requireFile(join(cfg.hmmDir, 'mdef'), 'acoustic model');
    requireFile(cfg.dictPath, 'dictionary');
    const n = loadNative();
    const args: [string, string][] = [
      ['-hmm', cfg.hmmDir],
      ['-dict', cfg.dictPath],
      ['-samprate', String(cfg.sampleRate)],
      ['-logfn', '/dev/null'],
      // Live cepstral mean normalisation: the model's "batch" default needs the whole utterance.
      ['-cmn', 'live'],
      // Lexicon-tree pass only: ending an utterance then costs ~3 ms instead of ~70.
      ...(cfg.treePassOnly
        ? ([
            ['-fwdflat', 'no'],
            ['-bestpath', 'no'],
          ] as [string, string][])
        : []),
    ];
    const typed: unknown[] = [];
    for (const [key, value] of args) typed.push('str', key, 'str', value);
    typed.push('void *', null);
    const config = n.cmdLnInit(null, n.psArgs(), 1, ...typed);
    if (!config) throw new SttUnavailableError('pocketsphinx rejected its configuration');
    const ps = n.psInit(config);
    if (!ps) {
      n.cmdLnFree(config);
      throw new SttUnavailableError(
        `pocketsphinx cannot load the model in ${cfg.hmmDir}: ${APT_HINT}`,
      );
    }
    this.config = config;
    this.ps = ps;
  }

  private handle(): Ptr {
    if (this.ps === undefined) throw new Error('pocketsphinx decoder already freed');
    return this.ps;
  }

  /** Adds (or replaces) a JSGF grammar search called `name`; throws on a bad grammar. */
  addGrammar(name: string, jsgf: string): void {
    if (loadNative().psSetJsgfString(this.handle(), name, jsgf) < 0) {
      throw new Error(
        `pocketsphinx rejected the JSGF grammar "${name}" (syntax, or a word missing from the dictionary)`,
      );
    }
  }

  /** Adds an n-gram language model search called `name`. */
  addLanguageModel(name: string, path: string): void {
    requireFile(path, 'language model');
    if (loadNative().psSetLmFile(this.handle(), name, path) < 0) {
      throw new SttUnavailableError(`pocketsphinx cannot load the language model ${path}`);
    }
  }

  /** Adds a phone-loop search called `name` (any phone sequence, weighted by a phone n-gram). */
  addPhoneLoop(name: string, path: string): void {
    requireFile(path, 'phone language model');
    if (loadNative().psSetAllphoneFile(this.handle(), name, path) < 0) {
      throw new SttUnavailableError(`pocketsphinx cannot load the phone language model ${path}`);
    }
  }

  /** Makes `name` the search for the next utterance. */
  useSearch(name: string): void {
    const n = loadNative();
    if (n.psGetSearch(this.handle()) === name) return;
    if (n.psSetSearch(this.handle(), name) < 0)
      throw new Error(`pocketsphinx has no search "${name}"`);
  }

  startUtt(): void {
    if (loadNative().psStartUtt(this.handle()) < 0)
      throw new Error('pocketsphinx cannot start an utterance');
  }

  /** Feeds samples to the current utterance; returns the number of frames searched. */
  process(pcm: Int16Array): number {
    if (pcm.length === 0) return 0;
    const frames = loadNative().psProcessRaw(this.handle(), pcm, pcm.length, 0, 0);
    if (frames < 0) throw new Error('pocketsphinx failed to process audio');
    return frames;
  }

  endUtt(): void {
    loadNative().psEndUtt(this.handle());
  }

  /** Best hypothesis so far; undefined when there is none (e.g. speech outside the grammar). */
  hypothesis(): Hypothesis | undefined {
    const text = loadNative().psGetHyp(this.handle(), this.scoreOut);
    if (text === null) return undefined;
    return { text, score: this.scoreOut[0] ?? 0 };
  }

  /** Posterior probability of the hypothesis (log domain), from `ps_get_prob`. */
  probability(): number {
    return loadNative().psGetProb(this.handle());
  }

  /** Words of the best hypothesis, fillers and silences included, with frames and scores. */
  segments(): Segment[] {
    const n = loadNative();
    const out: Segment[] = [];
    const start = new Int32Array(1);
    const end = new Int32Array(1);
    const ascr = new Int32Array(1);
    const lscr = new Int32Array(1);
    const lback = new Int32Array(1);
    // ps_seg_next frees the iterator itself when it returns NULL.
    for (let seg = n.psSegIter(this.handle()); seg; seg = n.psSegNext(seg)) {
      n.psSegFrames(seg, start, end);
      const prob = n.psSegProb(seg, ascr, lscr, lback);
      out.push({
        word: n.psSegWord(seg),
        startFrame: start[0] ?? 0,
        endFrame: end[0] ?? 0,
        acousticScore: ascr[0] ?? 0,
        languageScore: lscr[0] ?? 0,
        posterior: prob,
      });
    }
    return out;
  }

  /** Frames (10 ms each) in the current or last utterance. */
  frames(): number {
    return loadNative().psGetNFrames(this.handle());
  }

  /** Frees the decoder and its configuration; safe to call twice. */
  free(): void {
    const n = loadNative();
    if (this.ps !== undefined) n.psFree(this.ps);
    if (this.config !== undefined) n.cmdLnFree(this.config);
    this.ps = undefined;
    this.config = undefined;
  }
}
