/** The provisioning SSH client against a real OpenSSH server on loopback. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellQuote, SshError, SshSession, type SshTarget } from '../../provisioning/src/ssh.js';
import { startSshServer, type SshServer } from '../support/ssh-server.js';
import { freePort } from '../support/servers.js';

const exec = promisify(execFile);
const asRoot = process.getuid?.() === 0;

describe('ssh client against a real sshd', () => {
  let server: SshServer;
  let target: SshTarget;
  let ssh: SshSession;
  let scratch: string;

  beforeAll(async () => {
    server = await startSshServer();
    scratch = await mkdtemp(join(tmpdir(), 'jarvis-ssh-test-'));
    target = {
      user: server.user,
      host: server.host,
      port: server.port,
      identityFile: server.identityFile,
      knownHostsFile: server.knownHostsFile,
    };
    ssh = new SshSession(target);
  });
  afterAll(async () => {
    await server?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /** The SshError that `promise` rejects with. */
  async function sshFailure(promise: Promise<unknown>): Promise<SshError> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SshError);
    return err as SshError;
  }

  it('runs-a-command-and-returns-its-stdout', async () => {
    await ssh.check();
    const result = await ssh.run('echo "$USER"; node -v');
    expect(result.code).toBe(0);
    const [user, nodeVersion] = result.stdout.trim().split('\n');
    expect(user).toBe(server.user);
    expect(nodeVersion).toMatch(/^v\d+\./);
  });

  it('returns-a-non-zero-remote-exit-as-a-code', async () => {
    const result = await ssh.run('echo oops >&2; exit 3');
    expect(result).toEqual({ code: 3, stdout: '', stderr: 'oops\n' });
  });

  it('pipes-stdin-to-the-remote-command', async () => {
    const bytes = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 256));
    const result = await ssh.run('sha256sum', { stdin: bytes });
    expect(result.stdout.split(' ')[0]).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('uploads-a-secret-with-mode-0600-creating-its-directory', async () => {
    await ssh.upload('secret\n', '~/.config/jarvis/satellite.key', 0o600);
    const check = await server.run(
      'stat -c "%a %U" ~/.config/jarvis/satellite.key && cat ~/.config/jarvis/satellite.key',
    );
    expect(check.stdout).toBe(`600 ${server.user}\nsecret\n`);
    // The temp file was renamed over, not left beside it.
    expect((await server.run('ls -A ~/.config/jarvis')).stdout).toBe('satellite.key\n');
  });

  it('uploads-to-a-path-with-shell-metacharacters-literally', async () => {
    const name = `odd dir/it's $(touch pwned) \`x\`.txt`;
    await ssh.upload('ok', `~/${name}`, 0o644);
    expect((await server.run(`cat ~/${shellQuote(name)}`)).stdout).toBe('ok');
    expect((await server.run('test -e ~/pwned')).code).not.toBe(0);
  });

  it('copies-a-local-file-keeping-its-mode', async () => {
    const local = join(scratch, 'run.sh');
    await writeFile(local, '#!/bin/sh\necho ran\n');
    await chmod(local, 0o750);
    await ssh.copy(local, '~/bin/run.sh');
    expect((await server.run('stat -c %a ~/bin/run.sh && ~/bin/run.sh')).stdout).toBe('750\nran\n');
  });

  it('fails-an-overlong-command-with-reason-timeout', async () => {
    const err = await sshFailure(ssh.run('sleep 10', { timeoutMs: 300 }));
    expect(err.reason).toBe('timeout');
    expect(err.retryable).toBe(true);
  });

  it('reports-a-refused-key-as-auth-failed-naming-the-target', async () => {
    const wrong = new SshSession({ ...target, identityFile: server.wrongIdentityFile });
    const err = await sshFailure(wrong.check());
    expect(err.reason).toBe('auth-failed');
    expect(err.message).toContain(`${server.user}@127.0.0.1:${server.port}`);
    expect(err.message).toContain(server.wrongIdentityFile);
  });

  it('reports-a-closed-port-as-host-unreachable', async () => {
    const closed = new SshSession({ ...target, port: await freePort() });
    const err = await sshFailure(closed.check());
    expect(err.reason).toBe('host-unreachable');
    expect(err.message).toMatch(/Connection refused/);
    expect(err.retryable).toBe(true);
  });

  it('reports-a-different-host-key-as-host-key-mismatch', async () => {
    // Another ed25519 key recorded for this host and port: what a man in the middle looks like.
    const [type, key] = (await readFile(`${server.wrongIdentityFile}.pub`, 'utf8')).split(' ');
    const knownHostsFile = join(scratch, 'known_hosts_changed');
    await writeFile(knownHostsFile, `[127.0.0.1]:${server.port} ${type} ${key}\n`);
    const err = await sshFailure(new SshSession({ ...target, knownHostsFile }).check());
    expect(err.reason).toBe('host-key-mismatch');
    expect(err.message).toMatch(/differs/);
    expect(err.message).toContain(`-R "[127.0.0.1]:${server.port}"`);
  });

  it('refuses-a-host-missing-from-the-known-hosts-file', async () => {
    const knownHostsFile = join(scratch, 'known_hosts_empty');
    await writeFile(knownHostsFile, '');
    const err = await sshFailure(new SshSession({ ...target, knownHostsFile }).check());
    expect(err.reason).toBe('host-key-mismatch');
    expect(err.message).toMatch(/is not in/);
  });
});

describe('startSshServer', () => {
  it('stop-removes-the-user-its-processes-and-sshd', async () => {
    const server = await startSshServer();
    const ssh = new SshSession({
      user: server.user,
      host: server.host,
      port: server.port,
      identityFile: server.identityFile,
      knownHostsFile: server.knownHostsFile,
    });
    // Like a satellite started in the background by the code under test.
    const started = await ssh.run('nohup sleep 300 >/dev/null 2>&1 & echo $!');
    const pid = Number(started.stdout.trim());
    expect(await isAlive(pid)).toBe(true);

    await server.stop();
    await server.stop(); // twice is fine

    expect(await isAlive(pid)).toBe(false);
    expect(await accepts(server.port)).toBe(false);
    if (asRoot) {
      await expect(exec('id', [server.user])).rejects.toThrow(/no such user/);
      await expect(readFile(join(server.home, '.profile'))).rejects.toThrow(/ENOENT/);
    }
  });
});

/** Running, and not a zombie (a container's init may never reap orphans). */
async function isAlive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && !/^\d+ \(.*\) Z/.test(stat);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
