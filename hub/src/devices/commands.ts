/**
 * MQTT messages for what a device can do besides on/off, written the way Home Assistant's MQTT
 * integration writes them (https://www.home-assistant.io/integrations/light.mqtt/, cover.mqtt,
 * climate.mqtt), from the capabilities its discovery config announced.
 */
import type { DiscoveredDevice } from './discovery-schema.js';
import type { Device } from './registry.js';

export interface MqttCommand {
  readonly topic: string;
  readonly payload: string;
}

/** A device with whatever discovery told about it (configured devices have none of it). */
export type CapableDevice = Device &
  Partial<
    Pick<
      DiscoveredDevice,
      'component' | 'commandFormat' | 'brightness' | 'color' | 'position' | 'temperature'
    >
  >;

/** Brightness 0–100 %: JSON lights get `{"state":"ON","brightness":n}`, others n on their brightness topic. */
export function brightnessCommand(d: CapableDevice, percent: number): MqttCommand | undefined {
  const b = d.brightness;
  if (!b) return undefined;
  const raw = Math.round((Math.min(100, Math.max(0, percent)) / 100) * b.scale);
  if (d.commandFormat === 'json') {
    if (d.commandTopic === undefined) return undefined;
    return {
      topic: d.commandTopic,
      payload: JSON.stringify(raw === 0 ? { state: 'OFF' } : { state: 'ON', brightness: raw }),
    };
  }
  return b.commandTopic ? { topic: b.commandTopic, payload: String(raw) } : undefined;
}

/** sRGB 0–255 → CIE 1931 xy, as HA's color_util does for lights in xy mode. */
function rgbToXy([r, g, b]: readonly [number, number, number]): { x: number; y: number } {
  const lin = (c: number): number => {
    const v = c / 255;
    return v > 0.04045 ? ((v + 0.055) / 1.055) ** 2.4 : v / 12.92;
  };
  const [R, G, B] = [lin(r), lin(g), lin(b)];
  const X = R * 0.664511 + G * 0.154324 + B * 0.162028;
  const Y = R * 0.283881 + G * 0.668433 + B * 0.047685;
  const Z = R * 0.000088 + G * 0.07231 + B * 0.986039;
  const sum = X + Y + Z;
  if (sum === 0) return { x: 0, y: 0 };
  return { x: Math.round((X / sum) * 1e4) / 1e4, y: Math.round((Y / sum) * 1e4) / 1e4 };
}

/** sRGB → hue (0–360) and saturation (0–100). */
function rgbToHs([r, g, b]: readonly [number, number, number]): { h: number; s: number } {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  let h = 0;
  if (d !== 0) {
    if (max === r) h = ((g - b) / d) % 6;
    else if (max === g) h = (b - r) / d + 2;
    else h = (r - g) / d + 4;
  }
  return {
    h: Math.round(((h * 60 + 360) % 360) * 10) / 10,
    s: max === 0 ? 0 : Math.round((d / max) * 1000) / 10,
  };
}

/** A colour for a JSON light in whichever colour mode it supports: rgb, xy or hs. */
export function colorCommand(
  d: CapableDevice,
  rgb: readonly [number, number, number],
): MqttCommand | undefined {
  const modes = d.color?.modes ?? [];
  if (d.commandFormat !== 'json' || d.commandTopic === undefined) return undefined;
  let color: Record<string, number> | undefined;
  if (modes.some((m) => m === 'rgb' || m === 'rgbw' || m === 'rgbww'))
    color = { r: rgb[0], g: rgb[1], b: rgb[2] };
  else if (modes.includes('xy')) color = rgbToXy(rgb);
  else if (modes.includes('hs')) color = rgbToHs(rgb);
  if (!color) return undefined;
  return { topic: d.commandTopic, payload: JSON.stringify({ state: 'ON', color }) };
}

/** A thermostat's settable range; Home Assistant's climate.mqtt defaults when not announced. */
const temperatureRange = (t: {
  readonly min?: number | undefined;
  readonly max?: number | undefined;
}): [number, number] => [t.min ?? 7, t.max ?? 35];

/** Target temperature for a climate device, within the range it announced. */
export function temperatureCommand(
  d: CapableDevice,
  degrees: number,
): MqttCommand | { readonly outOfRange: readonly [number, number] } | undefined {
  const t = d.temperature;
  if (!t?.commandTopic) return undefined;
  const [min, max] = temperatureRange(t);
  if (degrees < min || degrees > max) return { outOfRange: [min, max] };
  return { topic: t.commandTopic, payload: String(degrees) };
}

/** Cover position 0 (closed) – 100 (open) %, mapped onto its position_closed…position_open. */
export function positionCommand(d: CapableDevice, percent: number): MqttCommand | undefined {
  const p = d.position;
  if (!p?.setTopic) return undefined;
  const raw = Math.round(
    p.closed + ((p.open - p.closed) * Math.min(100, Math.max(0, percent))) / 100,
  );
  if (p.setTemplate === undefined) return { topic: p.setTopic, payload: String(raw) };
  // Only the number is filled in; a template that needs more (Jinja logic) is not ours to run.
  const payload = p.setTemplate.replace(/\{\{\s*position\s*\}\}/g, String(raw));
  return /\{[{%]/.test(payload) ? undefined : { topic: p.setTopic, payload };
}

/**
 * Opening or closing a cover: its OPEN/CLOSE payload, or, with no command topic, its position
 * set to fully open or closed (as Home Assistant does).
 */
export function openCloseCommand(d: CapableDevice, open: boolean): MqttCommand | undefined {
  if (d.component !== 'cover') return undefined;
  if (d.commandTopic !== undefined)
    return {
      topic: d.commandTopic,
      payload: (open ? d.payloadOn : d.payloadOff) ?? (open ? 'OPEN' : 'CLOSE'),
    };
  return positionCommand(d, open ? 100 : 0);
}

/**
 * The devices each capability intent can act on. The recogniser's grammar offers these intents
 * only with such devices (a home with no dimmable light gets no "set … to 50 percent"), so its
 * grammar grows with what the home can do rather than with every device × every intent.
 */
export const INTENT_DEVICES: Readonly<Record<string, (d: CapableDevice) => boolean>> = {
  // A cover takes "set … to n percent" as its position (see handle.ts).
  set_brightness: (d) =>
    brightnessCommand(d, 50) !== undefined || positionCommand(d, 50) !== undefined,
  set_color: (d) => colorCommand(d, [255, 0, 0]) !== undefined,
  set_temperature: (d) => d.temperature?.commandTopic !== undefined,
  set_position: (d) => positionCommand(d, 50) !== undefined,
  open: (d) => openCloseCommand(d, true) !== undefined,
  close: (d) => openCloseCommand(d, false) !== undefined,
};

/** Whole degrees a voice may set on these thermostats: their announced ranges together. */
export function settableDegrees(devices: readonly CapableDevice[]): number[] {
  const out = new Set<number>();
  for (const d of devices) {
    if (!d.temperature?.commandTopic) continue;
    const [low, high] = temperatureRange(d.temperature);
    // The grammar has words for 0–100 only; a freezer's -18 is understood from a transcript.
    const min = Math.max(0, Math.ceil(low));
    const max = Math.min(100, Math.floor(high));
    for (let n = min; n <= max; n++) out.add(n);
  }
  return [...out].sort((a, b) => a - b);
}
