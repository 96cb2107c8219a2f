import type { AudioChunk } from '../types.js';

/**
 * Records a live audio stream so it can be read again from the start: a retry or a fallback
 * engine hears the whole utterance, then follows the live audio. A session's utterance is
 * capped (12 s ≈ 384 KB at 16 kHz), so keeping it all is cheap.
 */
export class AudioTape {
  private readonly chunks: AudioChunk[] = [];
  private ended = false;
  private failure: unknown;
  private wake: (() => void)[] = [];
  private readonly endListeners: (() => void)[] = [];

  /** Pulls `source` into the tape in the background; a source error reaches every reader. */
  static record(source: AsyncIterable<AudioChunk>, signal: AbortSignal): AudioTape {
    const tape = new AudioTape();
    void (async () => {
      try {
        for await (const chunk of source) {
          if (signal.aborted) break;
          tape.push(chunk);
        }
        tape.end();
      } catch (err) {
        tape.fail(err);
      }
    })();
    return tape;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  push(chunk: AudioChunk): void {
    if (this.ended) return;
    this.chunks.push(chunk);
    this.notify();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.notify();
    for (const l of this.endListeners.splice(0)) l();
  }

  fail(err: unknown): void {
    this.failure = err;
    this.end();
  }

  /** Calls `listener` once the live stream has ended (at once if it already has). */
  onEnd(listener: () => void): void {
    if (this.ended) listener();
    else this.endListeners.push(listener);
  }

  /** A reader from the first chunk; it follows the live stream until the end. */
  async *read(signal: AbortSignal): AsyncGenerator<AudioChunk> {
    let at = 0;
    while (!signal.aborted) {
      if (at < this.chunks.length) {
        yield this.chunks[at++]!;
        continue;
      }
      if (this.ended) {
        if (this.failure !== undefined) throw toError(this.failure);
        return;
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal.removeEventListener('abort', done);
          resolve();
        };
        this.wake.push(done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  private notify(): void {
    for (const w of this.wake.splice(0)) w();
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
