/** What each LED state lights, and a serial "latest state wins" driver shared by the GPIO backends. */
import type { Logger } from 'pino';

export const LED_STATES = [
  'idle',
  'wake',
  'listening',
  'thinking',
  'speaking',
  'error',
  'muted',
] as const;
export type LedState = (typeof LED_STATES)[number];

/** The three GPIO lines of an RGB LED. */
export interface RgbPins {
  readonly red: number;
  readonly green: number;
  readonly blue: number;
}
/** Or any LEDs: for each state, the pins that are on (a state left out turns everything off). */
export type StatePins = Partial<Record<LedState, readonly number[]>>;
export type LedPins = RgbPins | StatePins;

/** The colour of each state on an RGB LED. */
export const RGB_COLOURS: Record<LedState, readonly (keyof RgbPins)[]> = {
  idle: [],
  wake: ['red', 'green', 'blue'], // white flash
  listening: ['blue'],
  thinking: ['green', 'blue'], // cyan
  speaking: ['green'],
  error: ['red', 'green'], // amber
  muted: ['red'],
};

function isRgb(pins: LedPins): pins is RgbPins {
  return 'red' in pins || 'green' in pins || 'blue' in pins;
}

/** Resolves a pin layout into every pin used and the on/off level of each pin per state. */
export function ledLayout(pins: LedPins): {
  pins: number[];
  levels(state: LedState): Map<number, 0 | 1>;
} {
  const on: Record<LedState, readonly number[]> = Object.fromEntries(
    LED_STATES.map((state) => [
      state,
      isRgb(pins) ? RGB_COLOURS[state].map((colour) => pins[colour]) : (pins[state] ?? []),
    ]),
  ) as Record<LedState, readonly number[]>;
  const all = [...new Set(LED_STATES.flatMap((s) => on[s]))].sort((a, b) => a - b);
  for (const pin of all) {
    if (!Number.isInteger(pin) || pin < 0) throw new RangeError(`invalid GPIO pin ${pin}`);
  }
  return {
    pins: all,
    levels: (state) => new Map(all.map((pin) => [pin, on[state].includes(pin) ? 1 : 0])),
  };
}

/**
 * Applies LED states one at a time in the background. `show` never blocks or throws: if states
 * come faster than the hardware takes them, the ones in between are skipped; failures are logged.
 */
export class LedDriver {
  private wanted: LedState | undefined;
  private applied: LedState | undefined;
  private running: Promise<void> = Promise.resolve();
  private closed = false;
  /** The last failure, if any (also logged). */
  lastError: Error | undefined;

  constructor(
    private readonly apply: (state: LedState) => Promise<void>,
    private readonly log?: Logger,
  ) {}

  show(state: LedState): void {
    if (this.closed) return;
    const idle = this.wanted === this.applied;
    this.wanted = state;
    if (idle) this.running = this.run();
  }

  /** Resolves once the latest state has been applied (or has failed). */
  flush(): Promise<void> {
    return this.running;
  }

  /** Stops taking states; resolves when the one in progress is done. */
  async close(): Promise<void> {
    this.closed = true;
    await this.running;
  }

  private async run(): Promise<void> {
    while (this.wanted !== undefined && this.wanted !== this.applied) {
      const state = this.wanted;
      try {
        await this.apply(state);
      } catch (err) {
        this.lastError = err instanceof Error ? err : new Error(String(err));
        this.log?.warn({ err: this.lastError.message, state }, 'led update failed');
      }
      this.applied = state;
    }
  }
}
