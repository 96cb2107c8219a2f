import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors.js';
import {
  negotiateVersion,
  PROTOCOL_VERSION,
  requireVersion,
  SUPPORTED_VERSIONS,
} from './version.js';

describe('version negotiation', () => {
  it('picks-the-highest-common-version', () => {
    expect(negotiateVersion([1, 2, 3], [1, 2])).toBe(2);
    expect(negotiateVersion([3, 1, 2], [2, 3, 4])).toBe(3);
  });

  it('this-build-speaks-version-1', () => {
    expect(PROTOCOL_VERSION).toBe(1);
    expect(SUPPORTED_VERSIONS).toContain(PROTOCOL_VERSION);
    expect(negotiateVersion([PROTOCOL_VERSION])).toBe(1);
  });

  it('no-common-version-is-null', () => {
    expect(negotiateVersion([7])).toBeNull();
    expect(negotiateVersion([])).toBeNull();
  });

  it('require-version-throws-unsupported-version', () => {
    expect(requireVersion([1, 9])).toBe(1);
    expect(() => requireVersion([9])).toThrow(ProtocolError);
    try {
      requireVersion([9]);
    } catch (err) {
      expect((err as ProtocolError).code).toBe('unsupported-version');
    }
  });
});
