export { startHub, type Hub, type HubOptions } from './server.js';
export { loadConfig, parseConfig, type HubConfig } from './config/config.js';
export type { Engines } from './engines/registry.js';
export type { SessionRecord } from './storage/sessions.js';
export { NO_LLM } from './pipeline/free-form.js';
