/** Status LEDs: what the satellite is doing, shown on GPIO lines or just logged. */
import type { Logger } from 'pino';
import { gpiodLeds } from './gpiod.js';
import type { LedPins, LedState } from './led-driver.js';
import { sysfsLeds } from './sysfs.js';

export {
  LED_STATES,
  RGB_COLOURS,
  type LedPins,
  type LedState,
  type RgbPins,
  type StatePins,
} from './led-driver.js';

export interface Leds {
  /** Switches to `state`; returns at once and never throws (hardware errors are logged). */
  show(state: LedState): void;
  /** Turns the LEDs off and releases the lines. */
  close(): Promise<void>;
}

/** LEDs driven in the background. */
export interface DrivenLeds extends Leds {
  /** Resolves once the latest state is on the pins. */
  flush(): Promise<void>;
}

/** No hardware: logs each change of state (info level), e.g. on a laptop or in tests. */
export function logLeds(log: Logger): Leds {
  let current: LedState | undefined;
  return {
    show(state) {
      if (state === current) return;
      current = state;
      log.info({ led: state }, 'led state');
    },
    close: () => Promise.resolve(),
  };
}

/** Which LED backend to use, as in the satellite config's `leds` section. */
export type LedsConfig =
  | { readonly type: 'log' }
  | {
      readonly type: 'sysfs';
      readonly pins: LedPins;
      readonly root?: string;
      readonly activeLow?: boolean;
    }
  | {
      readonly type: 'gpiod';
      readonly chip: string;
      readonly pins: LedPins;
      readonly activeLow?: boolean;
      readonly command?: string;
    };

/** Builds the configured LED backend; hardware errors surface later, in the log. */
export function createLeds(config: LedsConfig, log: Logger): Leds {
  switch (config.type) {
    case 'log':
      return logLeds(log);
    case 'sysfs':
      return sysfsLeds({ ...config, log });
    case 'gpiod':
      return gpiodLeds({ ...config, log });
  }
}
