/**
 * Schemas of Home Assistant MQTT discovery: the payload fields this hub reads (after
 * abbreviations and `~` are expanded, see discovery-abbreviations.ts) and the normalised
 * {@link DiscoveredDevice} that discovery.ts builds from them. Types are derived from the schemas.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

export const DISCOVERY_COMPONENTS = [
  'light',
  'switch',
  'fan',
  'cover',
  'climate',
  'sensor',
  'binary_sensor',
] as const;
export type DiscoveryComponent = (typeof DISCOVERY_COMPONENTS)[number];

export const DEFAULT_DISCOVERY_PREFIX = 'homeassistant';

// --- the validated payload (after abbreviations and `~` are expanded) -------------------------

const Topic = Type.String({ minLength: 1, maxLength: 65_535 });
/** HA reads payload_on/off with cv.string, so `true` becomes "True" and 1 becomes "1". */
const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);
const Template = Type.String({ maxLength: 1_000 });
/** HA coerces numbers (vol.Coerce(float)): Zigbee2MQTT sends a climate's min_temp as "5". */
const Numeric = Type.Union([Type.Number(), Type.String({ pattern: '^\\s*-?\\d+(\\.\\d+)?\\s*$' })]);
const opt = <T extends TSchema>(schema: T) => Type.Optional(schema);
const optOrNull = <T extends TSchema>(schema: T) =>
  Type.Optional(Type.Union([schema, Type.Null()]));

const AvailabilityEntry = Type.Object({
  topic: Topic,
  payload_available: opt(Scalar),
  payload_not_available: opt(Scalar),
  value_template: opt(Template),
});

const DevicePayload = Type.Object({
  name: optOrNull(Type.String()),
  identifiers: opt(Type.Union([Type.String(), Type.Array(Type.String())])),
  suggested_area: optOrNull(Type.String()),
  manufacturer: opt(Type.String()),
  model: opt(Type.String()),
});

/** The discovery payload fields this hub reads. Unknown fields are allowed and ignored. */
export const DiscoveryPayloadSchema = Type.Object({
  name: optOrNull(Type.String()),
  unique_id: opt(Type.String({ minLength: 1 })),
  object_id: opt(Type.String()),
  device: opt(DevicePayload),
  device_class: optOrNull(Type.String()),
  state_class: optOrNull(Type.String()),
  unit_of_measurement: optOrNull(Type.String()),
  command_topic: opt(Topic),
  state_topic: opt(Topic),
  json_attributes_topic: opt(Topic),
  value_template: opt(Template),
  state_value_template: opt(Template),
  payload_on: optOrNull(Scalar),
  payload_off: optOrNull(Scalar),
  state_on: optOrNull(Scalar),
  state_off: optOrNull(Scalar),
  availability_topic: opt(Topic),
  availability_template: opt(Template),
  payload_available: opt(Scalar),
  payload_not_available: opt(Scalar),
  availability: opt(Type.Array(AvailabilityEntry, { maxItems: 16 })),
  availability_mode: opt(
    Type.Union([Type.Literal('latest'), Type.Literal('all'), Type.Literal('any')]),
  ),
  // light
  schema: opt(Type.String()),
  brightness: opt(Type.Boolean()),
  brightness_scale: opt(Type.Number({ exclusiveMinimum: 0 })),
  brightness_command_topic: opt(Topic),
  brightness_state_topic: opt(Topic),
  brightness_value_template: opt(Template),
  supported_color_modes: opt(Type.Array(Type.String())),
  color_temp: opt(Type.Boolean()),
  rgb: opt(Type.Boolean()),
  hs: opt(Type.Boolean()),
  xy: opt(Type.Boolean()),
  color_temp_command_topic: opt(Topic),
  rgb_command_topic: opt(Topic),
  hs_command_topic: opt(Topic),
  xy_command_topic: opt(Topic),
  min_mireds: opt(Numeric),
  max_mireds: opt(Numeric),
  // cover
  position_topic: opt(Topic),
  position_template: opt(Template),
  set_position_topic: opt(Topic),
  set_position_template: opt(Template),
  position_open: opt(Numeric),
  position_closed: opt(Numeric),
  payload_open: optOrNull(Scalar),
  payload_close: optOrNull(Scalar),
  payload_stop: optOrNull(Scalar),
  state_open: opt(Scalar),
  state_closed: opt(Scalar),
  // climate
  power_command_topic: opt(Topic),
  mode_command_topic: opt(Topic),
  mode_state_topic: opt(Topic),
  mode_state_template: opt(Template),
  modes: opt(Type.Array(Type.String())),
  temperature_command_topic: opt(Topic),
  temperature_state_topic: opt(Topic),
  temperature_state_template: opt(Template),
  current_temperature_topic: opt(Topic),
  current_temperature_template: opt(Template),
  min_temp: opt(Numeric),
  max_temp: opt(Numeric),
  temp_step: opt(Numeric),
  temperature_unit: opt(Type.String()),
});
export type DiscoveryPayload = Static<typeof DiscoveryPayloadSchema>;
export const checkDiscoveryPayload = TypeCompiler.Compile(DiscoveryPayloadSchema);

// --- the result ------------------------------------------------------------------------------

const Opt = <T extends TSchema>(schema: T) => Type.Optional(schema);
const Str = Type.String();

export const AvailabilitySchema = Type.Object({
  topic: Str,
  payloadAvailable: Str,
  payloadNotAvailable: Str,
  valueTemplate: Opt(Str),
});
export type Availability = Static<typeof AvailabilitySchema>;

/** One discovered entity, normalised: defaults filled in, abbreviations and `~` gone. */
export const DiscoveredDeviceSchema = Type.Object({
  /** unique_id when given, else `<component>/[<node_id>/]<object_id>` from the config topic. */
  id: Str,
  component: Type.Union(DISCOVERY_COMPONENTS.map((c) => Type.Literal(c))),
  configTopic: Str,
  /** Spoken name: the entity's name, else its device's name, else the object id in words. */
  name: Str,
  /** The device's suggested_area, when it gives one. */
  room: Opt(Str),
  deviceName: Opt(Str),
  deviceIdentifiers: Type.Array(Str),
  /**
   * Where on/off (open/close for covers) is sent: command_topic for light, switch, fan and cover,
   * power_command_topic for climate. Absent for sensors and for covers or climates without one.
   */
  commandTopic: Opt(Str),
  /** How the on/off command is written: the bare payload, or `{"state": …}` for JSON lights. */
  commandFormat: Type.Union([Type.Literal('plain'), Type.Literal('json')]),
  stateTopic: Opt(Str),
  /** Sent to turn on (cover: payload_open). */
  payloadOn: Str,
  payloadOff: Str,
  /** A state report meaning on (cover: state_open); HA defaults it to payload_on. */
  stateOn: Str,
  stateOff: Str,
  /** Applied to state_topic payloads before they are compared with stateOn/stateOff. */
  stateTemplate: Opt(Str),
  availability: Type.Array(AvailabilitySchema),
  availabilityMode: Type.Union([Type.Literal('latest'), Type.Literal('all'), Type.Literal('any')]),
  jsonAttributesTopic: Opt(Str),
  deviceClass: Opt(Str),
  unit: Opt(Str),
  brightness: Opt(
    Type.Object({
      scale: Type.Number(),
      commandTopic: Opt(Str),
      stateTopic: Opt(Str),
      valueTemplate: Opt(Str),
    }),
  ),
  color: Opt(
    Type.Object({
      modes: Type.Array(Str),
      minMireds: Opt(Type.Number()),
      maxMireds: Opt(Type.Number()),
    }),
  ),
  position: Opt(
    Type.Object({
      topic: Opt(Str),
      template: Opt(Str),
      setTopic: Opt(Str),
      /** `{ "position": {{ position }} }` (Zigbee2MQTT): the payload around the number. */
      setTemplate: Opt(Str),
      open: Type.Number(),
      closed: Type.Number(),
    }),
  ),
  temperature: Opt(
    Type.Object({
      commandTopic: Opt(Str),
      stateTopic: Opt(Str),
      stateTemplate: Opt(Str),
      currentTopic: Opt(Str),
      currentTemplate: Opt(Str),
      min: Opt(Type.Number()),
      max: Opt(Type.Number()),
      step: Opt(Type.Number()),
      unit: Opt(Str),
    }),
  ),
  mode: Opt(
    Type.Object({
      commandTopic: Opt(Str),
      stateTopic: Opt(Str),
      stateTemplate: Opt(Str),
      modes: Type.Array(Str),
    }),
  ),
  /** Config keys whose templates are outside the supported subset (see value-template.ts). */
  unsupportedTemplates: Type.Array(Str),
});
export type DiscoveredDevice = Static<typeof DiscoveredDeviceSchema>;

export type DiscoveryErrorCode =
  | 'bad-topic'
  | 'unsupported-component'
  | 'too-large'
  | 'bad-json'
  | 'invalid-config'
  | 'missing-command-topic'
  | 'missing-state-topic'
  /** Raised by the registry: a second config topic announced a unique_id already in use. */
  | 'duplicate-unique-id';

export interface DiscoveryError {
  readonly code: DiscoveryErrorCode;
  readonly topic: string;
  /** What is wrong, for a log line. */
  readonly reason: string;
}

export type DiscoveryResult =
  | { readonly kind: 'config'; readonly device: DiscoveredDevice }
  | {
      readonly kind: 'removed';
      readonly configTopic: string;
      readonly component: DiscoveryComponent;
      /** The topic-derived id; the registry maps the topic to the unique_id it announced. */
      readonly topicId: string;
    }
  | { readonly kind: 'error'; readonly error: DiscoveryError };
