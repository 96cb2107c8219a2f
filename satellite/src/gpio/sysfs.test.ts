import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sysfsButton } from './button.js';
import { createLeds, type DrivenLeds } from './leds.js';
import { sysfsLeds } from './sysfs.js';

/**
 * A stand-in for the kernel's /sys/class/gpio in a temp dir: a number written to `export`
 * makes gpioN/{direction,value} appear (a little later, as udev would); `unexport` removes it.
 */
class FakeSysfs {
  readonly exported: number[] = [];
  readonly unexported: number[] = [];
  /** Each pin's value when it was unexported. */
  readonly lastValues = new Map<number, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly root: string) {}

  async start(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await writeFile(join(this.root, 'export'), '');
    await writeFile(join(this.root, 'unexport'), '');
    this.timer = setInterval(() => void this.tick(), 5);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private busy = false;
  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const exp = (await readFile(join(this.root, 'export'), 'utf8')).trim();
      if (exp) {
        await writeFile(join(this.root, 'export'), '');
        const pin = Number(exp);
        this.exported.push(pin);
        await mkdir(join(this.root, `gpio${pin}`));
        await writeFile(join(this.root, `gpio${pin}`, 'value'), '0');
        await writeFile(join(this.root, `gpio${pin}`, 'direction'), 'in');
      }
      const unexp = (await readFile(join(this.root, 'unexport'), 'utf8')).trim();
      if (unexp) {
        await writeFile(join(this.root, 'unexport'), '');
        this.unexported.push(Number(unexp));
        this.lastValues.set(Number(unexp), await this.read(Number(unexp), 'value'));
        await rm(join(this.root, `gpio${unexp}`), { recursive: true });
      }
    } finally {
      this.busy = false;
    }
  }

  async read(pin: number, file: 'value' | 'direction'): Promise<string> {
    return (await readFile(join(this.root, `gpio${pin}`, file), 'utf8')).trim();
  }

  async values(pins: number[]): Promise<string> {
    return (await Promise.all(pins.map((p) => this.read(p, 'value')))).join('');
  }
}

let dir: string;
let sysfs: FakeSysfs;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jarvis-gpio-'));
  sysfs = new FakeSysfs(join(dir, 'gpio'));
  await sysfs.start();
});
afterEach(async () => {
  sysfs.stop();
  await rm(dir, { recursive: true, force: true });
});

const RGB = { red: 17, green: 27, blue: 22 };
const ORDER = [17, 27, 22]; // red, green, blue

describe('sysfsLeds', () => {
  it('exports-the-rgb-pins-as-outputs-and-writes-each-state-colour', async () => {
    const leds = sysfsLeds({ pins: RGB, root: sysfs.root });
    const seen: Record<string, string> = {};
    for (const state of [
      'listening',
      'thinking',
      'speaking',
      'error',
      'muted',
      'wake',
      'idle',
    ] as const) {
      leds.show(state);
      await leds.flush();
      seen[state] = await sysfs.values(ORDER);
    }
    expect(sysfs.exported.sort()).toEqual([17, 22, 27]);
    for (const pin of ORDER) expect(await sysfs.read(pin, 'direction')).toBe('out');
    expect(seen).toEqual({
      listening: '001',
      thinking: '011',
      speaking: '010',
      error: '110',
      muted: '100',
      wake: '111',
      idle: '000',
    });
    await leds.close();
  });

  it('close-turns-the-leds-off-and-unexports-the-pins', async () => {
    const leds = sysfsLeds({ pins: RGB, root: sysfs.root });
    leds.show('speaking');
    await leds.flush();
    expect(await sysfs.values(ORDER)).toBe('010');
    await leds.close();
    expect(sysfs.unexported.sort()).toEqual([17, 22, 27]);
    expect([...sysfs.lastValues.values()]).toEqual(['0', '0', '0']);
    expect(existsSync(join(sysfs.root, 'gpio27'))).toBe(false);
  });

  it('state-map-pins-and-active-low-wiring', async () => {
    const leds = sysfsLeds({
      pins: { listening: [5, 6], error: [6] },
      root: sysfs.root,
      activeLow: true,
    });
    leds.show('listening');
    await leds.flush();
    expect(await sysfs.values([5, 6])).toBe('00'); // active low: lit = 0
    leds.show('error');
    await leds.flush();
    expect(await sysfs.values([5, 6])).toBe('10');
    leds.show('speaking'); // not in the map: everything off
    await leds.flush();
    expect(await sysfs.values([5, 6])).toBe('11');
    await leds.close();
  });

  it('rapid-changes-end-on-the-latest-state', async () => {
    const leds = createLeds(
      { type: 'sysfs', pins: RGB, root: sysfs.root },
      pino({ level: 'silent' }),
    ) as DrivenLeds;
    for (const state of ['wake', 'listening', 'thinking', 'speaking', 'muted'] as const)
      leds.show(state);
    await leds.flush();
    expect(await sysfs.values(ORDER)).toBe('100');
    await leds.close();
  });

  it('a-pin-that-never-appears-is-logged-not-thrown', async () => {
    sysfs.stop(); // no kernel: export does nothing
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (s: string) => void lines.push(s) });
    const leds = sysfsLeds({ pins: { idle: [9] }, root: join(dir, 'nowhere'), log });
    leds.show('listening');
    await leds.flush();
    expect(lines.join('')).toMatch(/led update failed/);
    await leds.close().catch(() => undefined);
  });
});

describe('sysfsButton', () => {
  it('fires-once-per-press-on-an-active-low-input', async () => {
    const button = sysfsButton({ pin: 4, root: sysfs.root, pollMs: 5, debounceMs: 150 });
    let presses = 0;
    button.onPress(() => presses++);
    const value = join(sysfs.root, 'gpio4', 'value');
    while (!existsSync(value)) await sleep(5);
    await writeFile(value, '1'); // released (pulled up)
    await sleep(30);
    expect(await sysfs.read(4, 'direction')).toBe('in');
    await writeFile(value, '0'); // pressed
    await sleep(30);
    await writeFile(value, '1');
    await sleep(10);
    await writeFile(value, '0'); // contact bounce inside the debounce window
    await sleep(30);
    expect(presses).toBe(1);
    await writeFile(value, '1');
    await sleep(150);
    await writeFile(value, '0'); // a second real press, after the debounce window
    await sleep(40);
    expect(presses).toBe(2);
    await button.close();
    expect(sysfs.unexported).toEqual([4]);
  });
});
