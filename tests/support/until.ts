import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `what` until it holds (true) or `timeoutMs` passes (false). */
export async function until(
  what: () => boolean | Promise<boolean>,
  timeoutMs: number,
  stepMs = 50,
): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!(await what())) {
    if (Date.now() > end) return false;
    await sleep(stepMs);
  }
  return true;
}
