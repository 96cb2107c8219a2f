import { describe, expect, it } from 'vitest';
import { parseTranscription } from './human-speech.js';

describe('pocketsphinx-testdata transcripts', () => {
  it('parses-sphinx-transcription-lines', () => {
    const parsed = parseTranscription(
      '<s> ten of clubs  </s> (001)\n<s> he was not </s> (sense-0880)\n\nnot a line\n',
    );
    expect([...parsed]).toEqual([
      ['001', 'ten of clubs'],
      ['sense-0880', 'he was not'],
    ]);
  });
});
