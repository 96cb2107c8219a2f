/**
 * The set of devices announced through Home Assistant MQTT discovery, kept current from the
 * retained and live config messages, with each device's latest state and availability.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import {
  DEFAULT_DISCOVERY_PREFIX,
  onOffPayload,
  parseDiscoveryMessage,
  type DiscoveredDevice,
  type DiscoveryError,
} from './discovery.js';
import { DeviceTracker, type DiscoveredState, type Watch } from './discovery-state.js';
import type { Device } from './registry.js';

export type { DiscoveredState } from './discovery-state.js';

/** The part of the hub's MqttBus (hub/src/mqtt/bus.ts) this registry needs. */
export interface DiscoveryBus {
  subscribe(filter: string, handler: (topic: string, payload: Buffer) => void): Promise<void>;
}

/** A discovered entity with its room settled. */
export type DiscoveredEntity = Omit<DiscoveredDevice, 'room'> & { readonly room: string };

/** A controllable discovered entity; usable wherever a configured {@link Device} is. */
export type DiscoveredDeviceEntry = DiscoveredEntity & Device;

/** Whether voice commands can do anything with an entity (sensors: no). */
const controllable = (d: DiscoveredEntity): boolean =>
  d.commandTopic !== undefined ||
  d.temperature?.commandTopic !== undefined ||
  d.position?.setTopic !== undefined ||
  d.brightness?.commandTopic !== undefined;

export type DiscoveryChange =
  | { readonly type: 'added' | 'updated' | 'removed'; readonly device: DiscoveredEntity }
  | { readonly type: 'state'; readonly id: string; readonly state: DiscoveredState };

export interface DiscoveredDevicesOptions {
  readonly bus: DiscoveryBus;
  readonly log: Logger;
  /** HA's discovery_prefix; `homeassistant` by default. */
  readonly prefix?: string;
  /**
   * Rooms set by the user, keyed by discovered id or by device name. They win over a device's
   * own suggested_area; a device with neither is in the room `unassigned`.
   */
  readonly areas?: Readonly<Record<string, string>>;
}

export const UNASSIGNED_ROOM = 'unassigned';

interface Entry {
  readonly device: DiscoveredEntity;
  readonly tracker: DeviceTracker;
}

/**
 * Discovered devices, fed by `<prefix>/+/+/config` and `<prefix>/+/+/+/config` (the two filters
 * HA itself subscribes to). Emits `change` on every add, update, removal and state change, and
 * `invalid` for each config of a handled component it could not use (configs of other components
 * are skipped quietly). Handlers never throw, and a listener that throws is logged, not fatal.
 */
export class DiscoveredDevices extends EventEmitter<{
  change: [DiscoveryChange];
  invalid: [DiscoveryError];
}> {
  private readonly bus: DiscoveryBus;
  private readonly log: Logger;
  private readonly prefix: string;
  private readonly areas: Readonly<Record<string, string>>;
  private readonly entries = new Map<string, Entry>();
  private readonly idByConfigTopic = new Map<string, string>();
  /** Filter → ids of the devices that read it. */
  private readonly watchers = new Map<string, Set<string>>();
  /**
   * The bus has no unsubscribe, so each filter is subscribed once and kept; messages on a filter
   * no device reads any more are stored and otherwise ignored.
   */
  private readonly subscribed = new Set<string>();
  /**
   * The last payload per filter: a second device on a shared topic (a Tasmota relay's tele/STATE,
   * a Zigbee2MQTT device's sensors) would otherwise wait for the next report, because the broker
   * only replays retained messages on a new subscription.
   */
  private readonly lastPayload = new Map<string, { payload: string; seq: number }>();
  private seq = 0;

  constructor(options: DiscoveredDevicesOptions) {
    super();
    this.bus = options.bus;
    this.log = options.log;
    this.prefix = options.prefix ?? DEFAULT_DISCOVERY_PREFIX;
    this.areas = options.areas ?? {};
  }

  /** Subscribes to the discovery topics; retained configs arrive right after. */
  async start(): Promise<void> {
    const handler = (topic: string, payload: Buffer): void => this.onConfig(topic, payload);
    await this.bus.subscribe(`${this.prefix}/+/+/config`, handler);
    await this.bus.subscribe(`${this.prefix}/+/+/+/config`, handler);
  }

  /**
   * Controllable devices (a command topic, or something else to set: a thermostat's target, a
   * cover's position, a brightness), shaped like configured devices: their
   * payloadOn/payloadOff are what to publish, so a JSON light's read `{"state":"ON"}`.
   */
  devices(): DiscoveredDeviceEntry[] {
    return [...this.entries.values()]
      .map((e) => e.device)
      .filter(controllable)
      .map((d) => ({ ...d, payloadOn: onOffPayload(d, true), payloadOff: onOffPayload(d, false) }));
  }

  /** Every discovered entity, sensors included. */
  entities(): DiscoveredEntity[] {
    return [...this.entries.values()].map((e) => e.device);
  }

  find(id: string): DiscoveredEntity | undefined {
    return this.entries.get(id)?.device;
  }

  state(id: string): DiscoveredState | undefined {
    return this.entries.get(id)?.tracker.state;
  }

  // --- config messages -------------------------------------------------------------------------

  private onConfig(topic: string, payload: Buffer): void {
    try {
      const result = parseDiscoveryMessage(topic, payload, this.prefix);
      switch (result.kind) {
        case 'error':
          this.reject(result.error);
          return;
        case 'removed': {
          const id = this.idByConfigTopic.get(result.configTopic);
          // Tasmota clears every unused slot this way, so an unknown removal is routine.
          if (id === undefined) this.log.debug({ topic }, 'discovery removal of an unknown entity');
          else this.remove(id);
          return;
        }
        case 'config':
          this.upsert(result.device);
          return;
      }
    } catch (err) {
      this.log.error({ err, topic }, 'discovery config handler failed');
    }
  }

  private reject(error: DiscoveryError): void {
    const fields = { topic: error.topic, code: error.code, reason: error.reason };
    // Only some HA components are handled; the others (lock, number, device_automation…) are
    // normal traffic, not faults, so they are neither warned about nor reported as invalid.
    if (error.code === 'unsupported-component') {
      this.log.debug(fields, 'discovery config of an unhandled component');
      return;
    }
    this.log.warn(fields, 'discovery config ignored');
    this.notify(() => this.emit('invalid', error));
  }

  private upsert(discovered: DiscoveredDevice): void {
    const device: DiscoveredEntity = { ...discovered, room: this.roomOf(discovered) };
    const previousId = this.idByConfigTopic.get(device.configTopic);
    const clash = this.entries.get(device.id);
    if (clash && clash.device.configTopic !== device.configTopic) {
      // HA refuses a second entity with the same unique_id; so do we.
      this.reject({
        code: 'duplicate-unique-id',
        topic: device.configTopic,
        reason: `unique_id "${device.id}" is already announced on ${clash.device.configTopic}`,
      });
      return;
    }
    if (previousId !== undefined && previousId !== device.id) this.remove(previousId);
    const previous = this.entries.get(device.id);
    // Retained configs come again on every reconnect; an identical one is not news.
    if (previous && JSON.stringify(previous.device) === JSON.stringify(device)) return;
    if (previous) this.unwatch(previous);

    if (device.unsupportedTemplates.length > 0) {
      this.log.warn(
        { id: device.id, templates: device.unsupportedTemplates },
        'discovered device uses templates this hub cannot evaluate; those values stay unknown',
      );
    }
    const entry: Entry = { device, tracker: new DeviceTracker(device) };
    this.entries.set(device.id, entry);
    this.idByConfigTopic.set(device.configTopic, device.id);
    this.log.info(
      { id: device.id, component: device.component, name: device.name, room: device.room },
      previous ? 'discovered device updated' : 'device discovered',
    );
    this.notify(() => this.emit('change', { type: previous ? 'updated' : 'added', device }));

    for (const w of entry.tracker.watches) {
      let ids = this.watchers.get(w.filter);
      if (!ids) this.watchers.set(w.filter, (ids = new Set()));
      ids.add(device.id);
      this.subscribe(w.filter);
    }
    this.replay(entry);
  }

  private remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.unwatch(entry);
    this.entries.delete(id);
    this.idByConfigTopic.delete(entry.device.configTopic);
    this.log.info({ id }, 'discovered device removed');
    this.notify(() => this.emit('change', { type: 'removed', device: entry.device }));
  }

  private unwatch(entry: Entry): void {
    for (const w of entry.tracker.watches) this.watchers.get(w.filter)?.delete(entry.device.id);
  }

  private roomOf(d: DiscoveredDevice): string {
    const mapped =
      this.areas[d.id] ?? (d.deviceName === undefined ? undefined : this.areas[d.deviceName]);
    return mapped ?? d.room ?? UNASSIGNED_ROOM;
  }

  // --- state and availability ------------------------------------------------------------------

  private subscribe(filter: string): void {
    if (this.subscribed.has(filter)) return;
    this.subscribed.add(filter);
    this.bus
      .subscribe(filter, (_topic, payload) => this.onTopic(filter, payload))
      .catch((err: unknown) => {
        this.subscribed.delete(filter); // the next device on this topic tries again
        this.log.warn({ err, filter }, 'cannot subscribe to a discovered device topic');
      });
  }

  private onTopic(filter: string, buf: Buffer): void {
    try {
      const payload = buf.toString();
      this.lastPayload.set(filter, { payload, seq: ++this.seq });
      for (const id of this.watchers.get(filter) ?? []) {
        const entry = this.entries.get(id);
        if (!entry) continue;
        const before = entry.tracker.state;
        for (const w of entry.tracker.watches)
          if (w.filter === filter) entry.tracker.apply(w.role, payload);
        this.announce(entry, before);
      }
    } catch (err) {
      this.log.error({ err, filter }, 'discovered device state handler failed');
    }
  }

  /** Applies what is already known of a (re)discovered device's topics, oldest first. */
  private replay(entry: Entry): void {
    const before = entry.tracker.state;
    const known = entry.tracker.watches
      .map((w) => ({ w, last: this.lastPayload.get(w.filter) }))
      .filter((x): x is { w: Watch; last: { payload: string; seq: number } } => !!x.last)
      .sort((a, b) => a.last.seq - b.last.seq);
    for (const { w, last } of known) entry.tracker.apply(w.role, last.payload);
    this.announce(entry, before);
  }

  private announce(entry: Entry, before: DiscoveredState): void {
    if (JSON.stringify(before) === JSON.stringify(entry.tracker.state)) return;
    this.notify(() =>
      this.emit('change', { type: 'state', id: entry.device.id, state: entry.tracker.state }),
    );
  }

  /** A listener that throws must not leave the registry half-updated. */
  private notify(fire: () => void): void {
    try {
      fire();
    } catch (err) {
      this.log.error({ err }, 'discovery listener failed');
    }
  }
}
