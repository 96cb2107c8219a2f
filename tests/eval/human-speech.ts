/**
 * Real human recordings from Debian's pocketsphinx-testdata, with the transcripts it ships.
 * numbers.raw and something.raw come without a transcript: they serve only as non-wake audio.
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeWav } from '@jarvis/protocol';

export const TESTDATA_DIR = '/usr/share/pocketsphinx/test/data';

export interface HumanClip {
  readonly id: string;
  /** What was said, when the package says so. */
  readonly transcript: string | undefined;
  /** 16 kHz mono. */
  readonly pcm: Int16Array;
}

/** Parses sphinx transcription lines: `<s> words </s> (utterance-id)`. */
export function parseTranscription(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(.*)\((\S+)\)\s*$/.exec(line.trim());
    if (!m) continue;
    const words = m[1]!
      .replace(/<\/?s>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    out.set(m[2]!, words);
  }
  return out;
}

/** Headerless 16 kHz mono s16le, as the package's .raw files are. */
async function raw16k(path: string): Promise<Int16Array> {
  const bytes = await readFile(path);
  return new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Every recording found; throws when the package is not installed. */
export async function loadHumanSpeech(dir = TESTDATA_DIR): Promise<HumanClip[]> {
  await access(dir).catch(() => {
    throw new Error(`${dir} is missing: install the Debian package pocketsphinx-testdata`);
  });
  const clips: HumanClip[] = [
    // The transcript every pocketsphinx example decodes this file to.
    {
      id: 'goforward',
      transcript: 'go forward ten meters',
      pcm: await raw16k(join(dir, 'goforward.raw')),
    },
    // TIDIGITS naming: speaker dhd, digits 2 9 3 4 z(ero).
    {
      id: 'tidigits/dhd.2934z',
      transcript: 'two nine three four zero',
      pcm: await raw16k(join(dir, 'tidigits/dhd.2934z.raw')),
    },
    { id: 'numbers', transcript: undefined, pcm: await raw16k(join(dir, 'numbers.raw')) },
    {
      id: 'something',
      transcript: undefined,
      pcm: await raw16k(join(dir, 'something.raw')),
    },
  ];
  for (const [folder, list] of [
    ['cards', 'cards.transcription'],
    ['librivox', 'transcription'],
  ] as const) {
    const transcripts = parseTranscription(await readFile(join(dir, folder, list), 'utf8'));
    for (const [id, transcript] of transcripts) {
      const wav = decodeWav(await readFile(join(dir, folder, `${id}.wav`)));
      if (wav.rate !== 16_000 || wav.channels !== 1)
        throw new Error(`${folder}/${id}: not 16 kHz mono`);
      clips.push({ id: `${folder}/${id}`, transcript, pcm: wav.pcm });
    }
  }
  return clips;
}
