import { ProtocolError } from './errors.js';

/** The wire protocol version this code speaks; hub and satellite agree on one in hello/welcome. */
export const PROTOCOL_VERSION = 1;
/** Every version this code can speak, oldest first. */
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

/**
 * Like {@link negotiateVersion}, for callers that treat no common version as an error.
 * @throws ProtocolError 'unsupported-version'
 */
export function requireVersion(
  offered: readonly number[],
  supported: readonly number[] = SUPPORTED_VERSIONS,
): number {
  const v = negotiateVersion(offered, supported);
  if (v === null) {
    throw new ProtocolError(
      'unsupported-version',
      `no common protocol version: offered [${offered.slice(0, 8).join(', ')}], supported [${supported.join(', ')}]`,
    );
  }
  return v;
}
