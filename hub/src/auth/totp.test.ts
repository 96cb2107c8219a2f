import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, matchTotp, otpauthUri, stepAt, totpCode } from './totp.js';

// RFC 6238 appendix B, SHA-1: the ASCII secret "12345678901234567890".
const RFC_SECRET = base32Encode(Buffer.from('12345678901234567890'));

describe('TOTP', () => {
  it('matches-the-rfc-6238-test-vectors', () => {
    expect(RFC_SECRET).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    for (const [t, code] of [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
      [20000000000, '65353130'],
    ] as const)
      expect(totpCode(RFC_SECRET, stepAt(t * 1000), 8), String(t)).toBe(code);
    expect(base32Decode(RFC_SECRET).toString()).toBe('12345678901234567890');
  });

  it('accepts-a-code-one-step-either-side-once-and-nothing-else', () => {
    const now = 1_700_000_000_000;
    const step = stepAt(now);
    const code = totpCode(RFC_SECRET, step);
    expect(matchTotp(RFC_SECRET, code, now, null)).toBe(step);
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, step - 1), now, null)).toBe(step - 1);
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, step + 1), now, null)).toBe(step + 1);
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, step - 2), now, null)).toBeUndefined();
    // Used already (its step or a later one): a replay.
    expect(matchTotp(RFC_SECRET, code, now, step)).toBeUndefined();
    for (const bad of ['', '12345', '1234567', 'abcdef', ' 12345'])
      expect(matchTotp(RFC_SECRET, bad, now, null)).toBeUndefined();
    expect(otpauthUri(RFC_SECRET, 'alice')).toBe(
      `otpauth://totp/Jarvis%3Aalice?secret=${RFC_SECRET}&issuer=Jarvis&algorithm=SHA1&digits=6&period=30`,
    );
  });
});
