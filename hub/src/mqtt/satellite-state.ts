/**
 * Publishes each satellite's state to MQTT with Home Assistant discovery configs, so Home
 * Assistant shows every satellite as a device: online, listening, volume and a mute switch whose
 * commands the hub carries to the satellite.
 *
 * Topics, for a satellite `<id>`:
 * - `jarvis/satellites/<id>/state` (retained): `{online, listening, volume, muted}` as JSON.
 * - `jarvis/satellites/<id>/mute/set`: `ON` or `OFF` from Home Assistant.
 * - `<prefix>/<component>/jarvis_<id>/<key>/config` (retained): the discovery configs.
 */
import type { DownEvent } from '@jarvis/protocol';
import type { Logger } from 'pino';
import type { DiscoveryBus } from '../devices/discovery-registry.js';
import type { SessionIo } from '../pipeline/session.js';
import type { MqttBus } from './bus.js';

export const SATELLITE_STATE_PREFIX = 'jarvis/satellites';
/** HA's node_id for a satellite's entities is this followed by the satellite id. */
const NODE_PREFIX = 'jarvis_';

/** What Home Assistant sees of one satellite. */
export interface SatelliteState {
  readonly online: boolean;
  /** A voice session is listening to the microphone. */
  readonly listening: boolean;
  /** Playback volume in percent, as last set by the hub (satellites start at 100). */
  readonly volume: number;
  readonly muted: boolean;
}

const INITIAL: SatelliteState = { online: false, listening: false, volume: 100, muted: false };

/** The part of a satellite connection this module uses. */
export interface StateSatellite extends SessionIo {
  readonly satellite: { readonly id: string; readonly name: string; readonly room: string };
}

export const stateTopic = (id: string): string => `${SATELLITE_STATE_PREFIX}/${id}/state`;
export const muteCommandTopic = (id: string): string => `${SATELLITE_STATE_PREFIX}/${id}/mute/set`;

/** `{{ 'ON' if value_json.<field> else 'OFF' }}`: HA compares the rendered text to ON/OFF. */
const onOff = (field: keyof SatelliteState): string =>
  `{{ 'ON' if value_json.${field} else 'OFF' }}`;

/**
 * The retained discovery configs of one satellite, by config topic. Schema per the HA MQTT
 * discovery docs (binary_sensor, sensor, switch; `device`, `availability`, `origin`).
 */
export function discoveryConfigs(
  satellite: StateSatellite['satellite'],
  prefix: string,
): Map<string, Record<string, unknown>> {
  const { id, name, room } = satellite;
  const node = `${NODE_PREFIX}${id}`;
  const state = stateTopic(id);
  const device = {
    identifiers: [node],
    name,
    manufacturer: 'Jarvis',
    model: 'satellite',
    suggested_area: room,
  };
  // Everything but "online" itself is unavailable while the satellite is away.
  const availability = [
    { topic: state, value_template: "{{ 'online' if value_json.online else 'offline' }}" },
  ];
  const common = { device, origin: { name: 'Jarvis' }, state_topic: state };
  const entities: [component: string, key: string, config: Record<string, unknown>][] = [
    [
      'binary_sensor',
      'online',
      { name: `${name} online`, device_class: 'connectivity', value_template: onOff('online') },
    ],
    [
      'binary_sensor',
      'listening',
      { name: `${name} listening`, value_template: onOff('listening'), availability },
    ],
    [
      'sensor',
      'volume',
      {
        name: `${name} volume`,
        unit_of_measurement: '%',
        value_template: '{{ value_json.volume }}',
        availability,
      },
    ],
    [
      'switch',
      'mute',
      {
        name: `${name} mute`,
        command_topic: muteCommandTopic(id),
        payload_on: 'ON',
        payload_off: 'OFF',
        value_template: onOff('muted'),
        availability,
      },
    ],
  ];
  return new Map(
    entities.map(([component, key, config]) => [
      `${prefix}/${component}/${node}/${key}/config`,
      { ...common, unique_id: `${node}_${key}`, object_id: `${node}_${key}`, ...config },
    ]),
  );
}

/**
 * The hub's own discovery (devices/live-devices.ts) reads the same prefix; this bus hides the
 * configs published here from it, so a satellite's mute switch never becomes a voice-controlled
 * "device" and its names never reach the recogniser's grammar.
 */
export function withoutOwnEntities(bus: DiscoveryBus, prefix: string): DiscoveryBus {
  return {
    subscribe: (filter, handler) =>
      bus.subscribe(filter, (topic, payload) => {
        const levels = topic.split('/');
        const own =
          levels.length === 5 && levels[0] === prefix && levels[2]?.startsWith(NODE_PREFIX);
        if (!own) handler(topic, payload);
      }),
  };
}

interface Entry {
  satellite: StateSatellite['satellite'];
  state: SatelliteState;
  /** The live connection, while the satellite is online. */
  conn: StateSatellite | undefined;
  /** The configs last published, to republish only when name or room changed. */
  configs: string | undefined;
}

/**
 * Satellites' state on MQTT. Call {@link online}/{@link offline} from the gateway's hooks and
 * send a session's events through {@link observe}. Start with {@link startSatelliteStates}.
 */
export class SatelliteStates {
  private readonly entries = new Map<string, Entry>();
  /** Publishes run one after another, so a retained state never overtakes a newer one. */
  private chain: Promise<void> = Promise.resolve();

  /** Told after a satellite's state changed (the dashboard's live feed). */
  onChange: (id: string) => void = () => undefined;

  constructor(
    private readonly bus: Pick<MqttBus, 'publish' | 'subscribe'>,
    private readonly log: Logger,
    private readonly prefix: string,
  ) {}

  /**
   * Sets an online satellite's volume and/or mute as the hub's own request (the dashboard);
   * false when it is not connected.
   */
  control(
    id: string,
    change: { volume?: number | undefined; muted?: boolean | undefined },
  ): boolean {
    const conn = this.entries.get(id)?.conn;
    if (!conn) return false;
    const io = this.observe(conn);
    if (change.volume !== undefined) io.send({ type: 'set-volume', volume: change.volume });
    if (change.muted !== undefined) io.send({ type: 'mute', muted: change.muted });
    return true;
  }

  /** Subscribes to the mute switches' command topic. */
  async start(): Promise<void> {
    await this.bus.subscribe(`${SATELLITE_STATE_PREFIX}/+/mute/set`, (topic, payload) =>
      this.onMuteCommand(topic, payload.toString()),
    );
  }

  /** The state last published for `id`, if the satellite connected since the hub started. */
  state(id: string): SatelliteState | undefined {
    return this.entries.get(id)?.state;
  }

  /** A satellite finished its hello: publish its discovery configs and that it is online. */
  online(conn: StateSatellite): void {
    const { satellite } = conn;
    let entry = this.entries.get(satellite.id);
    if (!entry) {
      entry = { satellite, state: INITIAL, conn, configs: undefined };
      this.entries.set(satellite.id, entry);
    } else {
      entry.satellite = satellite;
      entry.conn = conn;
      // A restarted satellite forgets what the hub told it; HA still shows the hub's view.
      if (entry.state.muted) conn.send({ type: 'mute', muted: true });
      if (entry.state.volume !== INITIAL.volume)
        conn.send({ type: 'set-volume', volume: entry.state.volume });
    }
    const configs = discoveryConfigs(satellite, this.prefix);
    const text = JSON.stringify([...configs]);
    if (entry.configs !== text) {
      entry.configs = text;
      for (const [topic, config] of configs)
        this.publish(topic, JSON.stringify(config), `discovery config of ${satellite.id}`);
    }
    this.update(entry, { online: true, listening: false });
  }

  /** The satellite's current connection closed. */
  offline(conn: StateSatellite): void {
    const entry = this.entries.get(conn.satellite.id);
    if (!entry || entry.conn !== conn) return;
    entry.conn = undefined;
    this.update(entry, { online: false, listening: false });
  }

  /** `conn` as a session's io: events pass through, and those that change state are published. */
  observe(conn: StateSatellite): SessionIo {
    return {
      send: (event) => {
        conn.send(event);
        this.noteSent(conn, event);
      },
      sendAudio: (stream, chunk) => conn.sendAudio(stream, chunk),
      nextStream: () => conn.nextStream(),
    };
  }

  /** Marks every satellite offline (the hub is going away) and waits for the publishes. */
  async close(): Promise<void> {
    for (const entry of this.entries.values()) {
      if (entry.conn) {
        entry.conn = undefined;
        this.update(entry, { online: false, listening: false });
      }
    }
    await this.chain;
  }

  private noteSent(conn: StateSatellite, event: DownEvent): void {
    const entry = this.entries.get(conn.satellite.id);
    if (!entry || entry.conn !== conn) return;
    // Only these events change what Home Assistant shows.
    if (event.type === 'listening') this.update(entry, { listening: event.active });
    // Also sent when a session fails before it stops listening.
    else if (event.type === 'session-end') this.update(entry, { listening: false });
    else if (event.type === 'mute') this.update(entry, { muted: event.muted });
    else if (event.type === 'set-volume') this.update(entry, { volume: event.volume });
  }

  private onMuteCommand(topic: string, payload: string): void {
    const id = topic.slice(SATELLITE_STATE_PREFIX.length + 1, -'/mute/set'.length);
    const entry = this.entries.get(id);
    if (!entry) {
      this.log.warn({ topic }, 'mute command for a satellite that has not connected');
      return;
    }
    if (payload !== 'ON' && payload !== 'OFF') {
      this.log.warn({ topic, payload: payload.slice(0, 32) }, 'mute command ignored: not ON/OFF');
      return;
    }
    const muted = payload === 'ON';
    this.log.info({ satelliteId: id, muted }, 'mute from MQTT');
    // An offline satellite is told when it comes back (see online()).
    if (entry.conn) this.observe(entry.conn).send({ type: 'mute', muted });
    else this.update(entry, { muted });
  }

  private update(entry: Entry, change: Partial<SatelliteState>): void {
    const next = { ...entry.state, ...change };
    const unchanged = (Object.keys(next) as (keyof SatelliteState)[]).every(
      (k) => next[k] === entry.state[k],
    );
    // online() always publishes: the retained state may be stale from an earlier run.
    if (unchanged && change.online === undefined) return;
    entry.state = next;
    this.publish(stateTopic(entry.satellite.id), JSON.stringify(next), 'satellite state');
    this.onChange(entry.satellite.id);
  }

  private publish(topic: string, payload: string, what: string): void {
    this.chain = this.chain.then(() =>
      this.bus.publish(topic, payload, { retain: true, qos: 1 }).catch((err: unknown) => {
        this.log.warn({ err: (err as Error).message, topic }, `could not publish ${what}`);
      }),
    );
  }
}

/** Creates the publisher and subscribes to the mute command topics. */
export async function startSatelliteStates(options: {
  bus: MqttBus;
  log: Logger;
  /** HA's discovery_prefix. */
  prefix: string;
}): Promise<SatelliteStates> {
  const states = new SatelliteStates(
    options.bus,
    options.log.child({ component: 'satellite-state' }),
    options.prefix,
  );
  await states.start();
  return states;
}
