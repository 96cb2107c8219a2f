/**
 * A provisioning step that cannot go on: `reason` is a stable word for scripts (`--json`),
 * `message` says what happened and what to do, for a person.
 */
export class ProvisionError extends Error {
  override readonly name = 'ProvisionError';

  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}
