import { ProtocolError } from '../errors.js';

/** For tests: the ProtocolError code `fn` throws, a marker for any other throw, or undefined. */
export function protocolErrorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ProtocolError ? err.code : `not a ProtocolError: ${String(err)}`;
  }
  return undefined;
}
