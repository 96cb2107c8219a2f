#!/usr/bin/env node
/** jarvis-satellite --config FILE: runs one room satellite until its audio source ends or a signal. */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import type { AudioChunk, WakeEngine } from '@jarvis/protocol';
import { alsaSource, silenceSource, stdinSource, wavFileSource } from '../audio/sources.js';
import { aplaySink, nullSink, speakerSink, wavFileSink, type AudioSink } from '../audio/sinks.js';
import {
  loadSatelliteConfig,
  SatelliteConfigError,
  type SatelliteConfig,
} from '../config/config.js';
import { createLeds } from '../gpio/leds.js';
import { HubLink } from '../link/hub-link.js';
import type { SatelliteLink } from '../link/link.js';
import { MqttLink, type MqttLinkOptions } from '../link/mqtt-link.js';
import { TokenSigner } from '../link/token.js';
import { Satellite } from '../satellite.js';
import { createOpenWakeWord } from '../wake/openwakeword.js';
import { createPorcupineWake, porcupineWakeWord } from '../wake/porcupine.js';

/** The file, then a quiet room for as long as the satellite runs. */
async function* wavThenSilence(path: string, realtime: boolean): AsyncGenerator<AudioChunk> {
  let endMs = 0;
  for await (const chunk of wavFileSource(path, { realtime })) {
    endMs = chunk.timestampMs + (chunk.pcm.length * 1000) / chunk.rate;
    yield chunk;
  }
  yield* silenceSource(endMs);
}

function source(config: SatelliteConfig['audio']['input']) {
  switch (config.type) {
    case 'alsa':
      return alsaSource(config.device === undefined ? {} : { device: config.device });
    case 'wav':
      return config.then === 'silence'
        ? wavThenSilence(config.path, config.realtime)
        : wavFileSource(config.path, {
            realtime: config.realtime,
            tailSilenceMs: config.tailSilenceMs,
          });
    case 'stdin':
      return stdinSource(process.stdin, { rate: 16000 });
  }
}

function sink(config: SatelliteConfig['audio']['output']): AudioSink {
  switch (config.type) {
    case 'wav':
      return wavFileSink(config.path);
    case 'aplay':
      return aplaySink(config.device === undefined ? {} : { device: config.device });
    case 'speaker':
      return speakerSink();
    case 'null':
      return nullSink();
  }
}

/** The configured wake engine; Porcupine's native package is imported only when chosen. */
async function wakeEngine(config: SatelliteConfig): Promise<WakeEngine | 'hub'> {
  const { wake } = config;
  switch (wake.engine) {
    case 'hub':
      return 'hub';
    case 'openwakeword':
      return createOpenWakeWord({ wakeWords: wake.words, threshold: wake.threshold });
    case 'porcupine': {
      const { keyword, keywordPath, sensitivity } = wake.porcupine ?? {};
      // The config check already insists on a key; without one the engine names the env var too.
      const accessKey = config.secrets.picovoiceAccessKey ?? '';
      return createPorcupineWake({ accessKey, keyword, keywordPath, sensitivity });
    }
  }
}

/** What the hello tells the hub the satellite listens for. */
function wakeWords(config: SatelliteConfig): string[] {
  const { wake } = config;
  if (wake.engine === 'openwakeword' || wake.engine === 'hub') return wake.words;
  return [porcupineWakeWord(wake.porcupine ?? {})];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string' } } });
  if (!values.config) throw new SatelliteConfigError('usage: jarvis-satellite --config FILE');
  const config = await loadSatelliteConfig(values.config);
  const log = pino({ level: config.logLevel });
  const signer = await TokenSigner.fromPem(
    await readFile(config.privateKeyFile, 'utf8'),
    config.satelliteId,
    config.hubId,
  );
  const ca = config.caFile ? await readFile(config.caFile, 'utf8') : undefined;
  const hello: MqttLinkOptions['hello'] = {
    satelliteId: config.satelliteId,
    capabilities: {
      wakeWords: wakeWords(config),
      audioIn: { rate: 16000, width: 2, channels: 1 },
      audioOut: config.audio.output.type !== 'null',
      leds: config.leds !== undefined && config.leds.type !== 'log',
      ...(config.wake.engine === 'hub' ? { wakeOnHub: true } : {}),
    },
  };
  const mqtt = config.link === 'mqtt' ? config.mqtt : undefined;
  const link: SatelliteLink = mqtt
    ? new MqttLink({
        url: mqtt.url,
        ca,
        signer,
        log,
        hello,
        keepaliveS: mqtt.keepaliveS,
        ...(mqtt.passwordFile
          ? { password: (await readFile(mqtt.passwordFile, 'utf8')).trim() }
          : {}),
      })
    : new HubLink({ hubUrl: config.hubUrl, ...(ca ? { ca } : {}), signer, log, hello });
  const wake = await wakeEngine(config);
  const leds = createLeds(config.leds ?? { type: 'log' }, log);
  const out = sink(config.audio.output);
  const satellite = new Satellite({
    link,
    source: source(config.audio.input),
    sink: out,
    wake,
    leds,
    log,
    preRollMs: config.wake.preRollMs,
    gate: { thresholdDb: config.wake.gateThresholdDb },
  });
  // A stop may come before the hub was ever reached (systemd stopping a satellite whose hub is
  // down): it must end the wait for the link too, not only a running satellite.
  const stopped = new Promise<'stopped'>((resolve) => {
    const stop = () => {
      satellite.stop();
      resolve('stopped');
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  link.start();
  const ready = new Promise<'ready'>((resolve) => link.once('ready', () => resolve('ready')));
  if ((await Promise.race([ready, stopped])) === 'ready') await satellite.run();
  await link.stop();
  await Promise.allSettled([wake === 'hub' ? undefined : wake.close(), leds.close(), out.close()]);
}

main().catch((err: unknown) => {
  console.error(`jarvis-satellite: ${(err as Error).message}`);
  process.exit(1);
});
