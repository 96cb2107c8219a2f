export type ProtocolErrorCode =
  | 'bad-json'
  | 'json-too-large'
  | 'frame-too-large'
  | 'bad-event'
  | 'unknown-event'
  | 'wrong-direction'
  | 'bad-frame'
  | 'unsupported-version';

/** The one error every decoder throws: invalid input never surfaces as anything else. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly retryable = false;
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** What an error looks like on the wire: no stack, no cause. */
export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
}
