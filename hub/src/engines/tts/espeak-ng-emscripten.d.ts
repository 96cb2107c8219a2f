/** The part of `@echogarden/espeak-ng-emscripten` (no bundled types) that the espeak engine uses. */
declare module '@echogarden/espeak-ng-emscripten' {
  export interface EspeakNgWorker {
    /** 0 on success, non-zero when the voice is unknown. */
    set_voice(name: string): number;
    /** Words per minute (80–450). */
    set_rate(wpm: number): void;
    /** Base pitch, 0–100. */
    set_pitch(pitch: number): void;
    get_samplerate(): number;
    /**
     * Synthesizes `text` synchronously, calling back with each block of s16 samples as it is
     * made; a truthy return from the callback stops synthesis.
     */
    synthesize(text: string, onAudio: (samples: Int16Array, events: unknown[]) => boolean): void;
  }
  export interface EspeakNgModule {
    eSpeakNGWorker: new () => EspeakNgWorker;
  }
  const createModule: (options?: Record<string, unknown>) => Promise<EspeakNgModule>;
  export default createModule;
}
