/** A push button on a GPIO input. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { SYSFS_GPIO_ROOT, SysfsPin } from './sysfs.js';

export interface Button {
  /** Calls `cb` on each press (debounced). */
  onPress(cb: () => void): void;
  close(): Promise<void>;
}

export interface SysfsButtonOptions {
  readonly pin: number;
  readonly root?: string;
  /** The button pulls the line low when pressed (the usual wiring, with a pull-up); default true. */
  readonly activeLow?: boolean;
  /** How often the line is read, in ms (default 20). */
  readonly pollMs?: number;
  /** Presses closer together than this are one press, in ms (default 200). */
  readonly debounceMs?: number;
  readonly log?: Logger;
}

/**
 * A push button on a sysfs GPIO input. Node cannot wait for a sysfs edge interrupt without a
 * native module (onoff uses epoll), so the line is read every `pollMs`: a few µs of CPU each time.
 */
export function sysfsButton(options: SysfsButtonOptions): Button {
  const line = new SysfsPin(options.root ?? SYSFS_GPIO_ROOT, options.pin);
  const pressedLevel = (options.activeLow ?? true) ? 0 : 1;
  const debounceMs = options.debounceMs ?? 200;
  const callbacks: (() => void)[] = [];
  let stopped = false;
  let lastPressAt = -Infinity;
  const loop = (async () => {
    await line.open('in');
    let previous = await line.read();
    while (!stopped) {
      await sleep(options.pollMs ?? 20);
      const value = await line.read();
      const now = performance.now();
      if (value !== previous && value === pressedLevel && now - lastPressAt >= debounceMs) {
        lastPressAt = now;
        for (const cb of callbacks) cb();
      }
      previous = value;
    }
  })().catch((err: unknown) => {
    options.log?.error({ err: (err as Error).message, pin: options.pin }, 'button stopped');
  });
  return {
    onPress: (cb) => void callbacks.push(cb),
    async close() {
      stopped = true;
      await loop;
      await line.close();
    },
  };
}
