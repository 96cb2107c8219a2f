/** The wire protocol version this code speaks; hub and satellite agree on one in hello/welcome. */
export const PROTOCOL_VERSION = 1;
export const SUPPORTED_VERSIONS: readonly number[] = [1];

/** Highest version both sides support, or null when there is none. */
export function negotiateVersion(
  offered: readonly number[],
  supported: readonly number[] = SUPPORTED_VERSIONS,
): number | null {
  let best: number | null = null;
  for (const v of offered) if (supported.includes(v) && (best === null || v > best)) best = v;
  return best;
}
