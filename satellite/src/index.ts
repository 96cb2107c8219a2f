export { Satellite, type SatelliteOptions } from './satellite.js';
export { HubLink, type HubLinkOptions } from './link/hub-link.js';
export { MqttLink, type MqttLinkOptions } from './link/mqtt-link.js';
export type { SatelliteLink, SatelliteLinkEvents } from './link/link.js';
export { TokenSigner } from './link/token.js';
export { Backoff } from './link/backoff.js';
export { createOpenWakeWord } from './wake/openwakeword.js';
export type { WakeEngine, WakeDetection } from '@jarvis/protocol';
export { wavFileSource, wavSource, stdinSource, alsaSource } from './audio/sources.js';
export { wavFileSink, aplaySink, speakerSink, nullSink, type AudioSink } from './audio/sinks.js';
export { createLeds, logLeds, type Leds } from './gpio/leds.js';
export {
  loadSatelliteConfig,
  parseSatelliteConfig,
  type SatelliteConfig,
} from './config/config.js';
