/** The part of `node-record-lpcm16` (no bundled types) that the ALSA source uses. */
declare module 'node-record-lpcm16' {
  import type { ChildProcess } from 'node:child_process';
  import type { Readable } from 'node:stream';

  export interface RecordOptions {
    sampleRate?: number;
    channels?: number;
    recorder?: 'sox' | 'rec' | 'arecord';
    device?: string;
    audioType?: 'wav' | 'raw';
  }
  export interface Recording {
    readonly process: ChildProcess;
    stream(): Readable;
    stop(): void;
  }
  const recorder: { record(options?: RecordOptions): Recording };
  export default recorder;
}
