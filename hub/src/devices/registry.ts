/** A controllable device: from the config file, or announced through MQTT discovery. */
export interface Device {
  readonly id: string;
  /** Spoken name, e.g. "light" or "ceiling fan". */
  readonly name: string;
  /** Empty for a discovered device with no known room: it is named without one. */
  readonly room: string;
  /**
   * Topic the hub publishes {@link payloadOn}/{@link payloadOff} to; absent for a device that
   * cannot be switched, only set (a thermostat without a power topic).
   */
  readonly commandTopic?: string | undefined;
  /** Topic the device reports its state on ("ON"/"OFF"), if any. */
  readonly stateTopic?: string | undefined;
  /** The exact payload that switches it on; "ON" when absent (`{"state":"ON"}` for a JSON light). */
  readonly payloadOn?: string | undefined;
  /** The exact payload that switches it off; "OFF" when absent. */
  readonly payloadOff?: string | undefined;
}

export type DeviceState = 'ON' | 'OFF';

/** Lowercase words only (accents kept: "lumière"), so names line up with transcripts. */
export const spoken = (s: string): string =>
  s
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}' ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/**
 * The devices voice commands can name: the configured ones plus, kept current from outside, the
 * discovered ones. A configured device wins over a discovered one with the same id.
 */
export class DeviceRegistry {
  private readonly states = new Map<string, DeviceState>();
  private all: readonly Device[];
  private discoveredState: (id: string) => DeviceState | undefined = () => undefined;

  constructor(private readonly configured: readonly Device[]) {
    this.all = configured;
  }

  /** Configured devices first, then the discovered ones. */
  get devices(): readonly Device[] {
    return this.all;
  }

  /**
   * Replaces the discovered devices (configured ones stay). `stateOf` answers for their power
   * state, which they report in their own formats rather than as plain "ON"/"OFF".
   */
  replaceDiscovered(
    devices: readonly Device[],
    stateOf?: (id: string) => DeviceState | undefined,
  ): void {
    const taken = new Set(this.configured.map((d) => d.id));
    this.all = [...this.configured, ...devices.filter((d) => !taken.has(d.id))];
    if (stateOf) this.discoveredState = stateOf;
  }

  rooms(only: (d: Device) => boolean = () => true): string[] {
    const rooms = this.devices.filter(only).map((d) => spoken(d.room));
    return [...new Set(rooms)].filter((r) => r !== '');
  }

  /** Every phrase that names a device (of those `only` keeps): "light", "kitchen light", … */
  phrases(only: (d: Device) => boolean = () => true): string[] {
    const out = new Set<string>();
    for (const d of this.devices.filter(only)) {
      const name = spoken(d.name);
      const room = spoken(d.room);
      out.add(name);
      if (!name.startsWith(room)) out.add(`${room} ${name}`);
    }
    return [...out];
  }

  /**
   * Finds the devices a phrase means. An explicit room narrows the choice; otherwise a
   * device in the satellite's own room wins ("the light" in the kitchen is the kitchen light).
   * A plural ("the lights") means the same devices as its singular.
   */
  resolve(phrase: string, room: string | undefined, satelliteRoom: string): Device[] {
    const r = room === undefined ? undefined : spoken(room);
    const named = (p: string): Device[] =>
      this.devices.filter((d) => {
        const name = spoken(d.name);
        const dRoom = spoken(d.room);
        if (r !== undefined && dRoom !== r) return false;
        return p === name || p === `${dRoom} ${name}`;
      });
    const p = spoken(phrase);
    let matches = named(p);
    // "The lights": the light(s) by that name (one each is what a room usually has).
    if (matches.length === 0 && p.endsWith('s')) matches = named(p.slice(0, -1));
    if (matches.length <= 1 || r !== undefined) return matches;
    const own = matches.filter((d) => spoken(d.room) === spoken(satelliteRoom));
    return own.length > 0 ? own : matches;
  }

  find(id: string): Device | undefined {
    return this.devices.find((d) => d.id === id);
  }

  stateOf(id: string): DeviceState | undefined {
    if (this.configured.some((d) => d.id === id)) return this.states.get(id);
    return this.find(id) ? this.discoveredState(id) : undefined;
  }

  /** Records a configured device's state report; returns the device it belongs to, if any. */
  recordState(topic: string, payload: string): Device | undefined {
    const device = this.configured.find((d) => d.stateTopic === topic);
    const value = payload.trim().toUpperCase();
    if (!device || (value !== 'ON' && value !== 'OFF')) return undefined;
    this.states.set(device.id, value);
    return device;
  }
}
