/** Why a message from the wire was refused. */
export type ProtocolErrorCode =
  | 'bad-json'
  | 'json-too-large'
  | 'frame-too-large'
  | 'bad-event'
  | 'unknown-event'
  | 'wrong-direction'
  | 'bad-frame'
  | 'unsupported-version';

/** What an error looks like on the wire (an `error` event carries these fields): no stack, no cause. */
export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
}

/**
 * The one error every decoder here throws: invalid input never surfaces as anything else.
 * Never retryable: sending the same bytes again gets the same answer.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly retryable = false as const;

  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    /** Extra context for logs (e.g. the JSON parser's message); not sent to the peer. */
    readonly detail?: string,
  ) {
    super(message);
  }

  /** The fields safe to send to the peer in an `error` event. */
  toWire(): WireError {
    return { code: this.code, message: this.message, retryable: this.retryable };
  }
}

/** Narrowing helper for catch blocks. */
export function isProtocolError(err: unknown): err is ProtocolError {
  return err instanceof ProtocolError;
}
