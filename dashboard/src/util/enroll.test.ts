// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { enrollUrl, provisionCommand, shellQuote } from './enroll';

describe('provisioning command', () => {
  it('is the documented command, with --id only when a satellite id is given', () => {
    const args = {
      origin: 'http://hub.local:8765',
      code: 'ABCD-EFGH-JKLM',
      room: 'kitchen',
      host: 'raspberrypi.local',
    };
    expect(provisionCommand(args)).toBe(
      'npx jarvis-provision enroll --hub http://hub.local:8765 --code ABCD-EFGH-JKLM --room kitchen --ssh pi@raspberrypi.local',
    );
    expect(provisionCommand({ ...args, satelliteId: 'kitchen-2' })).toContain(
      '--room kitchen --id kitchen-2 --ssh',
    );
  });

  it('quotes rooms a shell would split or misread', () => {
    expect(shellQuote('living room')).toBe("'living room'");
    expect(shellQuote("kid's room")).toBe("'kid'\\''s room'");
    expect(shellQuote('$(reboot)')).toBe("'$(reboot)'");
    expect(shellQuote('pi@192.168.1.20')).toBe('pi@192.168.1.20');
  });

  it('links the QR code to the hub and the code', () => {
    expect(enrollUrl('https://hub.local:8765', 'ABCD-EFGH-JKLM')).toBe(
      'jarvis://enroll?hub=https://hub.local:8765&code=ABCD-EFGH-JKLM',
    );
  });
});
