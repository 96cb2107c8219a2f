import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classifySshFailure,
  describeTarget,
  parseSshTarget,
  shellQuote,
  SshError,
  sshArgs,
} from './ssh.js';

const exec = promisify(execFile);

/** What a real POSIX shell makes of a quoted word. */
async function throughShell(value: string): Promise<string> {
  return (await exec('sh', ['-c', `printf %s ${shellQuote(value)}`])).stdout;
}

describe('parseSshTarget', () => {
  it.each([
    ['pi@raspberrypi.local', 'pi', 'raspberrypi.local'],
    ['pi@192.168.1.20', 'pi', '192.168.1.20'],
    ['john.doe@kitchen', 'john.doe', 'kitchen'],
    ['pi@[::1]', 'pi', '::1'],
    ['pi@[fe80::1:2]', 'pi', 'fe80::1:2'],
    ['_svc@host-1.lan.', '_svc', 'host-1.lan.'],
  ])('accepts %s', (spec, user, host) => {
    expect(parseSshTarget(spec)).toEqual({ user, host });
  });

  it('carries-port-identity-and-known-hosts', () => {
    const opts = { port: 2222, identityFile: '/k', knownHostsFile: '/kh' };
    expect(parseSshTarget('pi@host', opts)).toEqual({ user: 'pi', host: 'host', ...opts });
  });

  it.each([
    ['raspberrypi.local', /needs a user/],
    ['@host', /is not a user name/],
    ['pi@', /is not a host/],
    ['-oProxyCommand=touch@host', /is not a user name/],
    ['pi@-oProxyCommand=touch', /is not a host/],
    ['pi@host;reboot', /is not a host/],
    ['pi@$(reboot)', /is not a host/],
    ['pi@`reboot`', /is not a host/],
    ['pi@ho st', /is not a host/],
    ['pi@host\n', /is not a host/],
    ['p i@host', /is not a user name/],
    ['pi$x@host', /is not a user name/],
    ['a@b@host', /is not a user name/],
    ['pi@host:22', /--port/],
    ['pi@::1', /IPv6 goes in brackets/],
    ['pi@[host]', /not an IPv6 address/],
    ['pi@[::1];x', /is not a host/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseSshTarget(spec)).toThrow(message);
  });

  it.each([0, 65_536, 1.5, -22])('refuses-port %d', (port) => {
    expect(() => parseSshTarget('pi@host', { port })).toThrow(/not a port number/);
  });
});

describe('shellQuote', () => {
  it.each([
    '',
    'plain',
    "it's",
    "'; reboot; echo '",
    '$(reboot)',
    '`reboot`',
    '${HOME}',
    '"$HOME"',
    'a\nb\n',
    'back\\slash',
    '*',
    '-n',
    '~/x',
    'tab\there',
    'ünïcødé ✓',
  ])('round-trips %j through sh', async (value) => {
    expect(await throughShell(value)).toBe(value);
  });

  it('round-trips-any-string-through-sh', async () => {
    const anyText = fc.string({ unit: 'binary-ascii' }).filter((s) => !s.includes('\0'));
    await fc.assert(
      fc.asyncProperty(anyText, async (value) => {
        expect(await throughShell(value)).toBe(value);
      }),
      { numRuns: 40 },
    );
  });

  it('refuses-nul', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });
});

describe('sshArgs', () => {
  it('never-prompts-and-uses-only-the-given-key', () => {
    const args = sshArgs({
      user: 'pi',
      host: 'h',
      port: 2222,
      identityFile: '/k',
      knownHostsFile: '/kh',
    });
    expect(args).toEqual(expect.arrayContaining(['BatchMode=yes', 'IdentitiesOnly=yes']));
    expect(args).toContain('StrictHostKeyChecking=yes');
    expect(args).toContain('UserKnownHostsFile="/kh"');
    expect(args.slice(args.indexOf('-p'), args.indexOf('-p') + 2)).toEqual(['-p', '2222']);
    expect(args.slice(args.indexOf('-i'), args.indexOf('-i') + 2)).toEqual(['-i', '/k']);
    expect(args.at(-1)).toBe('pi@h');
  });

  it('trusts-a-new-host-on-first-use-without-a-known-hosts-file', () => {
    const args = sshArgs({ user: 'pi', host: 'h' });
    expect(args).toContain('StrictHostKeyChecking=accept-new');
    expect(args).not.toContain('-p');
    expect(args).not.toContain('IdentitiesOnly=yes');
  });

  it('escapes-percent-in-paths', () => {
    const args = sshArgs({ user: 'pi', host: 'h', identityFile: '/keys/100%' });
    expect(args).toContain('/keys/100%%');
  });
});

describe('SshError', () => {
  const target = { user: 'pi', host: 'kitchen.local', port: 2222, identityFile: '/home/me/k' };

  it.each([
    ['pi@kitchen.local: Permission denied (publickey).', 'auth-failed'],
    [
      'Received disconnect from 10.0.0.2 port 22:2: Too many authentication failures',
      'auth-failed',
    ],
    ['ssh: connect to host 127.0.0.1 port 1: Connection refused', 'host-unreachable'],
    ['ssh: connect to host 10.0.0.9 port 22: No route to host', 'host-unreachable'],
    ['ssh: connect to host 10.0.0.9 port 22: Connection timed out', 'host-unreachable'],
    ['ssh: Could not resolve hostname nope: Name or service not known', 'host-unreachable'],
    ['@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @', 'host-key-mismatch'],
    ['No ED25519 host key is known for x.\nHost key verification failed.', 'host-key-mismatch'],
    ['kex_exchange_identification: Connection closed by remote host', 'ssh-failed'],
  ])('classifies %j', (stderr, reason) => {
    expect(classifySshFailure(stderr)).toBe(reason);
    expect(SshError.fromStderr(target, stderr).reason).toBe(reason);
  });

  it('names-the-target-and-key-when-auth-fails', () => {
    const e = SshError.fromStderr(target, 'pi@kitchen.local: Permission denied (publickey).');
    expect(e.message).toContain('pi@kitchen.local:2222');
    expect(e.message).toContain('/home/me/k');
    expect(e.message).toContain('--identity');
    expect(e.retryable).toBe(false);
  });

  it('quotes-sshs-own-remove-command-for-a-changed-key', () => {
    const stderr = [
      '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
      '  remove with:',
      '  ssh-keygen -f "/kh" -R "[kitchen.local]:2222"',
      'Host key verification failed.',
    ].join('\n');
    expect(SshError.fromStderr(target, stderr).message).toContain(
      'ssh-keygen -f "/kh" -R "[kitchen.local]:2222"',
    );
  });

  it('brackets-ipv6-in-the-target', () => {
    expect(describeTarget({ user: 'pi', host: 'fe80::1' })).toBe('pi@[fe80::1]:22');
  });
});
