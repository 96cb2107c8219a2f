import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gpiodLeds, gpiosetVersion } from './gpiod.js';
import { createLeds, type DrivenLeds } from './leds.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jarvis-gpiod-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * A stand-in `gpioset`: logs "start ARGS" (and "stop" when signalled), answers --version like
 * libgpiod `version` does, and holds like the real one unless told to exit.
 */
async function fakeGpioset(
  version: string,
  failWith?: string,
): Promise<{ command: string; calls: () => Promise<string[]> }> {
  const log = join(dir, 'calls.log');
  const command = join(dir, 'gpioset');
  await writeFile(
    command,
    `#!/bin/sh
if [ "$1" = "--version" ]; then echo "gpioset (libgpiod) v${version}"; exit 0; fi
echo "start $*" >> '${log}'
${failWith ? `echo '${failWith}' >&2; exit 1` : ''}
case "$*" in *--mode=exit*|*-t0*) exit 0 ;; esac
trap 'echo "stop $*" >> "${log}"; exit 0' TERM
while :; do sleep 0.05; done
`,
  );
  await chmod(command, 0o755);
  return {
    command,
    calls: async () =>
      (await readFile(log, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean),
  };
}

const RGB = { red: 17, green: 27, blue: 22 };

describe('gpiodLeds', () => {
  it('libgpiod-v1-holds-each-state-with-one-gpioset-and-turns-off-on-close', async () => {
    const fake = await fakeGpioset('1.6.3');
    const leds = gpiodLeds({ chip: 'gpiochip0', pins: RGB, command: fake.command });
    leds.show('listening');
    await leds.flush();
    leds.show('speaking');
    await leds.flush();
    await leds.close();
    await sleep(100);
    expect(await fake.calls()).toEqual([
      'start --mode=signal gpiochip0 17=0 22=1 27=0',
      'stop --mode=signal gpiochip0 17=0 22=1 27=0',
      'start --mode=signal gpiochip0 17=0 22=0 27=1',
      'stop --mode=signal gpiochip0 17=0 22=0 27=1',
      'start --mode=exit gpiochip0 17=0 22=0 27=0',
    ]);
  });

  it('libgpiod-v2-uses-the-chip-option-and-active-low-levels', async () => {
    const fake = await fakeGpioset('2.1');
    expect(await gpiosetVersion(fake.command)).toBe(2);
    const leds = createLeds(
      { type: 'gpiod', chip: 'gpiochip4', pins: RGB, activeLow: true, command: fake.command },
      pino({ level: 'silent' }),
    ) as DrivenLeds;
    leds.show('error');
    await leds.flush();
    await leds.close();
    await sleep(100);
    expect(await fake.calls()).toEqual([
      'start -c gpiochip4 17=0 22=1 27=0',
      'stop -c gpiochip4 17=0 22=1 27=0',
      'start -t0 -c gpiochip4 17=1 22=1 27=1',
    ]);
  });

  it('a-failing-gpioset-is-logged-with-its-message', async () => {
    const fake = await fakeGpioset(
      '1.6.3',
      'gpioset: error setting the GPIO line values: Device or resource busy',
    );
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (s: string) => void lines.push(s) });
    const leds = gpiodLeds({ chip: 'gpiochip0', pins: RGB, command: fake.command, log });
    leds.show('wake');
    await leds.flush();
    expect(lines.join('')).toMatch(/led update failed/);
    expect(lines.join('')).toMatch(/exited with code 1: .*resource busy/);
    await leds.close();
  });

  it('says-to-install-gpiod-when-gpioset-is-missing', async () => {
    await expect(gpiosetVersion(join(dir, 'no-gpioset'))).rejects.toThrow(/apt-get install gpiod/);
  });
});
