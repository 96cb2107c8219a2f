import { basename } from 'node:path';
import type { AudioChunk, WakeDetection, WakeEngine } from '@jarvis/protocol';
import type * as PorcupinePackage from '@picovoice/porcupine-node';
import type { Porcupine } from '@picovoice/porcupine-node';

/** The npm package, an optional dependency of the satellite: loaded only when Porcupine is chosen. */
export const PORCUPINE_PACKAGE = '@picovoice/porcupine-node';
/** Where the satellite reads the Picovoice AccessKey from when the config names no file. */
export const PICOVOICE_ACCESS_KEY_ENV = 'PICOVOICE_ACCESS_KEY';

const SAMPLE_RATE = 16_000;
/** Silence run through Porcupine by reset(), longer than any keyword, to flush its context. */
const FLUSH_MS = 2000;

/** Porcupine's built-in keywords (`BuiltinKeyword` in @picovoice/porcupine-node 4.0.2). */
export const PORCUPINE_KEYWORDS = [
  'alexa',
  'americano',
  'blueberry',
  'bumblebee',
  'computer',
  'grapefruit',
  'grasshopper',
  'hey google',
  'hey siri',
  'jarvis',
  'ok google',
  'picovoice',
  'porcupine',
  'terminator',
] as const;
export type PorcupineKeyword = (typeof PORCUPINE_KEYWORDS)[number];

export interface PorcupineWakeOptions {
  /** Picovoice AccessKey (from `PICOVOICE_ACCESS_KEY` or a key file; never the config JSON). */
  readonly accessKey: string;
  /** Built-in keyword (default "jarvis"); ignored when `keywordPath` is set. */
  readonly keyword?: PorcupineKeyword;
  /** A custom `.ppn` keyword file made in the Picovoice Console, for this platform. */
  readonly keywordPath?: string;
  /** In [0, 1]: higher misses less and false-wakes more (default 0.5). */
  readonly sensitivity?: number;
  /** Module to load instead of the npm package (tests use it to simulate a missing package). */
  readonly packageName?: string;
}

export type PorcupineWakeErrorCode =
  | 'porcupine-no-access-key'
  | 'porcupine-access-key-rejected'
  | 'porcupine-package-missing'
  | 'porcupine-init-failed';

/**
 * Why Porcupine could not start. Never retryable: the config or install must change. Never
 * carries Porcupine's own error as `cause`, because its messages quote the AccessKey.
 */
export class PorcupineWakeError extends Error {
  override readonly name = 'PorcupineWakeError';
  readonly retryable = false as const;

  constructor(
    readonly code: PorcupineWakeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Imports the optional native package, turning its absence into a clear error. */
export async function loadPorcupinePackage(
  name = PORCUPINE_PACKAGE,
): Promise<typeof PorcupinePackage> {
  try {
    return (await import(name)) as typeof PorcupinePackage;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      throw new PorcupineWakeError(
        'porcupine-package-missing',
        `wake engine "porcupine" needs the optional package ${name}, which is not installed: ` +
          `run npm install -w satellite (it is an optionalDependency) or choose wake.engine "openwakeword"`,
      );
    throw err;
  }
}

/**
 * Porcupine (Picovoice) wake word on its native Node binding. Needs a Picovoice AccessKey;
 * Porcupine 4.0.2 checks the key's form locally at start-up, so a malformed key fails here.
 * Holds one audio stream's context: run one `detect()` at a time per engine.
 */
export async function createPorcupineWake(options: PorcupineWakeOptions): Promise<WakeEngine> {
  const accessKey = options.accessKey.trim();
  if (accessKey === '')
    throw new PorcupineWakeError(
      'porcupine-no-access-key',
      `wake engine "porcupine" needs a Picovoice AccessKey: set ${PICOVOICE_ACCESS_KEY_ENV} ` +
        `or wake.porcupine.accessKeyFile in the satellite config`,
    );
  const sensitivity = options.sensitivity ?? 0.5;
  if (!(sensitivity >= 0 && sensitivity <= 1))
    throw new RangeError(`Porcupine sensitivity must be in [0, 1], got ${sensitivity}`);
  const pv = await loadPorcupinePackage(options.packageName);
  const keyword = options.keyword ?? 'jarvis';
  const keywordPath =
    options.keywordPath ??
    pv.getBuiltinKeywordPath(keyword as Parameters<typeof pv.getBuiltinKeywordPath>[0]);
  let porcupine: Porcupine;
  try {
    porcupine = new pv.Porcupine(accessKey, [keywordPath], [sensitivity]);
  } catch (err) {
    throw startError(err, accessKey, pv);
  }
  if (porcupine.sampleRate !== SAMPLE_RATE) {
    porcupine.release();
    throw new PorcupineWakeError(
      'porcupine-init-failed',
      `Porcupine wants ${porcupine.sampleRate} Hz audio; the satellite records ${SAMPLE_RATE} Hz`,
    );
  }
  return new PorcupineWakeEngine(porcupine, porcupineWakeWord(options));
}

/**
 * The name detections carry: the built-in keyword, or a custom file's name without the platform
 * and version suffix the Picovoice Console adds ("hey_jarvis_linux_v4_0_0.ppn" → "hey_jarvis").
 */
export function porcupineWakeWord(
  options: Pick<PorcupineWakeOptions, 'keyword' | 'keywordPath'>,
): string {
  if (!options.keywordPath) return options.keyword ?? 'jarvis';
  return basename(options.keywordPath, '.ppn').replace(
    /_(linux|mac|windows|raspberry-pi|wasm)(_v[\d_]+)?$/,
    '',
  );
}

/** Maps Porcupine's start-up errors to ours, with the AccessKey cut out of every message. */
function startError(err: unknown, accessKey: string, pv: typeof PorcupinePackage): Error {
  const { PorcupineErrors: E } = pv;
  const detail =
    err instanceof E.PorcupineError ? [err.message, ...err.messageStack] : [String(err)];
  const text = detail.join(' ').replaceAll(accessKey, '<redacted>');
  if (
    err instanceof E.PorcupineActivationError ||
    err instanceof E.PorcupineActivationRefusedError ||
    err instanceof E.PorcupineActivationLimitReachedError ||
    err instanceof E.PorcupineActivationThrottledError ||
    /AccessKey/i.test(text)
  )
    return new PorcupineWakeError(
      'porcupine-access-key-rejected',
      `Porcupine rejected the Picovoice AccessKey (from ${PICOVOICE_ACCESS_KEY_ENV} or ` +
        `wake.porcupine.accessKeyFile): ${accessKeyReason(err, text, E)}`,
    );
  return new PorcupineWakeError('porcupine-init-failed', `Porcupine failed to start: ${text}`);
}

function accessKeyReason(
  err: unknown,
  text: string,
  E: (typeof PorcupinePackage)['PorcupineErrors'],
): string {
  if (err instanceof E.PorcupineActivationLimitReachedError) return 'activation limit reached';
  if (err instanceof E.PorcupineActivationThrottledError) return 'activation throttled, try later';
  if (err instanceof E.PorcupineActivationRefusedError) return 'activation refused';
  if (err instanceof E.PorcupineActivationError) return 'activation failed';
  if (/AccessKey is invalid/i.test(text)) return 'the key is invalid';
  return 'the key could not be parsed';
}

class PorcupineWakeEngine implements WakeEngine {
  readonly id = 'porcupine';
  private released = false;

  constructor(
    private readonly porcupine: Porcupine,
    private readonly name: string,
  ) {}

  async *detect(
    audio: AsyncIterable<AudioChunk>,
    signal: AbortSignal,
  ): AsyncIterable<WakeDetection> {
    const frameLength = this.porcupine.frameLength;
    const frame = new Int16Array(frameLength);
    let filled = 0;
    let streamStartMs: number | undefined;
    let samplesSeen = 0;
    for await (const chunk of audio) {
      if (signal.aborted || this.released) return;
      if (chunk.rate !== SAMPLE_RATE)
        throw new RangeError(`wake word needs ${SAMPLE_RATE} Hz audio, got ${chunk.rate}`);
      streamStartMs ??= chunk.timestampMs;
      for (let at = 0; at < chunk.pcm.length;) {
        const take = Math.min(frameLength - filled, chunk.pcm.length - at);
        frame.set(chunk.pcm.subarray(at, at + take), filled);
        filled += take;
        at += take;
        samplesSeen += take;
        if (filled < frameLength) continue;
        filled = 0;
        if (this.porcupine.process(frame) < 0) continue;
        // Same clock as openWakeWord: stream time at the end of the detecting frame.
        yield {
          name: this.name,
          score: 1,
          timestampMs: streamStartMs + (samplesSeen * 1000) / SAMPLE_RATE,
        };
        if (signal.aborted || this.released) return;
      }
    }
  }

  /** Porcupine has no reset call: run silence through it so the last phrase cannot fire again. */
  reset(): void {
    if (this.released) return;
    const silence = new Int16Array(this.porcupine.frameLength);
    const frames = Math.ceil((FLUSH_MS * SAMPLE_RATE) / 1000 / silence.length);
    for (let i = 0; i < frames; i++) this.porcupine.process(silence);
  }

  close(): Promise<void> {
    if (!this.released) {
      this.released = true;
      this.porcupine.release();
    }
    return Promise.resolve();
  }
}
