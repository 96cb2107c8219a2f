/**
 * GPIO through the kernel's sysfs interface (/sys/class/gpio), written with plain node:fs: what
 * the `onoff` package does, without its native build. Raspberry Pi OS kernels before the Pi 5
 * have it; Pi 5 kernels do not (use the gpiod backend there).
 */
import { access, constants, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { LedDriver, ledLayout, type LedPins, type LedState } from './led-driver.js';
import type { DrivenLeds } from './leds.js';

export const SYSFS_GPIO_ROOT = '/sys/class/gpio';

/** One exported GPIO line under a sysfs root. */
export class SysfsPin {
  private exportedByUs = false;

  constructor(
    readonly root: string,
    readonly pin: number,
  ) {}

  private file(name: string): string {
    return join(this.root, `gpio${this.pin}`, name);
  }

  /**
   * Exports the line (unless already exported) and sets its direction. After `export` the kernel
   * creates gpioN/ at once, but udev may fix its permissions a little later: wait for that.
   */
  async open(direction: 'in' | 'out', timeoutMs = 2000): Promise<void> {
    if (!(await writable(this.file('direction')))) {
      await writeFile(join(this.root, 'export'), String(this.pin));
      this.exportedByUs = true;
      const deadline = performance.now() + timeoutMs;
      while (!(await writable(this.file('direction')))) {
        if (performance.now() > deadline) {
          throw new Error(
            `GPIO ${this.pin}: ${this.file('direction')} did not appear after export`,
          );
        }
        await sleep(10);
      }
    }
    await writeFile(this.file('direction'), direction);
  }

  async write(value: 0 | 1): Promise<void> {
    await writeFile(this.file('value'), String(value));
  }

  async read(): Promise<0 | 1> {
    return (await readFile(this.file('value'), 'utf8')).trim() === '0' ? 0 : 1;
  }

  /** Gives the line back to the kernel, if this process exported it, and waits until it is gone. */
  async close(timeoutMs = 1000): Promise<void> {
    if (!this.exportedByUs) return;
    this.exportedByUs = false;
    await writeFile(join(this.root, 'unexport'), String(this.pin));
    const deadline = performance.now() + timeoutMs;
    while ((await exists(join(this.root, `gpio${this.pin}`))) && performance.now() < deadline)
      await sleep(10);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function writable(path: string): Promise<boolean> {
  try {
    await access(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export interface SysfsLedsOptions {
  readonly pins: LedPins;
  /** sysfs GPIO directory (default /sys/class/gpio); tests point it at a temporary directory. */
  readonly root?: string;
  /** LEDs wired to light when the line is low (common-anode RGB LEDs). */
  readonly activeLow?: boolean;
  readonly log?: Logger;
}

/** LEDs on sysfs GPIO lines: exported as outputs on first use, turned off and unexported on close. */
export function sysfsLeds(options: SysfsLedsOptions): DrivenLeds {
  const root = options.root ?? SYSFS_GPIO_ROOT;
  const layout = ledLayout(options.pins);
  const lines = layout.pins.map((pin) => new SysfsPin(root, pin));
  let opened: Promise<void> | undefined;
  const level = (on: 0 | 1): 0 | 1 => (options.activeLow ? (on === 1 ? 0 : 1) : on);
  const apply = async (state: LedState): Promise<void> => {
    opened ??= (async () => {
      for (const line of lines) await line.open('out');
    })();
    await opened;
    const levels = layout.levels(state);
    for (const line of lines) await line.write(level(levels.get(line.pin) ?? 0));
  };
  const driver = new LedDriver(apply, options.log);
  return {
    show: (state) => driver.show(state),
    flush: () => driver.flush(),
    async close() {
      await driver.close();
      if (!opened) return;
      try {
        await apply('idle');
      } finally {
        for (const line of lines) await line.close();
      }
    },
  };
}
