/**
 * Parses Home Assistant MQTT discovery config messages
 * (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery) into {@link DiscoveredDevice}s.
 *
 * Topic: `<prefix>/<component>/[<node_id>/]<object_id>/config`. Payload: a JSON object, possibly
 * with abbreviated keys and a `~` base topic; an empty payload removes the entity. Only the
 * components a voice assistant acts on or reads are handled: light, switch, fan, cover, climate,
 * sensor, binary_sensor. Nothing here throws: every problem comes back as a {@link DiscoveryError}.
 */
import { expandDiscoveryPayload } from './discovery-abbreviations.js';
import {
  checkDiscoveryPayload,
  DEFAULT_DISCOVERY_PREFIX,
  DISCOVERY_COMPONENTS,
  type Availability,
  type DiscoveredDevice,
  type DiscoveryComponent,
  type DiscoveryErrorCode,
  type DiscoveryPayload,
  type DiscoveryResult,
} from './discovery-schema.js';
import { compileValueTemplate } from './value-template.js';

export * from './discovery-schema.js';

/** Configs are a few KiB; anything far larger is not a discovery message. */
const MAX_PAYLOAD_BYTES = 64 * 1024;

// --- parsing ---------------------------------------------------------------------------------

export interface DiscoveryTopic {
  readonly component: string;
  readonly nodeId?: string | undefined;
  readonly objectId: string;
}

/** HA discovery.py TOPIC_MATCHER: node and object ids are [a-zA-Z0-9_-]+. */
const TOPIC = /^(\w+)\/(?:([a-zA-Z0-9_-]+)\/)?([a-zA-Z0-9_-]+)\/config$/;

export function parseDiscoveryTopic(
  topic: string,
  prefix = DEFAULT_DISCOVERY_PREFIX,
): DiscoveryTopic | undefined {
  if (!topic.startsWith(`${prefix}/`)) return undefined;
  const m = TOPIC.exec(topic.slice(prefix.length + 1));
  if (!m?.[1] || !m[3]) return undefined;
  return { component: m[1], nodeId: m[2], objectId: m[3] };
}

const isComponent = (c: string): c is DiscoveryComponent =>
  (DISCOVERY_COMPONENTS as readonly string[]).includes(c);

/** Python's str() of a config scalar, which is what HA compares payloads against. */
function pyStr(x: string | number | boolean): string {
  if (typeof x === 'boolean') return x ? 'True' : 'False';
  return String(x);
}

const scalar = (x: string | number | boolean | null | undefined, fallback: string): string =>
  x === undefined || x === null ? fallback : pyStr(x);

const spokenId = (id: string): string => id.replace(/[_-]+/g, ' ').trim();

const fail = (code: DiscoveryErrorCode, topic: string, reason: string): DiscoveryResult => ({
  kind: 'error',
  error: { code, topic, reason },
});

/** MQTT 3.1.1 §4.7.1: wildcards may be used in subscriptions, never in a topic published to. */
const hasWildcard = (t: string): boolean => t.includes('+') || t.includes('#');

/**
 * Parses one message from the discovery topic tree. Never throws.
 * @param prefix the discovery prefix, `homeassistant` unless HA was configured otherwise.
 */
export function parseDiscoveryMessage(
  topic: string,
  payload: Buffer | string,
  prefix = DEFAULT_DISCOVERY_PREFIX,
): DiscoveryResult {
  const parsedTopic = parseDiscoveryTopic(topic, prefix);
  if (!parsedTopic) {
    return fail('bad-topic', topic, `not <prefix>/<component>/[<node_id>/]<object_id>/config`);
  }
  const { component, nodeId, objectId } = parsedTopic;
  if (!isComponent(component)) {
    return fail('unsupported-component', topic, `component "${component}" is not handled`);
  }
  const topicId = `${component}/${nodeId ? `${nodeId}/` : ''}${objectId}`;
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  // HA: an empty payload deletes the entity.
  if (size === 0) return { kind: 'removed', configTopic: topic, component, topicId };
  if (size > MAX_PAYLOAD_BYTES) return fail('too-large', topic, `payload of ${size} bytes`);

  let raw: unknown;
  try {
    raw = JSON.parse(payload.toString());
  } catch (err) {
    return fail('bad-json', topic, `payload is not JSON: ${(err as Error).message}`);
  }
  // HA discovery.py json_loads_object: the payload must be a JSON object.
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return fail('bad-json', topic, 'payload is not a JSON object');
  }
  const expanded = expandDiscoveryPayload(raw as Record<string, unknown>);
  if (!checkDiscoveryPayload.Check(expanded)) {
    const first = checkDiscoveryPayload.Errors(expanded).First();
    const where = first?.path ? first.path.slice(1).replace(/\//g, '.') : 'payload';
    return fail('invalid-config', topic, `${where}: ${first?.message ?? 'invalid'}`);
  }
  return build(expanded, { component, topic, topicId, objectId });
}

interface Origin {
  readonly component: DiscoveryComponent;
  readonly topic: string;
  readonly topicId: string;
  readonly objectId: string;
}

function build(p: DiscoveryPayload, o: Origin): DiscoveryResult {
  const { component, topic } = o;
  // HA's MQTT_RW_SCHEMA makes command_topic required for light, switch and fan.
  const needsCommand = component === 'light' || component === 'switch' || component === 'fan';
  if (needsCommand && p.command_topic === undefined) {
    return fail('missing-command-topic', topic, `a ${component} needs command_topic (cmd_t)`);
  }
  // HA's MQTT_RO_SCHEMA makes state_topic required for sensor and binary_sensor.
  if ((component === 'sensor' || component === 'binary_sensor') && p.state_topic === undefined) {
    return fail('missing-state-topic', topic, `a ${component} needs state_topic (stat_t)`);
  }
  // HA's availability schema: availability and availability_topic are mutually exclusive.
  if (p.availability !== undefined && p.availability_topic !== undefined) {
    return fail('invalid-config', topic, 'availability and availability_topic are exclusive');
  }
  const schema = p.schema ?? 'default';
  if (component === 'light' && schema !== 'default' && schema !== 'basic' && schema !== 'json') {
    return fail('invalid-config', topic, `light schema "${schema}" is not supported`);
  }
  const jsonLight = component === 'light' && schema === 'json';

  const commandTopic =
    component === 'climate'
      ? p.power_command_topic
      : component === 'sensor' || component === 'binary_sensor'
        ? undefined
        : p.command_topic;
  for (const [key, t] of [
    ['command_topic', commandTopic],
    ['set_position_topic', p.set_position_topic],
    ['temperature_command_topic', p.temperature_command_topic],
    ['mode_command_topic', p.mode_command_topic],
    ['brightness_command_topic', p.brightness_command_topic],
  ] as const) {
    if (t !== undefined && hasWildcard(t)) {
      return fail('invalid-config', topic, `${key} "${t}" contains a wildcard`);
    }
  }

  const cover = component === 'cover';
  const words = onOffWords(p, cover, jsonLight);

  // Lights and fans name their state template state_value_template, the rest value_template;
  // a JSON-schema light has none, HA reads `state` from its JSON (HA light docs, JSON schema).
  // Climate has no state topic of its own (its templates are in temperature and mode).
  const stateTemplate = jsonLight
    ? '{{ value_json.state }}'
    : component === 'light' || component === 'fan'
      ? (p.state_value_template ?? p.value_template)
      : component === 'climate'
        ? undefined
        : p.value_template;

  const device = p.device;
  const entityName = typeof p.name === 'string' && p.name.trim() !== '' ? p.name : undefined;
  const deviceName =
    typeof device?.name === 'string' && device.name.trim() !== '' ? device.name : undefined;
  const ids = device?.identifiers;

  const out: DiscoveredDevice = {
    id: p.unique_id ?? o.topicId,
    component,
    configTopic: topic,
    name: entityName ?? deviceName ?? spokenId(p.object_id ?? o.objectId),
    room:
      typeof device?.suggested_area === 'string' && device.suggested_area.trim() !== ''
        ? device.suggested_area
        : undefined,
    deviceName,
    deviceIdentifiers: ids === undefined ? [] : typeof ids === 'string' ? [ids] : ids,
    commandTopic,
    commandFormat: jsonLight ? 'json' : 'plain',
    stateTopic: p.state_topic,
    ...words,
    stateTemplate,
    availability: availability(p),
    availabilityMode: p.availability_mode ?? 'latest',
    jsonAttributesTopic: p.json_attributes_topic,
    deviceClass: p.device_class ?? undefined,
    unit: p.unit_of_measurement ?? undefined,
    brightness: component === 'light' ? brightness(p, jsonLight) : undefined,
    color: component === 'light' ? color(p, jsonLight) : undefined,
    position: cover ? position(p) : undefined,
    temperature: component === 'climate' ? temperature(p) : undefined,
    mode: component === 'climate' ? mode(p) : undefined,
    unsupportedTemplates: [],
  };
  out.unsupportedTemplates = unsupportedTemplates(out);
  return { kind: 'config', device: out };
}

type OnOffWords = Pick<DiscoveredDevice, 'payloadOn' | 'payloadOff' | 'stateOn' | 'stateOff'>;

function onOffWords(p: DiscoveryPayload, cover: boolean, jsonLight: boolean): OnOffWords {
  // HA cover defaults: OPEN/CLOSE commands, open/closed states; "turn on" a cover opens it.
  if (cover) {
    return {
      payloadOn: scalar(p.payload_open, 'OPEN'),
      payloadOff: scalar(p.payload_close, 'CLOSE'),
      stateOn: scalar(p.state_open, 'open'),
      stateOff: scalar(p.state_closed, 'closed'),
    };
  }
  // A JSON-schema light always writes "ON"/"OFF" inside its JSON, whatever payload_on says.
  if (jsonLight) return { payloadOn: 'ON', payloadOff: 'OFF', stateOn: 'ON', stateOff: 'OFF' };
  const payloadOn = scalar(p.payload_on, 'ON');
  const payloadOff = scalar(p.payload_off, 'OFF');
  // HA switch: state_on/state_off default to payload_on/payload_off.
  return {
    payloadOn,
    payloadOff,
    stateOn: scalar(p.state_on, payloadOn),
    stateOff: scalar(p.state_off, payloadOff),
  };
}

function availability(p: DiscoveryPayload): Availability[] {
  if (p.availability) {
    return p.availability.map((a) => ({
      topic: a.topic,
      payloadAvailable: scalar(a.payload_available, 'online'),
      payloadNotAvailable: scalar(a.payload_not_available, 'offline'),
      valueTemplate: a.value_template,
    }));
  }
  if (p.availability_topic === undefined) return [];
  return [
    {
      topic: p.availability_topic,
      payloadAvailable: scalar(p.payload_available, 'online'),
      payloadNotAvailable: scalar(p.payload_not_available, 'offline'),
      valueTemplate: p.availability_template,
    },
  ];
}

/** Color modes that carry no colour (HA light docs, "supported_color_modes"). */
const NOT_COLOR = new Set(['onoff', 'brightness']);

function brightness(p: DiscoveryPayload, json: boolean): DiscoveredDevice['brightness'] {
  if (json) {
    // JSON schema: `brightness: true`, or any color mode but onoff, which all imply dimming.
    const modes = p.supported_color_modes;
    const dims = p.brightness === true || (modes?.some((m) => m !== 'onoff') ?? false);
    return dims ? { scale: p.brightness_scale ?? 255 } : undefined;
  }
  if (p.brightness_command_topic === undefined && p.brightness_state_topic === undefined) {
    return undefined;
  }
  return {
    scale: p.brightness_scale ?? 255,
    commandTopic: p.brightness_command_topic,
    stateTopic: p.brightness_state_topic,
    valueTemplate: p.brightness_value_template,
  };
}

function color(p: DiscoveryPayload, json: boolean): DiscoveredDevice['color'] {
  const modes = new Set((p.supported_color_modes ?? []).filter((m) => !NOT_COLOR.has(m)));
  if (json) {
    // The older JSON-schema flags, still sent by some bridges.
    if (p.color_temp === true) modes.add('color_temp');
    if (p.rgb === true) modes.add('rgb');
    if (p.hs === true) modes.add('hs');
    if (p.xy === true) modes.add('xy');
  } else {
    if (p.color_temp_command_topic !== undefined) modes.add('color_temp');
    if (p.rgb_command_topic !== undefined) modes.add('rgb');
    if (p.hs_command_topic !== undefined) modes.add('hs');
    if (p.xy_command_topic !== undefined) modes.add('xy');
  }
  if (modes.size === 0) return undefined;
  return { modes: [...modes], minMireds: numeric(p.min_mireds), maxMireds: numeric(p.max_mireds) };
}

/** A number the schema let through as a number or a numeric string. */
const numeric = (v: number | string | undefined): number | undefined =>
  v === undefined ? undefined : Number(v);

function position(p: DiscoveryPayload): DiscoveredDevice['position'] {
  if (p.position_topic === undefined && p.set_position_topic === undefined) return undefined;
  return {
    topic: p.position_topic,
    template: p.position_template,
    setTopic: p.set_position_topic,
    setTemplate: p.set_position_template,
    // HA cover defaults: 100 is fully open, 0 fully closed.
    open: numeric(p.position_open) ?? 100,
    closed: numeric(p.position_closed) ?? 0,
  };
}

function temperature(p: DiscoveryPayload): DiscoveredDevice['temperature'] {
  const has =
    p.temperature_command_topic ?? p.temperature_state_topic ?? p.current_temperature_topic;
  if (has === undefined) return undefined;
  return {
    commandTopic: p.temperature_command_topic,
    stateTopic: p.temperature_state_topic,
    stateTemplate: p.temperature_state_template ?? p.value_template,
    currentTopic: p.current_temperature_topic,
    currentTemplate: p.current_temperature_template ?? p.value_template,
    min: numeric(p.min_temp),
    max: numeric(p.max_temp),
    step: numeric(p.temp_step),
    unit: p.temperature_unit,
  };
}

/** HA climate's default modes list. */
const CLIMATE_MODES = ['auto', 'off', 'cool', 'heat', 'dry', 'fan_only'];

function mode(p: DiscoveryPayload): DiscoveredDevice['mode'] {
  if (p.mode_command_topic === undefined && p.mode_state_topic === undefined) return undefined;
  return {
    commandTopic: p.mode_command_topic,
    stateTopic: p.mode_state_topic,
    stateTemplate: p.mode_state_template ?? p.value_template,
    modes: p.modes ?? CLIMATE_MODES,
  };
}

function unsupportedTemplates(d: DiscoveredDevice): string[] {
  const templates: [string, string | undefined][] = [
    ['state', d.stateTemplate],
    ['brightness', d.brightness?.valueTemplate],
    ['position', d.position?.template],
    ['temperature', d.temperature?.stateTemplate],
    ['current_temperature', d.temperature?.currentTemplate],
    ['mode', d.mode?.stateTemplate],
    ...d.availability.map((a, i): [string, string | undefined] => [
      `availability[${i}]`,
      a.valueTemplate,
    ]),
  ];
  return templates
    .filter(([, t]) => t !== undefined && compileValueTemplate(t) === undefined)
    .map(([key]) => key);
}

/**
 * The payload that switches a device on or off: the bare payload_on/payload_off, or for a
 * JSON-schema light the JSON document HA would send (`{"state":"ON"}`).
 */
export function onOffPayload(d: DiscoveredDevice, on: boolean): string {
  const payload = on ? d.payloadOn : d.payloadOff;
  return d.commandFormat === 'json' ? JSON.stringify({ state: on ? 'ON' : 'OFF' }) : payload;
}
