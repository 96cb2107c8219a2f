/**
 * What one discovered device reports: its state, availability and readings, folded from the
 * payloads on its topics the way Home Assistant's MQTT entities read them.
 */
import type { DiscoveredDevice } from './discovery.js';
import type { DeviceState } from './registry.js';
import { compileValueTemplate, type ValueTemplate } from './value-template.js';

/** What the registry knows of a device right now. */
export interface DiscoveredState {
  /** True when the device has no availability topics; else per HA's availability_mode. */
  readonly available: boolean;
  /** The last state_topic payload after the state template (sensor readings, cover states…). */
  readonly value?: string;
  /** On/off, for lights, switches, fans, binary sensors, covers (open = ON), climates (mode). */
  readonly power?: DeviceState;
  /** Lights: 0–100, scaled from brightness_scale. */
  readonly brightnessPercent?: number;
  /** Covers: 0–100, 100 fully open, scaled between position_closed and position_open. */
  readonly positionPercent?: number;
  readonly targetTemperature?: number;
  readonly currentTemperature?: number;
  /** Climates: the HVAC mode (`heat`, `off`, …). */
  readonly mode?: string;
  /** The last JSON object on json_attributes_topic. */
  readonly attributes?: Readonly<Record<string, unknown>>;
}

/** What a subscribed topic carries for a device. */
export type Role =
  | {
      readonly kind:
        'state' | 'brightness' | 'position' | 'target' | 'current' | 'mode' | 'attributes';
    }
  | { readonly kind: 'availability'; readonly index: number };

export interface Watch {
  readonly filter: string;
  readonly role: Role;
}

/** One device's live state. */
export class DeviceTracker {
  readonly watches: readonly Watch[];
  private current: DiscoveredState;
  /** Per availability entry, as HA's MqttAvailability keeps it: unavailable until told. */
  private readonly availableByTopic: boolean[];
  private availableLatest = false;

  constructor(private readonly device: DiscoveredDevice) {
    this.watches = watchesOf(device);
    this.current = { available: device.availability.length === 0 };
    this.availableByTopic = device.availability.map(() => false);
  }

  get state(): DiscoveredState {
    return this.current;
  }

  /** Takes one payload from one of the device's topics. */
  apply(role: Role, payload: string): void {
    const d = this.device;
    const s = this.current;
    switch (role.kind) {
      case 'availability': {
        const a = d.availability[role.index];
        if (!a) return;
        const v = render(a.valueTemplate, payload);
        // HA MqttAvailability: other payloads leave availability as it was.
        if (v !== a.payloadAvailable && v !== a.payloadNotAvailable) return;
        this.availableByTopic[role.index] = v === a.payloadAvailable;
        this.availableLatest = v === a.payloadAvailable;
        const available =
          d.availabilityMode === 'all'
            ? this.availableByTopic.every(Boolean)
            : d.availabilityMode === 'any'
              ? this.availableByTopic.some(Boolean)
              : this.availableLatest;
        this.current = { ...s, available };
        return;
      }
      case 'state': {
        const value = render(d.stateTemplate, payload);
        if (value === undefined) return;
        const power = value === d.stateOn ? 'ON' : value === d.stateOff ? 'OFF' : s.power;
        const next: { -readonly [K in keyof DiscoveredState]: DiscoveredState[K] } = {
          ...s,
          value,
          power: d.component === 'sensor' ? undefined : power,
        };
        if (d.commandFormat === 'json' && d.brightness) {
          // JSON-schema lights carry brightness in the same state document.
          const b = toNumber(render('{{ value_json.brightness }}', payload));
          if (b !== undefined) next.brightnessPercent = percent(b, 0, d.brightness.scale);
        }
        this.current = next;
        return;
      }
      case 'brightness': {
        const b = toNumber(render(d.brightness?.valueTemplate, payload));
        if (b === undefined || !d.brightness) return;
        this.current = { ...s, brightnessPercent: percent(b, 0, d.brightness.scale) };
        return;
      }
      case 'position': {
        const p = toNumber(render(d.position?.template, payload));
        if (p === undefined || !d.position) return;
        const positionPercent = percent(p, d.position.closed, d.position.open);
        // A cover with a position but no state topic takes open/closed from the position (HA).
        const power = d.stateTopic === undefined ? (positionPercent > 0 ? 'ON' : 'OFF') : s.power;
        this.current = { ...s, positionPercent, power };
        return;
      }
      case 'target': {
        const t = toNumber(render(d.temperature?.stateTemplate, payload));
        if (t !== undefined) this.current = { ...s, targetTemperature: t };
        return;
      }
      case 'current': {
        const t = toNumber(render(d.temperature?.currentTemplate, payload));
        if (t !== undefined) this.current = { ...s, currentTemperature: t };
        return;
      }
      case 'mode': {
        const mode = render(d.mode?.stateTemplate, payload);
        if (mode === undefined || mode === '') return;
        this.current = { ...s, mode, power: mode === 'off' ? 'OFF' : 'ON' };
        return;
      }
      case 'attributes': {
        let attributes: unknown;
        try {
          attributes = JSON.parse(payload);
        } catch {
          return;
        }
        if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes))
          return;
        this.current = { ...s, attributes: attributes as Record<string, unknown> };
        return;
      }
    }
  }
}

function watchesOf(d: DiscoveredDevice): Watch[] {
  const out: Watch[] = [];
  const add = (filter: string | undefined, role: Role): void => {
    if (filter !== undefined) out.push({ filter, role });
  };
  add(d.stateTopic, { kind: 'state' });
  d.availability.forEach((a, index) => add(a.topic, { kind: 'availability', index }));
  add(d.jsonAttributesTopic, { kind: 'attributes' });
  add(d.brightness?.stateTopic, { kind: 'brightness' });
  add(d.position?.topic, { kind: 'position' });
  add(d.temperature?.stateTopic, { kind: 'target' });
  add(d.temperature?.currentTopic, { kind: 'current' });
  add(d.mode?.stateTopic, { kind: 'mode' });
  return out;
}

function toNumber(s: string | undefined): number | undefined {
  if (s === undefined || s.trim() === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** Where `value` lies between `zero` and `full`, as 0–100, clamped. */
function percent(value: number, zero: number, full: number): number {
  if (full === zero) return 0;
  const p = ((value - zero) / (full - zero)) * 100;
  return Math.round(Math.min(100, Math.max(0, p)));
}

/** Templates come from configs, so the cache is bounded against a flood of distinct ones. */
const TEMPLATE_CACHE_MAX = 1_000;
const templates = new Map<string, ValueTemplate | undefined>();

function render(template: string | undefined, payload: string): string | undefined {
  if (template === undefined) return payload;
  if (!templates.has(template)) {
    if (templates.size >= TEMPLATE_CACHE_MAX) templates.clear();
    templates.set(template, compileValueTemplate(template));
  }
  return templates.get(template)?.(payload);
}
