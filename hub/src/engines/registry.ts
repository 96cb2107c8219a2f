import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { HubConfig } from '../config/config.js';
import { AppError } from '../errors.js';
import type { EngineMetrics, ResilienceOptions } from './resilience/attempt.js';
import { resilientStt } from './resilience/resilient-stt.js';
import { resilientTts } from './resilience/resilient-tts.js';
import { single, type AudioChunk, type WakeEngine } from '@jarvis/protocol';
import type { SttEngine, TtsEngine, VadEngine } from './types.js';

/** Words of the wake phrase the satellite's pre-roll leaves in the audio. */
const WAKE_PREFIX_WORDS = ['hey', 'jarvis'];

export interface Engines {
  readonly stt: SttEngine;
  readonly tts: TtsEngine;
  readonly vad: VadEngine;
}

type RemoteSettings = HubConfig['stt'] | HubConfig['tts'];

/**
 * The engines the config names, each wrapped for timeouts, retries, metrics and, for a remote
 * engine, fallback to the embedded one. The embedded defaults need nothing but npm and Debian
 * packages; every module is loaded lazily so a hub never loads what it does not use.
 */
export async function createEngines(
  config: Readonly<HubConfig>,
  grammar: string,
  log: Logger,
  metrics: EngineMetrics,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Engines> {
  const started = Date.now();
  const [stt, tts, vad] = await Promise.all([
    createStt(config, grammar, metrics, env),
    createTts(config, metrics, env),
    createVad(config),
  ]);
  await warmUp(tts, stt, log);
  log.info({ stt: stt.id, tts: tts.id, vad: vad.id, ms: Date.now() - started }, 'engines loaded');
  return { stt, tts, vad };
}

function resilience(settings: RemoteSettings, metrics: EngineMetrics): ResilienceOptions {
  return { retries: settings.retries, timeoutMs: settings.timeoutMs, metrics };
}

async function createStt(
  config: Readonly<HubConfig>,
  grammar: string,
  metrics: EngineMetrics,
  env: NodeJS.ProcessEnv,
): Promise<SttEngine> {
  const s = config.stt;
  const embedded = async (): Promise<SttEngine> => {
    const { createPocketsphinxStt } = await import('./stt/pocketsphinx.js');
    return createPocketsphinxStt({ grammar, leadingWords: WAKE_PREFIX_WORDS });
  };
  if (s.engine === 'pocketsphinx') return resilientStt([await embedded()], resilience(s, metrics));
  const url = s.url ?? '';
  let remote: SttEngine;
  if (s.engine === 'wyoming') {
    const { createWyomingStt } = await import('./wyoming/stt.js');
    remote = createWyomingStt({
      url,
      timeoutMs: s.timeoutMs,
      ...(s.model ? { model: s.model } : {}),
      ...(s.language ? { language: s.language } : {}),
    });
  } else {
    const { createOpenAiStt } = await import('./openai/stt.js');
    remote = createOpenAiStt({
      baseUrl: url,
      apiKey: await secret(env['JARVIS_STT_API_KEY'], s.apiKeyFile, 'stt'),
      model: s.model ?? '',
      language: s.language,
      timeoutMs: s.timeoutMs,
    });
  }
  remote.setGrammar(grammar);
  return resilientStt(s.fallback ? [remote, await embedded()] : [remote], resilience(s, metrics));
}

async function createTts(
  config: Readonly<HubConfig>,
  metrics: EngineMetrics,
  env: NodeJS.ProcessEnv,
): Promise<TtsEngine> {
  const t = config.tts;
  const embedded = async (): Promise<TtsEngine> => {
    const { createEspeakTts } = await import('./tts/espeak.js');
    return createEspeakTts({ voice: t.voice });
  };
  if (t.engine === 'espeak') return resilientTts([await embedded()], resilience(t, metrics));
  const url = t.url ?? '';
  let remote: TtsEngine;
  if (t.engine === 'wyoming') {
    const { createWyomingTts } = await import('./wyoming/tts.js');
    remote = createWyomingTts({
      url,
      timeoutMs: t.timeoutMs,
      ...(t.remoteVoice ? { voice: t.remoteVoice } : {}),
    });
  } else {
    const { createOpenAiTts } = await import('./openai/tts.js');
    remote = createOpenAiTts({
      baseUrl: url,
      apiKey: await secret(env['JARVIS_TTS_API_KEY'], t.apiKeyFile, 'tts'),
      model: t.model ?? '',
      voice: t.remoteVoice ?? 'alloy',
      timeoutMs: t.timeoutMs,
    });
  }
  return resilientTts(t.fallback ? [remote, await embedded()] : [remote], resilience(t, metrics));
}

async function createVad(config: Readonly<HubConfig>): Promise<VadEngine> {
  const { createSileroVad } = await import('./vad/silero.js');
  return createSileroVad({
    // Adaptive endpointing hears every short pause and decides itself how long to wait.
    silenceMs: config.vad.adaptive ? config.vad.commandSilenceMs : config.vad.silenceMs,
    threshold: config.vad.threshold,
  });
}

/** A remote server's API key: from the environment, else from a file; never from the config. */
async function secret(
  fromEnv: string | undefined,
  file: string | undefined,
  kind: string,
): Promise<string | undefined> {
  if (fromEnv) return fromEnv.trim();
  if (!file) return undefined;
  try {
    return (await readFile(file, 'utf8')).trim() || undefined;
  } catch (err) {
    throw new AppError(
      'config-invalid',
      `cannot read the ${kind} API key file ${file}: ${(err as Error).message}`,
    );
  }
}

/**
 * The first synthesis pays for compiling and caching, and a fresh recogniser's live cepstral
 * normalisation starts from the model's defaults, which misjudges the first utterance it hears:
 * both happen at start-up on a spoken warm-up phrase, not in a user's first request.
 */
async function warmUp(tts: TtsEngine, stt: SttEngine, log: Logger): Promise<void> {
  const ctx = { signal: new AbortController().signal, log, sessionId: 'warm-up' };
  const audio: AudioChunk[] = [];
  try {
    for await (const chunk of tts.synthesize(single('Hey Jarvis, turn on the light.'), ctx))
      audio.push(chunk);
    async function* replay(): AsyncIterable<AudioChunk> {
      yield* audio;
    }
    for await (const ev of stt.transcribe(replay(), ctx)) void ev;
  } catch (err) {
    // A remote engine that is down now may be up by the first request; the fallback covers it.
    log.warn({ tts: tts.id, stt: stt.id, err: (err as Error).message }, 'engine warm-up failed');
  }
}

/**
 * A factory for hub-side wake word engines, one per satellite that asks for it: openWakeWord
 * (the satellite's own engine, run here) or a Wyoming wake service on the GPU node.
 */
export function wakeEngineFactory(config: Readonly<HubConfig>): () => Promise<WakeEngine> {
  const w = config.wake;
  if (w.engine === 'wyoming') {
    return async () => {
      const { createWyomingWake } = await import('./wyoming/wake.js');
      return createWyomingWake({ url: w.url ?? '', names: ['hey_jarvis'], timeoutMs: 5000 });
    };
  }
  return async () => {
    const { createOpenWakeWord } = await import('@jarvis/satellite/wake');
    return createOpenWakeWord({ threshold: w.threshold });
  };
}
