/**
 * Discovery configs as Zigbee2MQTT publishes them (its lib/extension/homeassistant.ts, topics
 * already expanded): a colour bulb, a radiator thermostat and roller blinds, and a miniature
 * bridge that retains them and records the commands it is sent.
 */
import mqtt from 'mqtt';
import type { CapableDevice } from '../../hub/src/devices/commands.js';
import { onOffPayload, parseDiscoveryMessage } from '../../hub/src/devices/discovery.js';
import { toDevice } from '../../hub/src/devices/live-devices.js';

const bridgeAvailability = [
  { topic: 'zigbee2mqtt/bridge/state', value_template: '{{ value_json.state }}' },
];
const origin = { name: 'Zigbee2MQTT', sw: '1.40.2', url: 'https://www.zigbee2mqtt.io' };
const device = (ieee: string, name: string, model: string, area: string) => ({
  identifiers: [`zigbee2mqtt_${ieee}`],
  manufacturer: 'IKEA',
  model,
  name,
  suggested_area: area,
  via_device: 'zigbee2mqtt_bridge_0x00124b0024c1a2b3',
});

/** A colour bulb ("Lamp", Kitchen): JSON schema, brightness 0–254, xy and colour temperature. */
export const Z2M_LAMP = {
  topic: 'homeassistant/light/0x000b57fffe8a1b2c/light/config',
  set: 'zigbee2mqtt/Lamp/set',
  stateTopic: 'zigbee2mqtt/Lamp',
  config: {
    availability: bridgeAvailability,
    brightness: true,
    brightness_scale: 254,
    command_topic: 'zigbee2mqtt/Lamp/set',
    device: device('0x000b57fffe8a1b2c', 'Lamp', 'TRADFRI bulb E27 CWS 806lm', 'Kitchen'),
    max_mireds: 454,
    min_mireds: 250,
    name: null,
    object_id: 'lamp',
    origin,
    schema: 'json',
    state_topic: 'zigbee2mqtt/Lamp',
    supported_color_modes: ['xy', 'color_temp'],
    unique_id: '0x000b57fffe8a1b2c_light_zigbee2mqtt',
  },
  state: { state: 'OFF', brightness: 254, color: { x: 0.4, y: 0.4 } },
};

/** A radiator valve ("Radiator", Living room); Zigbee2MQTT sends min/max_temp as strings. */
export const Z2M_RADIATOR = {
  topic: 'homeassistant/climate/0x000b57fffe2c1f3a/climate/config',
  set: 'zigbee2mqtt/Radiator/set/occupied_heating_setpoint',
  stateTopic: 'zigbee2mqtt/Radiator',
  config: {
    availability: bridgeAvailability,
    current_temperature_template: '{{ value_json.local_temperature }}',
    current_temperature_topic: 'zigbee2mqtt/Radiator',
    device: device('0x000b57fffe2c1f3a', 'Radiator', 'Ally thermostat', 'Living room'),
    max_temp: '35',
    min_temp: '5',
    mode_command_topic: 'zigbee2mqtt/Radiator/set/system_mode',
    mode_state_template: '{{ value_json.system_mode }}',
    mode_state_topic: 'zigbee2mqtt/Radiator',
    modes: ['heat'],
    name: null,
    object_id: 'radiator',
    origin,
    temp_step: 0.5,
    temperature_command_topic: 'zigbee2mqtt/Radiator/set/occupied_heating_setpoint',
    temperature_state_template: '{{ value_json.occupied_heating_setpoint }}',
    temperature_state_topic: 'zigbee2mqtt/Radiator',
    temperature_unit: 'C',
    unique_id: '0x000b57fffe2c1f3a_climate_zigbee2mqtt',
  },
  state: { local_temperature: 19.5, occupied_heating_setpoint: 18, system_mode: 'heat' },
};

/** Roller blinds ("Blinds", Kitchen): OPEN/CLOSE/STOP, position through a JSON template. */
export const Z2M_BLINDS = {
  topic: 'homeassistant/cover/0x000b57fffe4d5e6f/cover/config',
  set: 'zigbee2mqtt/Blinds/set',
  stateTopic: 'zigbee2mqtt/Blinds',
  config: {
    availability: bridgeAvailability,
    command_topic: 'zigbee2mqtt/Blinds/set',
    device: device('0x000b57fffe4d5e6f', 'Blinds', 'FYRTUR roller blind', 'Kitchen'),
    name: null,
    object_id: 'blinds',
    origin,
    position_template: '{{ value_json.position }}',
    position_topic: 'zigbee2mqtt/Blinds',
    set_position_template: '{ "position": {{ position }} }',
    set_position_topic: 'zigbee2mqtt/Blinds/set',
    state_closed: 'CLOSE',
    state_open: 'OPEN',
    state_stopped: 'STOP',
    state_topic: 'zigbee2mqtt/Blinds',
    unique_id: '0x000b57fffe4d5e6f_cover_zigbee2mqtt',
    value_template: '{{ value_json.state }}',
  },
  state: { state: 'CLOSE', position: 0 },
};

export const Z2M_DEVICES = [Z2M_LAMP, Z2M_RADIATOR, Z2M_BLINDS] as const;

/** The devices as the hub's registry holds them once discovered, without a broker. */
export function z2mRegistryDevices(): CapableDevice[] {
  return Z2M_DEVICES.map((d) => {
    const parsed = parseDiscoveryMessage(d.topic, JSON.stringify(d.config));
    if (parsed.kind !== 'config') throw new Error(`${d.topic}: ${JSON.stringify(parsed)}`);
    const found = parsed.device;
    return toDevice({
      ...found,
      room: found.room ?? '',
      payloadOn: onOffPayload(found, true),
      payloadOff: onOffPayload(found, false),
    });
  });
}

/** Zigbee2MQTT in miniature: retains the configs and states, records every command. */
export class Zigbee2MqttBridge {
  readonly commands: { topic: string; payload: string }[] = [];

  private constructor(private readonly client: mqtt.MqttClient) {
    client.on('message', (topic, payload) => {
      this.commands.push({ topic, payload: payload.toString() });
    });
  }

  static async connect(broker: {
    url: string;
    username: string;
    password: string;
  }): Promise<Zigbee2MqttBridge> {
    const client = await mqtt.connectAsync(broker.url, {
      username: broker.username,
      password: broker.password,
      clientId: 'zigbee2mqtt-bridge',
      reconnectPeriod: 0,
    });
    await client.subscribeAsync('zigbee2mqtt/+/set/#', { qos: 1 }); // …/set and …/set/<property>
    return new Zigbee2MqttBridge(client);
  }

  async announce(): Promise<void> {
    await this.publish('zigbee2mqtt/bridge/state', { state: 'online' });
    for (const d of Z2M_DEVICES) {
      await this.publish(d.stateTopic, d.state);
      await this.publish(d.topic, d.config);
    }
  }

  private publish(topic: string, payload: unknown): Promise<unknown> {
    return this.client.publishAsync(topic, JSON.stringify(payload), { qos: 1, retain: true });
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }
}
