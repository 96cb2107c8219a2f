import type { Logger } from 'pino';
import type { HubConfig } from '../config/config.js';
import type { SttEngine, TtsEngine, VadEngine } from './types.js';

/** Words of the wake phrase the satellite's pre-roll leaves in the audio. */
const WAKE_PREFIX_WORDS = ['hey', 'jarvis'];

export interface Engines {
  readonly stt: SttEngine;
  readonly tts: TtsEngine;
  readonly vad: VadEngine;
}

/**
 * The embedded defaults: everything from npm or Debian packages, nothing downloaded.
 * Loaded lazily so a hub given its own engines (tests, remote engines) never loads these.
 */
export async function createDefaultEngines(
  config: Readonly<HubConfig>,
  grammar: string,
  log: Logger,
): Promise<Engines> {
  const [{ createPocketsphinxStt }, { createEspeakTts }, { createSileroVad }] = await Promise.all([
    import('./stt/pocketsphinx.js'),
    import('./tts/espeak.js'),
    import('./vad/silero.js'),
  ]);
  const started = Date.now();
  const [stt, tts, vad] = await Promise.all([
    Promise.resolve(createPocketsphinxStt({ grammar, leadingWords: WAKE_PREFIX_WORDS })),
    createEspeakTts({ voice: config.tts.voice }),
    createSileroVad({ silenceMs: config.vad.silenceMs, threshold: config.vad.threshold }),
  ]);
  await warmUp(tts, log);
  log.info({ stt: stt.id, tts: tts.id, vad: vad.id, ms: Date.now() - started }, 'engines loaded');
  return { stt, tts, vad };
}

/** The first synthesis pays for compiling and caching; do it at start-up, not in a user's reply. */
async function warmUp(tts: TtsEngine, log: Logger): Promise<void> {
  const ctx = { signal: new AbortController().signal, log, sessionId: 'warm-up' };
  async function* text(): AsyncIterable<string> {
    yield 'Ready.';
  }
  for await (const chunk of tts.synthesize(text(), ctx)) void chunk;
}
