/** The Wyoming protocol (rhasspy/wyoming): remote STT/TTS/wake clients, and a server for ours. */
export { createWyomingStt, type WyomingSttOptions } from './stt.js';
export { createWyomingTts, type WyomingTtsOptions } from './tts.js';
export { createWyomingWake, type WyomingWakeOptions } from './wake.js';
export { startWyomingServer, type WyomingServer, type WyomingServerOptions } from './server.js';
export { WyomingClient, parseWyomingUrl, type WyomingClientOptions } from './client.js';
export type { DecoderLimits } from './codec.js';
