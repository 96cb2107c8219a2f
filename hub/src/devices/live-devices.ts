/**
 * Keeps the hub's device registry, intent matcher and recogniser grammar in step with the devices
 * announced through Home Assistant MQTT discovery.
 */
import { setImmediate as nextTick } from 'node:timers/promises';
import type { Logger } from 'pino';
import {
  DiscoveredDevices,
  type DiscoveredDeviceEntry,
  type DiscoveryBus,
  type DiscoveryChange,
  UNASSIGNED_ROOM,
} from './discovery-registry.js';
import type { CapableDevice } from './commands.js';
import { spoken, type Device, type DeviceRegistry } from './registry.js';

export interface LiveDevicesOptions {
  readonly bus: DiscoveryBus;
  readonly log: Logger;
  readonly registry: DeviceRegistry;
  /** HA's discovery_prefix. */
  readonly prefix?: string;
  /** Rooms by discovered id or device name; see {@link DiscoveredDevices}. */
  readonly areas?: Readonly<Record<string, string>>;
  /**
   * Called after the registry changed: rebuild the matcher and hand the recogniser its grammar.
   * Throws when the recogniser refuses the grammar (a word missing from its dictionary).
   */
  readonly onDevicesChanged: () => void;
  /** A burst of changes (the retained configs after a subscribe) rebuilds once; 200 ms. */
  readonly debounceMs?: number;
}

/**
 * A discovered device as the registry holds it: its own payloads, what it can do besides on/off,
 * its state from discovery, and no room when it has none (so "unassigned", not a word
 * recognisers know, is never spoken).
 */
export function toDevice(d: DiscoveredDeviceEntry): CapableDevice {
  return {
    id: d.id,
    name: d.name,
    room: d.room === UNASSIGNED_ROOM ? '' : d.room,
    commandTopic: d.commandTopic,
    payloadOn: d.payloadOn,
    payloadOff: d.payloadOff,
    component: d.component,
    commandFormat: d.commandFormat,
    brightness: d.brightness,
    color: d.color,
    position: d.position,
    temperature: d.temperature,
  };
}

const sayable = (d: Device): string => `${spoken(d.name)}|${spoken(d.room)}`;

/** Discovered devices, live in the registry. Start with {@link startLiveDevices}. */
export class LiveDevices {
  readonly discovered: DiscoveredDevices;
  private readonly log: Logger;
  private readonly registry: DeviceRegistry;
  private readonly onDevicesChanged: () => void;
  private readonly debounceMs: number;
  /** Name-and-room keys the recogniser took, or refused, alone with the configured devices. */
  private readonly accepted = new Set<string>();
  private readonly refused = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly listener = (change: DiscoveryChange): void => {
    // State changes are read through the registry's lookup; only the device list matters here.
    if (change.type !== 'state') this.schedule();
  };

  constructor(options: LiveDevicesOptions) {
    this.log = options.log.child({ component: 'discovery' });
    this.registry = options.registry;
    this.onDevicesChanged = options.onDevicesChanged;
    this.debounceMs = options.debounceMs ?? 200;
    this.discovered = new DiscoveredDevices({
      bus: options.bus,
      log: this.log,
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
      ...(options.areas === undefined ? {} : { areas: options.areas }),
    });
    this.discovered.on('change', this.listener);
  }

  async start(): Promise<void> {
    await this.discovered.start();
  }

  /** Resolves once pending changes are applied; for tests. */
  async settled(): Promise<void> {
    while (this.timer !== undefined || this.running !== undefined) {
      if (this.running) await this.running;
      else await new Promise((r) => setTimeout(r, this.debounceMs));
    }
  }

  /** Stops following discovery; the registry keeps what it has. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.discovered.off('change', this.listener);
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.apply()
        .catch((err: unknown) => this.log.error({ err }, 'cannot update the device list'))
        .finally(() => {
          this.running = undefined;
          if (this.again) {
            this.again = false;
            this.schedule();
          }
        });
    }, this.debounceMs);
  }

  private async apply(): Promise<void> {
    const candidates = this.discovered
      .devices()
      .map(toDevice)
      .filter((d) => spoken(d.name) !== '' && !this.refused.has(sayable(d)));
    if (this.use(candidates)) {
      this.log.info(
        { discovered: candidates.length, devices: this.registry.devices.length },
        'device list updated',
      );
      return;
    }
    // The recogniser refused a word. Find the devices it cannot say, one at a time (the known
    // good ones are not tried again), yielding between tries: each compiles a grammar.
    const usable: Device[] = [];
    for (const d of candidates) {
      if (this.stopped) return;
      const key = sayable(d);
      if (this.accepted.has(key)) {
        usable.push(d);
        continue;
      }
      if (this.use([...usable, d])) {
        this.accepted.add(key);
        usable.push(d);
      } else {
        this.refused.add(key);
        this.log.warn(
          { id: d.id, name: d.name, room: d.room },
          'discovered device left out: the recogniser cannot say its name or room (rename it, or map it to a room in discovery.areas)',
        );
      }
      await nextTick();
    }
    if (!this.use(usable)) this.use([]);
    this.log.info(
      { discovered: usable.length, devices: this.registry.devices.length },
      'device list updated',
    );
  }

  /** Puts `devices` in the registry and tells the hub; false if the hub refused them. */
  private use(devices: readonly Device[]): boolean {
    this.registry.replaceDiscovered(devices, (id) => this.discovered.state(id)?.power);
    try {
      this.onDevicesChanged();
      return true;
    } catch (err) {
      this.log.debug({ err, devices: devices.length }, 'device list refused');
      return false;
    }
  }
}

/** Follows discovery on `bus`; configs already retained there arrive right after. */
export async function startLiveDevices(options: LiveDevicesOptions): Promise<LiveDevices> {
  const live = new LiveDevices(options);
  await live.start();
  return live;
}
