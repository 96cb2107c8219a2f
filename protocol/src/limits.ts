/** Largest JSON event accepted, in UTF-8 bytes. */
export const MAX_JSON_BYTES = 64 * 1024;
/** Largest binary audio frame accepted, header included, in bytes. */
export const MAX_AUDIO_FRAME_BYTES = 64 * 1024;
/** Largest retained MQTT status payload accepted, in bytes. */
export const MAX_STATUS_BYTES = 1024;
/** Satellite ids: lowercase, usable as one MQTT topic level and as a file name. */
export const SATELLITE_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';
/** Session ids: what `randomUUID()` and short test ids produce; safe in logs and topics. */
export const SESSION_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
/** Longest spoken text (transcript, reply) carried in one event. */
export const MAX_TEXT_CHARS = 2000;
/** Names: wake words, intents, hub id, satellite display name and room. */
export const MAX_NAME_CHARS = 64;
/** Free-form software/version string in `hello`. */
export const MAX_SOFTWARE_CHARS = 128;
/** Error events: a short machine code and a human message. */
export const MAX_ERROR_CODE_CHARS = 64;
export const MAX_ERROR_MESSAGE_CHARS = 500;
/** Intent slots: at most this many entries, each value at most this long. */
export const MAX_SLOTS = 16;
export const MAX_SLOT_VALUE_CHARS = 200;
/** Wake words a satellite may announce or be configured with. */
export const MAX_WAKE_WORDS = 8;
/** Protocol versions a satellite may offer in `hello`. */
export const MAX_OFFERED_VERSIONS = 8;
/** Largest timestamp accepted (year ~5138): bounds every epoch-ms field. */
export const MAX_EPOCH_MS = 1e14;
