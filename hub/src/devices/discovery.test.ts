/**
 * Discovery payloads written in the shapes each bridge documents and publishes:
 * Zigbee2MQTT (full keys, JSON-schema lights, availability lists), Tasmota (abbreviated keys and a
 * `~` base topic), ESPHome (abbreviated keys, node id in the topic, `sa` for the area).
 */
import { describe, expect, it } from 'vitest';
import {
  onOffPayload,
  parseDiscoveryMessage,
  parseDiscoveryTopic,
  type DiscoveredDevice,
  type DiscoveryResult,
} from './discovery.js';
import { Z2M_BLINDS, Z2M_RADIATOR } from '../../../tests/support/zigbee2mqtt.js';

function device(result: DiscoveryResult): DiscoveredDevice {
  if (result.kind !== 'config') throw new Error(`expected a config, got ${JSON.stringify(result)}`);
  return result.device;
}

function errorOf(result: DiscoveryResult): { code: string; reason: string } {
  if (result.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(result)}`);
  return result.error;
}

const without = (o: object, key: string): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

const parse = (topic: string, payload: unknown): DiscoveryResult =>
  parseDiscoveryMessage(topic, typeof payload === 'string' ? payload : JSON.stringify(payload));

const Z2M_LIGHT_TOPIC = 'homeassistant/light/0x000b57fffec6a5b2/light/config';
const z2mLight = {
  availability: [
    { topic: 'zigbee2mqtt/bridge/state', value_template: '{{ value_json.state }}' },
    { topic: 'zigbee2mqtt/Kitchen Ceiling/availability', value_template: '{{ value_json.state }}' },
  ],
  availability_mode: 'all',
  brightness: true,
  brightness_scale: 254,
  command_topic: 'zigbee2mqtt/Kitchen Ceiling/set',
  device: {
    identifiers: ['zigbee2mqtt_0x000b57fffec6a5b2'],
    manufacturer: 'IKEA',
    model: 'TRADFRI bulb E27 WS opal 980lm',
    name: 'Kitchen Ceiling',
    suggested_area: 'Kitchen',
    via_device: 'zigbee2mqtt_bridge_0x00124b0022813501',
  },
  effect: true,
  effect_list: ['blink', 'breathe', 'okay'],
  json_attributes_topic: 'zigbee2mqtt/Kitchen Ceiling',
  max_mireds: 454,
  min_mireds: 250,
  name: null,
  object_id: 'kitchen_ceiling',
  origin: { name: 'Zigbee2MQTT', sw: '1.39.0', url: 'https://www.zigbee2mqtt.io' },
  schema: 'json',
  state_topic: 'zigbee2mqtt/Kitchen Ceiling',
  supported_color_modes: ['color_temp'],
  unique_id: '0x000b57fffec6a5b2_light_zigbee2mqtt',
};

const TASMOTA_SWITCH_TOPIC = 'homeassistant/switch/5C1A3F_RL_1/config';
const tasmotaSwitch = {
  name: 'Hall Lamp',
  cmd_t: '~cmnd/POWER',
  stat_t: '~tele/STATE',
  val_tpl: '{{value_json.POWER}}',
  pl_off: 'OFF',
  pl_on: 'ON',
  avty_t: '~tele/LWT',
  pl_avail: 'Online',
  pl_not_avail: 'Offline',
  uniq_id: '5C1A3F_RL_1',
  dev: { ids: ['5C1A3F'], cns: [['mac', '84:0D:8E:5C:1A:3F']] },
  '~': 'hall_plug/',
};

const ESPHOME_DEV = {
  ids: 'a4cf12f3e9b0',
  name: 'hallway-node',
  sw: 'esphome v2024.4.1 Apr 20 2024, 10:12:00',
  mdl: 'esp32dev',
  mf: 'espressif',
  sa: 'Hallway',
};

describe('discovery topics', () => {
  it('reads-component-node-and-object-ids', () => {
    expect(
      parseDiscoveryTopic('homeassistant/binary_sensor/hallway-node/front_door/config'),
    ).toEqual({ component: 'binary_sensor', nodeId: 'hallway-node', objectId: 'front_door' });
    expect(parseDiscoveryTopic('homeassistant/switch/5C1A3F_RL_1/config')).toEqual({
      component: 'switch',
      nodeId: undefined,
      objectId: '5C1A3F_RL_1',
    });
    expect(parseDiscoveryTopic('ha/switch/x/config', 'ha')?.objectId).toBe('x');
  });

  it('refuses-topics-outside-the-documented-shape', () => {
    expect(parseDiscoveryTopic('homeassistant/switch/x/state')).toBeUndefined();
    expect(parseDiscoveryTopic('homeassistant/switch/a b/config')).toBeUndefined();
    expect(parseDiscoveryTopic('other/switch/x/config')).toBeUndefined();
    expect(errorOf(parse('homeassistant/switch/a.b/config', tasmotaSwitch)).code).toBe('bad-topic');
  });
});

describe('discovery payloads', () => {
  it('reads-a-zigbee2mqtt-json-schema-light-with-brightness', () => {
    const d = device(parse(Z2M_LIGHT_TOPIC, z2mLight));
    expect(d).toMatchObject({
      id: '0x000b57fffec6a5b2_light_zigbee2mqtt',
      component: 'light',
      configTopic: Z2M_LIGHT_TOPIC,
      name: 'Kitchen Ceiling', // name: null means "use the device's name"
      room: 'Kitchen',
      deviceName: 'Kitchen Ceiling',
      deviceIdentifiers: ['zigbee2mqtt_0x000b57fffec6a5b2'],
      commandTopic: 'zigbee2mqtt/Kitchen Ceiling/set',
      commandFormat: 'json',
      stateTopic: 'zigbee2mqtt/Kitchen Ceiling',
      stateTemplate: '{{ value_json.state }}',
      payloadOn: 'ON',
      payloadOff: 'OFF',
      stateOn: 'ON',
      stateOff: 'OFF',
      availabilityMode: 'all',
      jsonAttributesTopic: 'zigbee2mqtt/Kitchen Ceiling',
      brightness: { scale: 254 },
      color: { modes: ['color_temp'], minMireds: 250, maxMireds: 454 },
      unsupportedTemplates: [],
    });
    expect(d.availability).toEqual([
      {
        topic: 'zigbee2mqtt/bridge/state',
        payloadAvailable: 'online',
        payloadNotAvailable: 'offline',
        valueTemplate: '{{ value_json.state }}',
      },
      {
        topic: 'zigbee2mqtt/Kitchen Ceiling/availability',
        payloadAvailable: 'online',
        payloadNotAvailable: 'offline',
        valueTemplate: '{{ value_json.state }}',
      },
    ]);
    expect(onOffPayload(d, true)).toBe('{"state":"ON"}');
    expect(onOffPayload(d, false)).toBe('{"state":"OFF"}');
  });

  it('reads-a-tasmota-switch-with-abbreviations-and-a-base-topic', () => {
    const d = device(parse(TASMOTA_SWITCH_TOPIC, tasmotaSwitch));
    expect(d).toMatchObject({
      id: '5C1A3F_RL_1',
      component: 'switch',
      name: 'Hall Lamp',
      room: undefined,
      deviceIdentifiers: ['5C1A3F'],
      commandTopic: 'hall_plug/cmnd/POWER',
      commandFormat: 'plain',
      stateTopic: 'hall_plug/tele/STATE',
      stateTemplate: '{{value_json.POWER}}',
      payloadOn: 'ON',
      payloadOff: 'OFF',
      availabilityMode: 'latest',
      availability: [
        { topic: 'hall_plug/tele/LWT', payloadAvailable: 'Online', payloadNotAvailable: 'Offline' },
      ],
    });
    expect(onOffPayload(d, true)).toBe('ON');
  });

  it('reads-a-tasmota-dimmer-light-in-the-default-schema', () => {
    const d = device(
      parse('homeassistant/light/5C1A40_LI_1/config', {
        name: 'Desk Dimmer',
        cmd_t: '~cmnd/POWER',
        stat_t: '~tele/STATE',
        stat_val_tpl: '{{value_json.POWER}}',
        pl_off: 'OFF',
        pl_on: 'ON',
        bri_cmd_t: '~cmnd/Dimmer',
        bri_stat_t: '~tele/STATE',
        bri_scl: 100,
        on_cmd_type: 'brightness',
        bri_val_tpl: '{{value_json.Dimmer}}',
        avty_t: '~tele/LWT',
        pl_avail: 'Online',
        pl_not_avail: 'Offline',
        uniq_id: '5C1A40_LI_1',
        dev: { ids: ['5C1A40'] },
        '~': 'desk_dimmer/',
      }),
    );
    expect(d.commandFormat).toBe('plain');
    expect(d.stateTemplate).toBe('{{value_json.POWER}}');
    expect(d.brightness).toEqual({
      scale: 100,
      commandTopic: 'desk_dimmer/cmnd/Dimmer',
      stateTopic: 'desk_dimmer/tele/STATE',
      valueTemplate: '{{value_json.Dimmer}}',
    });
    expect(d.color).toBeUndefined();
  });

  it('expands-the-base-topic-only-at-either-end-of-topic-values', () => {
    const d = device(
      parse('homeassistant/switch/tilde/config', {
        '~': 'home/garage',
        name: 'Door~Opener',
        cmd_t: '~/set',
        stat_t: 'status/~',
        avty: [{ t: '~/avail' }],
        json_attr_t: 'a~b',
      }),
    );
    expect(d.commandTopic).toBe('home/garage/set');
    expect(d.stateTopic).toBe('status/home/garage');
    expect(d.availability[0]?.topic).toBe('home/garage/avail');
    expect(d.jsonAttributesTopic).toBe('a~b'); // a ~ inside is not the base
    expect(d.name).toBe('Door~Opener'); // not a topic key
  });

  it('reads-an-esphome-binary-sensor-with-its-suggested-area', () => {
    const topic = 'homeassistant/binary_sensor/hallway-node/front_door/config';
    const d = device(
      parse(topic, {
        dev_cla: 'door',
        name: 'Front Door',
        stat_t: 'hallway-node/binary_sensor/front_door/state',
        avty_t: 'hallway-node/status',
        uniq_id: 'ESPbinary_sensorfront_door',
        dev: ESPHOME_DEV,
      }),
    );
    expect(d).toMatchObject({
      id: 'ESPbinary_sensorfront_door',
      component: 'binary_sensor',
      name: 'Front Door',
      room: 'Hallway',
      deviceName: 'hallway-node',
      deviceIdentifiers: ['a4cf12f3e9b0'],
      deviceClass: 'door',
      commandTopic: undefined,
      stateTopic: 'hallway-node/binary_sensor/front_door/state',
      stateOn: 'ON',
      stateOff: 'OFF',
      availability: [
        {
          topic: 'hallway-node/status',
          payloadAvailable: 'online',
          payloadNotAvailable: 'offline',
        },
      ],
    });
  });

  it('reads-an-esphome-cover-with-position', () => {
    const d = device(
      parse('homeassistant/cover/hallway-node/blinds/config', {
        name: 'Blinds',
        dev_cla: 'shade',
        stat_t: 'hallway-node/cover/blinds/state',
        cmd_t: 'hallway-node/cover/blinds/command',
        pos_t: 'hallway-node/cover/blinds/position/state',
        set_pos_t: 'hallway-node/cover/blinds/position/command',
        avty_t: 'hallway-node/status',
        uniq_id: 'ESPcoverblinds',
        dev: ESPHOME_DEV,
      }),
    );
    expect(d).toMatchObject({
      component: 'cover',
      name: 'Blinds',
      room: 'Hallway',
      commandTopic: 'hallway-node/cover/blinds/command',
      payloadOn: 'OPEN', // "turn on" a cover is opening it
      payloadOff: 'CLOSE',
      stateOn: 'open',
      stateOff: 'closed',
      position: {
        topic: 'hallway-node/cover/blinds/position/state',
        setTopic: 'hallway-node/cover/blinds/position/command',
        open: 100,
        closed: 0,
      },
    });
  });

  it('reads-a-climate-entity-with-temperatures-and-modes', () => {
    const climate = {
      name: 'Thermostat',
      uniq_id: 'lounge_thermostat',
      mode_cmd_t: 'lounge/thermostat/mode/set',
      mode_stat_t: 'lounge/thermostat/mode',
      temp_cmd_t: 'lounge/thermostat/target/set',
      temp_stat_t: 'lounge/thermostat/target',
      curr_temp_t: 'lounge/thermostat/current',
      curr_temp_tpl: '{{ value_json.temperature }}',
      min_temp: 12,
      max_temp: 28,
      temp_step: 0.5,
      temp_unit: 'C',
      modes: ['off', 'heat'],
      dev: { ids: 'lounge-trv', name: 'Lounge TRV', sa: 'Lounge' },
    };
    const d = device(parse('homeassistant/climate/lounge_thermostat/config', climate));
    expect(d).toMatchObject({
      component: 'climate',
      name: 'Thermostat',
      room: 'Lounge',
      commandTopic: undefined, // no power_command_topic: not switchable on/off
      temperature: {
        commandTopic: 'lounge/thermostat/target/set',
        stateTopic: 'lounge/thermostat/target',
        currentTopic: 'lounge/thermostat/current',
        currentTemplate: '{{ value_json.temperature }}',
        min: 12,
        max: 28,
        step: 0.5,
        unit: 'C',
      },
      mode: {
        commandTopic: 'lounge/thermostat/mode/set',
        stateTopic: 'lounge/thermostat/mode',
        modes: ['off', 'heat'],
      },
    });
    const withPower = device(
      parse('homeassistant/climate/lounge_thermostat/config', {
        ...climate,
        pow_cmd_t: 'lounge/thermostat/power/set',
      }),
    );
    expect(withPower.commandTopic).toBe('lounge/thermostat/power/set');
  });

  it('reads-a-zigbee2mqtt-radiator-whose-range-comes-as-strings', () => {
    const d = device(parse(Z2M_RADIATOR.topic, Z2M_RADIATOR.config));
    expect(d).toMatchObject({
      component: 'climate',
      name: 'Radiator',
      room: 'Living room',
      temperature: {
        commandTopic: 'zigbee2mqtt/Radiator/set/occupied_heating_setpoint',
        min: 5,
        max: 35,
        step: 0.5,
      },
    });
    const bad = parse(Z2M_RADIATOR.topic, { ...Z2M_RADIATOR.config, min_temp: 'cold' });
    expect(errorOf(bad).reason).toMatch(/min_temp/);
  });

  it('reads-zigbee2mqtt-blinds-with-a-set-position-template', () => {
    const d = device(parse(Z2M_BLINDS.topic, Z2M_BLINDS.config));
    expect(d).toMatchObject({
      component: 'cover',
      name: 'Blinds',
      room: 'Kitchen',
      position: {
        topic: 'zigbee2mqtt/Blinds',
        template: '{{ value_json.position }}',
        setTopic: 'zigbee2mqtt/Blinds/set',
        setTemplate: '{ "position": {{ position }} }',
        open: 100,
        closed: 0,
      },
    });
    // The abbreviation HA documents reads the same.
    const short = { ...Z2M_BLINDS.config, set_pos_tpl: '{"position": {{position}}}' };
    delete (short as { set_position_template?: string }).set_position_template;
    expect(device(parse(Z2M_BLINDS.topic, short)).position?.setTemplate).toBe(
      '{"position": {{position}}}',
    );
  });

  it('reads-a-zigbee2mqtt-sensor-with-a-value-json-template', () => {
    const d = device(
      parse('homeassistant/sensor/0x00158d0001a9ec71/temperature/config', {
        device_class: 'temperature',
        enabled_by_default: true,
        state_class: 'measurement',
        unit_of_measurement: '°C',
        value_template: '{{ value_json.temperature }}',
        state_topic: 'zigbee2mqtt/Bedroom Sensor',
        unique_id: '0x00158d0001a9ec71_temperature_zigbee2mqtt',
        name: 'Temperature',
        object_id: 'bedroom_sensor_temperature',
        device: { identifiers: ['zigbee2mqtt_0x00158d0001a9ec71'], name: 'Bedroom Sensor' },
      }),
    );
    expect(d).toMatchObject({
      component: 'sensor',
      name: 'Temperature',
      deviceName: 'Bedroom Sensor',
      unit: '°C',
      deviceClass: 'temperature',
      stateTemplate: '{{ value_json.temperature }}',
      commandTopic: undefined,
    });
  });

  it('compares-boolean-payloads-as-home-assistant-strings', () => {
    // Zigbee2MQTT occupancy sensors send payload_on: true; HA reads it as the string "True".
    const d = device(
      parse('homeassistant/binary_sensor/0x0017880104e45517/occupancy/config', {
        payload_on: true,
        payload_off: false,
        value_template: '{{ value_json.occupancy }}',
        state_topic: 'zigbee2mqtt/Hall Motion',
        device_class: 'motion',
        name: 'Occupancy',
      }),
    );
    expect(d.stateOn).toBe('True');
    expect(d.stateOff).toBe('False');
  });

  it('falls-back-to-the-topic-for-id-and-the-object-id-for-name', () => {
    const d = device(
      parse('homeassistant/switch/garden/pond_pump/config', { command_topic: 'garden/pump/set' }),
    );
    expect(d.id).toBe('switch/garden/pond_pump');
    expect(d.name).toBe('pond pump');
  });

  it('treats-an-empty-payload-as-removal', () => {
    expect(parseDiscoveryMessage(TASMOTA_SWITCH_TOPIC, Buffer.alloc(0))).toEqual({
      kind: 'removed',
      configTopic: TASMOTA_SWITCH_TOPIC,
      component: 'switch',
      topicId: 'switch/5C1A3F_RL_1',
    });
  });

  it('flags-templates-it-cannot-evaluate-but-keeps-the-device', () => {
    const d = device(
      parse('homeassistant/binary_sensor/door/config', {
        state_topic: 'door/state',
        value_template: "{{ 'ON' if value_json.contact == false else 'OFF' }}",
      }),
    );
    expect(d.unsupportedTemplates).toEqual(['state']);
  });
});

describe('discovery errors', () => {
  it('reports-bad-json-without-throwing', () => {
    const e = errorOf(parse(TASMOTA_SWITCH_TOPIC, '{"name": "Hall Lamp",'));
    expect(e.code).toBe('bad-json');
    expect(errorOf(parse(TASMOTA_SWITCH_TOPIC, '[1, 2]')).code).toBe('bad-json');
    expect(errorOf(parse(TASMOTA_SWITCH_TOPIC, '"ON"')).code).toBe('bad-json');
  });

  it('reports-a-switch-or-light-without-a-command-topic', () => {
    const e = errorOf(parse(TASMOTA_SWITCH_TOPIC, without(tasmotaSwitch, 'cmd_t')));
    expect(e.code).toBe('missing-command-topic');
    expect(e.reason).toContain('command_topic');
    expect(errorOf(parse(Z2M_LIGHT_TOPIC, without(z2mLight, 'command_topic'))).code).toBe(
      'missing-command-topic',
    );
  });

  it('reports-a-sensor-without-a-state-topic', () => {
    const e = errorOf(parse('homeassistant/sensor/x/config', { name: 'Lux' }));
    expect(e.code).toBe('missing-state-topic');
  });

  it('names-the-field-with-the-wrong-type', () => {
    const e = errorOf(parse(Z2M_LIGHT_TOPIC, { ...z2mLight, brightness_scale: 'bright' }));
    expect(e.code).toBe('invalid-config');
    expect(e.reason).toContain('brightness_scale');
    const nested = errorOf(parse(Z2M_LIGHT_TOPIC, { ...z2mLight, availability: [{ t: 42 }] }));
    expect(nested.reason).toContain('availability');
  });

  it('refuses-availability-given-both-ways', () => {
    const e = errorOf(parse(TASMOTA_SWITCH_TOPIC, { ...tasmotaSwitch, avty: [{ t: 'x/LWT' }] }));
    expect(e.code).toBe('invalid-config');
  });

  it('refuses-a-command-topic-with-a-wildcard', () => {
    const e = errorOf(parse(TASMOTA_SWITCH_TOPIC, { ...tasmotaSwitch, cmd_t: 'plug/+/POWER' }));
    expect(e.code).toBe('invalid-config');
  });

  it('refuses-template-schema-lights', () => {
    const e = errorOf(parse(Z2M_LIGHT_TOPIC, { ...z2mLight, schema: 'template' }));
    expect(e.code).toBe('invalid-config');
  });

  it('reports-components-it-does-not-handle', () => {
    const e = errorOf(parse('homeassistant/lock/front/config', { command_topic: 'lock/set' }));
    expect(e.code).toBe('unsupported-component');
  });

  it('refuses-oversized-payloads', () => {
    const e = errorOf(parse(TASMOTA_SWITCH_TOPIC, 'x'.repeat(70_000)));
    expect(e.code).toBe('too-large');
  });
});
