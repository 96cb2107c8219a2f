export * from './audio-chunk.js';
export * from './wav.js';
