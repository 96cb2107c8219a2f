/**
 * LEDs through libgpiod's `gpioset` command (Debian/Raspberry Pi OS package `gpiod`): the GPIO
 * character device, which is all a Pi 5 kernel offers. A line keeps its level only while the
 * process that set it runs, so each state is one long-running `gpioset`, replaced on change.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { LedDriver, ledLayout, type LedPins, type LedState } from './led-driver.js';
import type { DrivenLeds } from './leds.js';

const run = promisify(execFile);

export interface GpiodLedsOptions {
  /** GPIO chip name or path, e.g. `gpiochip0` (Pi 5: `gpiochip4` on older kernels). */
  readonly chip: string;
  readonly pins: LedPins;
  /** LEDs wired to light when the line is low. */
  readonly activeLow?: boolean;
  /** The gpioset executable (default `gpioset` on PATH). */
  readonly command?: string;
  /** libgpiod major version; asked of `gpioset --version` when left out. Their arguments differ. */
  readonly version?: 1 | 2;
  readonly log?: Logger;
}

/** `gpioset` arguments: `hold` keeps the process running (and the lines set) until killed. */
export function gpiosetArgs(
  version: 1 | 2,
  chip: string,
  levels: Map<number, 0 | 1>,
  hold: boolean,
): string[] {
  const values = [...levels].map(([pin, value]) => `${pin}=${value}`);
  // v1: gpioset [--mode=signal] CHIP OFFSET=V...; v2: gpioset [-t0] -c CHIP OFFSET=V... (holds by default)
  return version === 1
    ? [hold ? '--mode=signal' : '--mode=exit', chip, ...values]
    : [...(hold ? [] : ['-t0']), '-c', chip, ...values];
}

/** Asks `gpioset --version` for libgpiod's major version ("gpioset (libgpiod) v1.6.3"). */
export async function gpiosetVersion(command = 'gpioset'): Promise<1 | 2> {
  let stdout: string;
  try {
    ({ stdout } = await run(command, ['--version']));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new Error(
        `gpiod LEDs need \`${command}\`, which is not installed: apt-get install gpiod`,
        { cause: err },
      );
    }
    throw err;
  }
  const major = /v(\d+)\./.exec(stdout)?.[1];
  return major !== undefined && Number(major) >= 2 ? 2 : 1;
}

export function gpiodLeds(options: GpiodLedsOptions): DrivenLeds {
  const command = options.command ?? 'gpioset';
  const layout = ledLayout(options.pins);
  let version: Promise<1 | 2> | undefined;
  let holder: ChildProcess | undefined;

  const levelsFor = (state: LedState): Map<number, 0 | 1> => {
    const levels = layout.levels(state);
    if (options.activeLow) for (const [pin, v] of levels) levels.set(pin, v === 1 ? 0 : 1);
    return levels;
  };

  const release = async (): Promise<void> => {
    const child = holder;
    holder = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };

  const apply = async (state: LedState): Promise<void> => {
    version ??=
      options.version !== undefined ? Promise.resolve(options.version) : gpiosetVersion(command);
    const args = gpiosetArgs(await version, options.chip, levelsFor(state), true);
    await release(); // the lines are busy while the previous gpioset holds them
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr
      ?.setEncoding('utf8')
      .on('data', (s: string) => (stderr = (stderr + s).slice(-1000)));
    holder = child;
    // Failing fast (busy line, bad chip) shows up as an early exit; otherwise it holds the lines.
    await new Promise<void>((resolve, reject) => {
      const settle = setTimeout(resolve, 50);
      child.once('error', (err) => {
        clearTimeout(settle);
        reject(err);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(settle);
        if (signal === null && code !== 0)
          reject(new Error(`${command} exited with code ${code}: ${stderr.trim()}`));
        else resolve();
      });
    });
  };

  const driver = new LedDriver(apply, options.log);
  return {
    show: (state) => driver.show(state),
    flush: () => driver.flush(),
    async close() {
      await driver.close();
      if (!version) return;
      await release();
      // Leave the LEDs dark rather than at whatever level the kernel falls back to.
      await run(command, gpiosetArgs(await version, options.chip, levelsFor('idle'), false)).catch(
        (err: unknown) =>
          options.log?.warn({ err: (err as Error).message }, 'could not turn LEDs off'),
      );
    },
  };
}
