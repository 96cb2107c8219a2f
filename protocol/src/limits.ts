/** Largest JSON event accepted, in bytes. */
export const MAX_JSON_BYTES = 64 * 1024;
/** Largest binary audio frame accepted, header included, in bytes. */
export const MAX_AUDIO_FRAME_BYTES = 64 * 1024;
/** Satellite ids: lowercase, usable in MQTT topics and file names. */
export const SATELLITE_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';
/** Longest spoken text (transcript, reply) carried in one event. */
export const MAX_TEXT_CHARS = 2000;
