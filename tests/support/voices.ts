import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeWav, encodeWav, type WavAudio } from '@jarvis/protocol';

const run = promisify(execFile);

/** Test voices from Debian packages: each a different synthesizer, so recognisers meet variety. */
export const TEST_VOICES = ['espeak', 'flite', 'festival'] as const;
export type TestVoice = (typeof TEST_VOICES)[number];

export interface SpeakOptions {
  /** Silence before the speech, in ms (default 300). */
  readonly leadMs?: number;
  /** Silence after the speech, in ms (default 1000). */
  readonly trailMs?: number;
  /** Speaking rate relative to the voice's normal pace, e.g. 1.3 for 30 % faster (default 1). */
  readonly rate?: number;
}

/** Speaks `text` with a Debian synthesizer and returns 16 kHz mono s16 audio. */
export async function speak(
  text: string,
  voice: TestVoice,
  options: SpeakOptions = {},
): Promise<WavAudio> {
  const rate = options.rate ?? 1;
  if (!(rate > 0)) throw new RangeError(`rate must be positive, got ${rate}`);
  const dir = await mkdtemp(join(tmpdir(), 'jarvis-voice-'));
  try {
    const raw = join(dir, 'raw.wav');
    const out = join(dir, 'out.wav');
    switch (voice) {
      case 'espeak':
        // The m3 variant: pocketsphinx mishears plain en-us espeak's final "off" as "on" (README, known limits).
        await run('espeak-ng', [
          '-v',
          'en-us+m3',
          '-s',
          `${Math.round(160 * rate)}`,
          '-w',
          raw,
          text,
        ]);
        break;
      case 'flite':
        await run('flite', [
          '-voice',
          'slt',
          ...(rate === 1 ? [] : ['--setf', `duration_stretch=${(1 / rate).toFixed(3)}`]),
          '-t',
          text,
          '-o',
          raw,
        ]);
        break;
      case 'festival': {
        const input = join(dir, 'text.txt');
        await writeFile(input, text);
        await run('text2wave', ['-o', raw, input]);
        break;
      }
    }
    const lead = (options.leadMs ?? 300) / 1000;
    const trail = (options.trailMs ?? 1000) / 1000;
    await run('sox', [
      raw,
      '-r',
      '16000',
      '-c',
      '1',
      '-b',
      '16',
      '-e',
      'signed-integer',
      out,
      // festival gets no rate switch from text2wave: sox's tempo keeps the pitch (before the padding).
      ...(voice === 'festival' && rate !== 1 ? ['tempo', '-s', `${rate}`] : []),
      'pad',
      `${lead}`,
      `${trail}`,
    ]);
    return decodeWav(await readFile(out));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Joins 16 kHz mono clips with `gapMs` of silence between them. */
export function concat(clips: readonly WavAudio[], gapMs = 0): WavAudio {
  const gap = Math.round((gapMs / 1000) * 16000);
  const total = clips.reduce((n, c) => n + c.pcm.length, 0) + gap * Math.max(0, clips.length - 1);
  const pcm = new Int16Array(total);
  let at = 0;
  clips.forEach((clip, i) => {
    pcm.set(clip.pcm, at);
    at += clip.pcm.length + (i < clips.length - 1 ? gap : 0);
  });
  return { rate: 16000, channels: 1, pcm };
}

export { encodeWav };
