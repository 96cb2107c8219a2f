/**
 * Expansion of the abbreviated keys and the `~` base topic that Home Assistant MQTT discovery
 * payloads may use (https://www.home-assistant.io/integrations/mqtt/#discovery-messages,
 * "Using abbreviations and base topic"). Only the keys this hub reads are listed; any other key is
 * kept as it came, which is harmless because nothing reads it.
 */

/** Entity keys: abbreviation → full name. */
const ENTITY: Readonly<Record<string, string>> = {
  avty: 'availability',
  avty_mode: 'availability_mode',
  avty_t: 'availability_topic',
  avty_tpl: 'availability_template',
  bri_cmd_t: 'brightness_command_topic',
  bri_scl: 'brightness_scale',
  bri_stat_t: 'brightness_state_topic',
  bri_val_tpl: 'brightness_value_template',
  clr_temp_cmd_t: 'color_temp_command_topic',
  clr_temp_stat_t: 'color_temp_state_topic',
  cmd_t: 'command_topic',
  curr_temp_t: 'current_temperature_topic',
  curr_temp_tpl: 'current_temperature_template',
  dev: 'device',
  dev_cla: 'device_class',
  hs_cmd_t: 'hs_command_topic',
  json_attr_t: 'json_attributes_topic',
  json_attr_tpl: 'json_attributes_template',
  max_mirs: 'max_mireds',
  min_mirs: 'min_mireds',
  mode_cmd_t: 'mode_command_topic',
  mode_stat_t: 'mode_state_topic',
  mode_stat_tpl: 'mode_state_template',
  obj_id: 'object_id',
  pl_avail: 'payload_available',
  pl_cls: 'payload_close',
  pl_not_avail: 'payload_not_available',
  pl_off: 'payload_off',
  pl_on: 'payload_on',
  pl_open: 'payload_open',
  pl_stop: 'payload_stop',
  pos_clsd: 'position_closed',
  pos_open: 'position_open',
  pos_t: 'position_topic',
  pos_tpl: 'position_template',
  pow_cmd_t: 'power_command_topic',
  rgb_cmd_t: 'rgb_command_topic',
  set_pos_t: 'set_position_topic',
  set_pos_tpl: 'set_position_template',
  stat_cla: 'state_class',
  stat_closing: 'state_closing',
  stat_clsd: 'state_closed',
  stat_off: 'state_off',
  stat_on: 'state_on',
  stat_open: 'state_open',
  stat_opening: 'state_opening',
  stat_t: 'state_topic',
  stat_val_tpl: 'state_value_template',
  sup_clrm: 'supported_color_modes',
  t: 'topic',
  temp_cmd_t: 'temperature_command_topic',
  temp_stat_t: 'temperature_state_topic',
  temp_stat_tpl: 'temperature_state_template',
  temp_unit: 'temperature_unit',
  uniq_id: 'unique_id',
  unit_of_meas: 'unit_of_measurement',
  val_tpl: 'value_template',
  xy_cmd_t: 'xy_command_topic',
};

/** Keys inside `device`. */
const DEVICE: Readonly<Record<string, string>> = {
  cns: 'connections',
  cu: 'configuration_url',
  ids: 'identifiers',
  mdl: 'model',
  mf: 'manufacturer',
  sa: 'suggested_area',
  sw: 'sw_version',
};

export const TOPIC_BASE = '~';

type Json = Record<string, unknown>;

const isObject = (x: unknown): x is Json =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

function expandKeys(obj: Json, table: Readonly<Record<string, string>>): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(obj)) {
    if (key === '__proto__') continue; // an own key after JSON.parse; assigning it would swap out's prototype
    // HA pops the abbreviation over the full key, so the abbreviation wins when both are given.
    const full = Object.hasOwn(table, key) ? table[key] : undefined;
    if (full === undefined) {
      if (!Object.hasOwn(out, key)) out[key] = value;
    } else out[full] = value;
  }
  return out;
}

function withBase(value: unknown, base: string): unknown {
  if (typeof value !== 'string' || value.length === 0) return value;
  if (value.startsWith(TOPIC_BASE)) return base + value.slice(1);
  if (value.endsWith(TOPIC_BASE)) return value.slice(0, -1) + base;
  return value;
}

/**
 * Expands abbreviations (entity keys, `device` keys, keys of each `availability` entry), then
 * replaces `~` at the start or end of every `*_topic` value and of each availability `topic`,
 * as HA's discovery.py does (`_replace_all_abbreviations`, `_replace_topic_base`). A `~` in the
 * middle of a topic, or in a value whose key is not a topic, is left alone.
 */
export function expandDiscoveryPayload(raw: Json): Json {
  const payload = expandKeys(raw, ENTITY);
  if (isObject(payload.device)) payload.device = expandKeys(payload.device, DEVICE);
  if (Array.isArray(payload.availability)) {
    payload.availability = (payload.availability as unknown[]).map((a) =>
      isObject(a) ? expandKeys(a, ENTITY) : a,
    );
  }
  const base = payload[TOPIC_BASE];
  if (typeof base !== 'string') return payload;
  delete payload[TOPIC_BASE];
  for (const [key, value] of Object.entries(payload)) {
    if (key.endsWith('topic')) payload[key] = withBase(value, base);
  }
  if (Array.isArray(payload.availability)) {
    payload.availability = (payload.availability as unknown[]).map((a) =>
      isObject(a) ? { ...a, topic: withBase(a.topic, base) } : a,
    );
  }
  return payload;
}
