/** A controllable device, from configuration for now (discovery comes later). */
export interface Device {
  readonly id: string;
  /** Spoken name, e.g. "light" or "ceiling fan". */
  readonly name: string;
  readonly room: string;
  /** Topic the hub publishes "ON"/"OFF" to. */
  readonly commandTopic: string;
  /** Topic the device reports its state on ("ON"/"OFF"), if any. */
  readonly stateTopic?: string | undefined;
}

export type DeviceState = 'ON' | 'OFF';

/** Lowercase words only, so names line up with the recogniser's dictionary. */
export const spoken = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z' ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

export class DeviceRegistry {
  private readonly states = new Map<string, DeviceState>();

  constructor(readonly devices: readonly Device[]) {}

  rooms(): string[] {
    return [...new Set(this.devices.map((d) => spoken(d.room)))];
  }

  /** Every phrase that names a device: "light", "kitchen light", … */
  phrases(): string[] {
    const out = new Set<string>();
    for (const d of this.devices) {
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
   */
  resolve(phrase: string, room: string | undefined, satelliteRoom: string): Device[] {
    const p = spoken(phrase);
    const r = room === undefined ? undefined : spoken(room);
    const matches = this.devices.filter((d) => {
      const name = spoken(d.name);
      const dRoom = spoken(d.room);
      if (r !== undefined && dRoom !== r) return false;
      return p === name || p === `${dRoom} ${name}`;
    });
    if (matches.length <= 1 || r !== undefined) return matches;
    const own = matches.filter((d) => spoken(d.room) === spoken(satelliteRoom));
    return own.length > 0 ? own : matches;
  }

  find(id: string): Device | undefined {
    return this.devices.find((d) => d.id === id);
  }

  stateOf(id: string): DeviceState | undefined {
    return this.states.get(id);
  }

  /** Records a state report; returns the device it belongs to, if any. */
  recordState(topic: string, payload: string): Device | undefined {
    const device = this.devices.find((d) => d.stateTopic === topic);
    const value = payload.trim().toUpperCase();
    if (!device || (value !== 'ON' && value !== 'OFF')) return undefined;
    this.states.set(device.id, value);
    return device;
  }
}
