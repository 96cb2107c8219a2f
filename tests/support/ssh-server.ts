/**
 * A real OpenSSH server on 127.0.0.1 for end-to-end tests of code that provisions a machine over
 * SSH. Everything it makes lives in one temp dir and is removed on stop().
 *
 * As root it creates a throwaway user per server (`jarvis-ssh-<hex>`) and runs sshd as root, which
 * sshd needs to switch to that user. As a non-root developer it runs sshd as the current user on
 * the same unprivileged port; sshd then can only log that user in, which is all the tests need.
 * Then the login's home is the developer's real home: what the code under test writes there is
 * not removed by stop(). (sshd's `SetEnv HOME=` would move `~` but not the session's working
 * directory, which sshd always takes from the passwd entry, so it would only hide the problem.)
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './servers.js';

const exec = promisify(execFile);
const SSHD = '/usr/sbin/sshd'; // sshd refuses to start unless run by its absolute path.

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface SshServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The login name clients use. */
  readonly user: string;
  /** That user's home directory (as non-root: the developer's own, which stop() leaves alone). */
  readonly home: string;
  /** The client's private key (mode 0600), which the server accepts. */
  readonly identityFile: string;
  /** A known_hosts file holding the server's host key for `[127.0.0.1]:port`. */
  readonly knownHostsFile: string;
  /** Another private key, which the server does not accept. */
  readonly wrongIdentityFile: string;
  /** Runs a shell command as the user, directly on this machine (not over SSH). */
  run(cmd: string): Promise<CommandResult>;
  /** Stops sshd and the user's processes, and removes the user and every file made. Idempotent. */
  stop(): Promise<void>;
}

interface Account {
  readonly user: string;
  readonly home: string;
  readonly uid: number;
  readonly gid: number;
}

/** Starts sshd; resolves once its port accepts connections. */
export async function startSshServer(): Promise<SshServer> {
  const dir = await mkdtemp(join(tmpdir(), 'jarvis-ssh-'));
  // sshd reads authorized_keys as the logged-in user, and that user's home lives under here.
  await chmod(dir, 0o755);
  const asRoot = process.getuid?.() === 0;
  // Inherited by every process of an SSH session; lets a non-root stop() find what the tests
  // started, since it cannot tell them from the developer's own processes by user.
  const tag = randomBytes(6).toString('hex');
  let account: Account | undefined;
  let sshd: ChildProcess | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (sshd) await killAndWait(sshd);
      if (!asRoot) await killTagged(tag);
      else if (account) await removeUser(account.user);
      await rm(dir, { recursive: true, force: true });
    })());

  try {
    account = asRoot ? await createUser(dir) : currentAccount();
    const [port, hostKey, identityFile, wrongIdentityFile] = await Promise.all([
      freePort(),
      keygen(join(dir, 'host_key')),
      keygen(join(dir, 'client_key')),
      keygen(join(dir, 'wrong_key')),
    ]);
    const authorizedKeys = join(dir, 'authorized_keys');
    await mkdir(authorizedKeys, { mode: 0o755 });
    await writeFile(join(authorizedKeys, account.user), await readFile(`${identityFile}.pub`), {
      mode: 0o644,
    });
    const knownHostsFile = join(dir, 'known_hosts');
    const [keyType, keyData] = (await readFile(`${hostKey}.pub`, 'utf8')).split(' ');
    await writeFile(knownHostsFile, `[127.0.0.1]:${port} ${keyType} ${keyData}\n`);
    const config = join(dir, 'sshd_config');
    await writeFile(config, sshdConfig({ port, hostKey, dir, authorizedKeys, tag, account }));
    // The privilege separation dir, which Debian's package only creates at boot (via systemd).
    if (asRoot) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });

    sshd = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    const log = collect(sshd);
    await waitForListening(sshd, port, log);

    const { user, home } = account;
    const runAs = account;
    return {
      host: '127.0.0.1',
      port,
      user,
      home,
      identityFile,
      knownHostsFile,
      wrongIdentityFile,
      run: (cmd) => runAsUser(runAs, cmd, asRoot),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function sshdConfig(o: {
  port: number;
  hostKey: string;
  dir: string;
  authorizedKeys: string;
  tag: string;
  account: Account;
}): string {
  return [
    `Port ${o.port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${o.hostKey}`,
    `PidFile ${join(o.dir, 'sshd.pid')}`,
    // %u: the login name. The file lives under the world-writable temp dir, which StrictModes
    // rejects as a parent of any key file; this server only ever holds throwaway keys.
    `AuthorizedKeysFile ${o.authorizedKeys}/%u`,
    'StrictModes no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    // Without PAM, sshd needs no root for session setup, so the same config serves a non-root run.
    'UsePAM no',
    `AllowUsers ${o.account.user}`,
    'PermitRootLogin no',
    'X11Forwarding no',
    'AllowAgentForwarding no',
    // scp since OpenSSH 9.0 speaks SFTP by default, so it needs an SFTP server.
    'Subsystem sftp internal-sftp',
    `SetEnv JARVIS_SSH_SERVER=${o.tag}`,
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}

async function createUser(dir: string): Promise<Account> {
  const user = `jarvis-ssh-${randomBytes(3).toString('hex')}`;
  const home = join(dir, 'home', user);
  await mkdir(join(dir, 'home'), { mode: 0o755 });
  // '*' is an unusable password. useradd's default '!' would mark the account locked, and sshd
  // without PAM refuses locked accounts even for public keys.
  const shell = ['--shell', '/bin/bash'];
  await exec('useradd', ['--create-home', '--home-dir', home, ...shell, '--password', '*', user]);
  const id = async (flag: string) => Number((await exec('id', [flag, user])).stdout.trim());
  return { user, home, uid: await id('-u'), gid: await id('-g') };
}

function currentAccount(): Account {
  const me = userInfo();
  return { user: me.username, home: me.homedir, uid: me.uid, gid: me.gid };
}

/** Kills whatever the user still runs (a satellite the code under test started, say), then the user. */
async function removeUser(user: string): Promise<void> {
  await exec('pkill', ['-KILL', '-u', user]).catch(() => undefined); // exit 1: nothing to kill
  // --force: the kernel may not have reaped the killed processes yet.
  await exec('userdel', ['--remove', '--force', user]).catch(() => undefined);
}

/** Kills our own processes that carry this server's session tag in their environment (Linux). */
async function killTagged(tag: string): Promise<void> {
  const marker = `\0JARVIS_SSH_SERVER=${tag}\0`;
  for (const pid of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const env = await readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '');
    if (`\0${env}`.includes(marker)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}

async function keygen(path: string): Promise<string> {
  await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'jarvis-test', '-f', path]);
  return path;
}

function runAsUser(account: Account, cmd: string, asRoot: boolean): Promise<CommandResult> {
  const { user, home, uid, gid } = account;
  const env = { HOME: home, USER: user, LOGNAME: user, PATH: '/usr/local/bin:/usr/bin:/bin' };
  // uid/gid make Node drop to the user (and its supplementary groups) before exec, without PAM.
  const ids = asRoot ? { uid, gid } : {};
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', cmd], { cwd: home, env, ...ids, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Keeps the last 16 KiB of sshd's log, for error messages. */
function collect(child: ChildProcess): () => string {
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    log = (log + d).slice(-16_384);
  });
  return () => log;
}

async function waitForListening(
  child: ChildProcess,
  port: number,
  log: () => string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`sshd exited (${child.exitCode ?? child.signalCode}):\n${log()}`);
    }
    if (await accepts(port)) return;
    if (Date.now() > deadline) throw new Error(`sshd did not listen on ${port}:\n${log()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
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

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}
