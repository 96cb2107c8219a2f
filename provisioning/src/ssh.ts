/**
 * A small SSH client over the system `ssh` binary, for `jarvis-provision install`. Using the
 * user's own OpenSSH keeps their keys, agent, ~/.ssh/config and known_hosts working as they
 * expect, and adds no crypto dependency.
 *
 * Every call spawns `ssh` with an argument array, never a local shell; a remote command is one
 * string that the remote login shell runs, so callers build it with {@link shellQuote}.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';

export interface SshTarget {
  readonly user: string;
  /** A host name or IP address; an IPv6 address without brackets. */
  readonly host: string;
  /** Default: whatever ssh uses (22, or ~/.ssh/config). */
  readonly port?: number;
  /** A private key to use instead of the agent's and the default ones. */
  readonly identityFile?: string;
  /** Trust only the host keys in this file (StrictHostKeyChecking=yes). */
  readonly knownHostsFile?: string;
}

export interface SshResult {
  /** The remote command's exit status. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Fed to the remote command's standard input; without it, stdin is empty. */
  readonly stdin?: Buffer | string | Readable;
  /**
   * Kill ssh and fail with reason 'timeout' after this long. Default: no limit. The remote
   * command may outlive the connection (until it next writes), so make it safe to repeat.
   */
  readonly timeoutMs?: number;
}

const USER = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,31}$/;
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;

/**
 * Parses `user@host` or `user@[ipv6]` (the port comes separately, from --port). The result ends
 * up in ssh's argument list, so anything that is not plainly a user name and a host is refused:
 * a leading '-' would be read as an ssh option, and shell metacharacters have no business here.
 */
export function parseSshTarget(
  spec: string,
  opts: { port?: number; identityFile?: string; knownHostsFile?: string } = {},
): SshTarget {
  const at = spec.lastIndexOf('@');
  if (at < 0) throw new Error(`SSH target "${spec}" needs a user: write it as user@host`);
  const user = spec.slice(0, at);
  let host = spec.slice(at + 1);
  if (!USER.test(user)) {
    throw new Error(
      `SSH target "${spec}": "${user}" is not a user name (letters, digits, . _ -; not starting with -)`,
    );
  }
  const bracketed = /^\[(.*)\]$/.exec(host);
  if (bracketed) {
    host = bracketed[1] ?? '';
    if (!IPV6.test(host) || !host.includes(':')) {
      throw new Error(`SSH target "${spec}": "[${host}]" is not an IPv6 address`);
    }
  } else if (/^[^:]+:\d+$/.test(host)) {
    throw new Error(`SSH target "${spec}": give the port with --port, not after the host`);
  } else if (!HOSTNAME.test(host)) {
    throw new Error(
      `SSH target "${spec}": "${host}" is not a host name or address (IPv6 goes in brackets: user@[::1])`,
    );
  }
  const { port, identityFile, knownHostsFile } = opts;
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65_535)) {
    throw new Error(`SSH port ${port} is not a port number (1-65535)`);
  }
  return { user, host, port, identityFile, knownHostsFile };
}

/** `user@host:port` for messages, with brackets around an IPv6 address. */
export function describeTarget(target: SshTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `${target.user}@${host}:${target.port ?? 22}`;
}

/**
 * Quotes a string as one word for a POSIX shell: single quotes keep everything literal, and a
 * single quote itself becomes `'\''` (close, escaped quote, reopen).
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error('a shell word cannot hold a NUL byte');
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** ssh's options for a target, up to and including the destination. */
export function sshArgs(target: SshTarget): string[] {
  const args = [
    // Never stop to ask for a password or passphrase: there is nobody to answer.
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=10',
    // Notice a device that drops off the network mid-command (a long install) within ~45 s.
    '-o',
    'ServerAliveInterval=15',
    '-o',
    'ServerAliveCountMax=3',
    // A first connection to a new device records its key; a known file means trust nothing else.
    '-o',
    `StrictHostKeyChecking=${target.knownHostsFile ? 'yes' : 'accept-new'}`,
    // Keeps "Warning: Permanently added ..." out of the command's stderr; errors still show.
    '-o',
    'LogLevel=ERROR',
    // No pseudo-terminal: output stays byte-exact and stdin can carry a file.
    '-T',
  ];
  if (target.knownHostsFile) {
    // Quoted: ssh splits this option's value on spaces (it takes a list of files).
    args.push('-o', `UserKnownHostsFile="${escapePercent(target.knownHostsFile)}"`);
  }
  if (target.port !== undefined) args.push('-p', String(target.port));
  if (target.identityFile) {
    // Only this key: offering every agent key first can exhaust the server's MaxAuthTries.
    args.push('-i', escapePercent(target.identityFile), '-o', 'IdentitiesOnly=yes');
  }
  args.push(`${target.user}@${target.host}`);
  return args;
}

/**
 * ssh expands %-tokens in key and known_hosts paths; a literal % is written %%. (It also expands
 * `${VAR}` there, which has no escape; such paths are not worth supporting.)
 */
function escapePercent(path: string): string {
  return path.replaceAll('%', '%%');
}

/** Commands and file transfers on one target, each over its own ssh connection. */
export class SshSession {
  constructor(readonly target: SshTarget) {}

  /**
   * Runs `command` in the remote login shell. A command that exits non-zero resolves with its
   * code; only a failure of SSH itself rejects, with an {@link SshError}. ssh reports its own
   * failures as exit 255, so a remote command that itself exits 255 also rejects.
   */
  run(command: string, opts: RunOptions = {}): Promise<SshResult> {
    // `--` after the destination: ssh parses options after the host too, so a command starting
    // with '-' would otherwise be taken as one.
    return spawnSsh(this.target, [...sshArgs(this.target), '--', command], opts);
  }

  /** Connects and runs `true`; rejects with an {@link SshError} saying what went wrong. */
  async check(): Promise<void> {
    const { code, stderr } = await this.run('true');
    if (code !== 0) {
      throw new Error(`SSH to ${describeTarget(this.target)} works, but "true" failed: ${stderr}`);
    }
  }

  /**
   * Copies a local file to `remotePath` (which may start with `~/`), keeping its mode unless one
   * is given. It streams the file into the remote `cat` rather than using scp: one code path and
   * one set of errors, and no dependence on which scp protocol (SFTP or legacy) the ends speak.
   */
  async copy(localPath: string, remotePath: string, mode?: number): Promise<void> {
    const fileMode = mode ?? (await stat(localPath)).mode & 0o7777;
    await this.write(createReadStream(localPath), remotePath, fileMode);
  }

  /** Writes `bytes` to `remotePath` (which may start with `~/`) with `mode`, atomically. */
  async upload(bytes: Buffer | string, remotePath: string, mode: number): Promise<void> {
    await this.write(bytes, remotePath, mode);
  }

  /**
   * Writes into a temp file beside the destination and renames it over, so a reader never sees
   * half a file. mktemp creates it 0600, so a secret is never readable by others on the way.
   * The parent directory is created if missing.
   */
  private async write(
    content: Buffer | string | Readable,
    remotePath: string,
    mode: number,
  ): Promise<void> {
    const dest = remoteWord(remotePath);
    const script = [
      'set -e',
      `dest=${dest}`,
      'dir=$(dirname -- "$dest")',
      'mkdir -p -- "$dir"',
      'tmp=$(mktemp "$dir/.jarvis-upload.XXXXXX")',
      `trap 'rm -f -- "$tmp"' EXIT`,
      'cat > "$tmp"',
      `chmod ${(mode & 0o7777).toString(8)} "$tmp"`,
      'mv -f -- "$tmp" "$dest"',
    ].join('\n');
    const { code, stderr } = await this.run(script, { stdin: content });
    if (code !== 0) {
      throw new Error(
        `Writing ${remotePath} on ${describeTarget(this.target)} failed (exit ${code}): ${stderr.trim()}`,
      );
    }
  }
}

/** A remote path as one shell word; a leading `~/` still means the remote home. */
function remoteWord(path: string): string {
  return path.startsWith('~/') ? `"$HOME"/${shellQuote(path.slice(2))}` : shellQuote(path);
}

function spawnSsh(target: SshTarget, args: string[], opts: RunOptions): Promise<SshResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', args, { stdio: 'pipe' });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let failure: Error | undefined;
    const abort = (e: Error) => {
      failure ??= e;
      child.kill('SIGKILL');
    };
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => abort(SshError.timeout(target, opts.timeoutMs ?? 0)), opts.timeoutMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    // EPIPE when ssh exits before reading all of stdin; the exit status tells what happened.
    child.stdin.on('error', () => undefined);
    const input = opts.stdin;
    if (input instanceof Readable) {
      // pipe() does not pass on a read error; without this, ssh would wait for EOF forever.
      input.once('error', abort).pipe(child.stdin);
    } else if (input === undefined) child.stdin.end();
    else child.stdin.end(input);
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const missing = 'the ssh client is not installed (no ssh on PATH)';
      reject(e.code === 'ENOENT' ? new SshError('ssh-failed', target, missing) : e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (failure) reject(failure);
      else if (code === 255) reject(SshError.fromStderr(target, stderr));
      else if (code === null)
        reject(new SshError('ssh-failed', target, `ssh was killed (${signal})`, stderr));
      else resolve({ code, stdout, stderr });
    });
  });
}

/** Why SSH itself failed (as opposed to the remote command). */
export type SshFailureReason =
  'auth-failed' | 'host-unreachable' | 'host-key-mismatch' | 'timeout' | 'ssh-failed';

/** SSH itself failed; `message` names the target and says what to do about it. */
export class SshError extends Error {
  override readonly name = 'SshError';
  /** Worth trying again later as is (the device may be booting), unlike a key problem. */
  readonly retryable: boolean;
  /** `user@host:port`. */
  readonly target: string;

  constructor(
    readonly reason: SshFailureReason,
    target: SshTarget,
    message: string,
    /** ssh's own stderr, for logs. */
    readonly stderr = '',
  ) {
    super(message);
    this.target = describeTarget(target);
    this.retryable = reason === 'host-unreachable' || reason === 'timeout';
  }

  /** Maps what ssh printed on a failed connection (exit 255) to a reason and advice. */
  static fromStderr(target: SshTarget, stderr: string): SshError {
    const where = describeTarget(target);
    const reason = classifySshFailure(stderr);
    const said = lastLine(stderr);
    switch (reason) {
      case 'auth-failed': {
        const key = target.identityFile ?? 'your ssh agent and default keys';
        const advice = target.identityFile
          ? `add ${target.identityFile}.pub to ~/.ssh/authorized_keys of ${target.user} on ${target.host} (ssh-copy-id does this)`
          : `add your public key to ~/.ssh/authorized_keys of ${target.user} on ${target.host} (ssh-copy-id does this)`;
        return new SshError(
          reason,
          target,
          `SSH to ${where} refused the key ${key} (Permission denied): ${advice} or pass --identity`,
          stderr,
        );
      }
      case 'host-unreachable':
        return new SshError(
          reason,
          target,
          `Cannot reach ${where} (${said}): check the host name and port, that the device is on the network and that its SSH server is enabled`,
          stderr,
        );
      case 'host-key-mismatch': {
        const file = target.knownHostsFile ?? '~/.ssh/known_hosts';
        const message = /HOST IDENTIFICATION HAS CHANGED|has changed/.test(stderr)
          ? `The host key of ${where} differs from the one in ${file}. If the device was reinstalled, remove the old key (${removeHint(stderr, target)}) and try again; otherwise someone may be intercepting the connection`
          : `The host key of ${where} is not in ${file}, so it cannot be verified: add it there after checking its fingerprint, or leave out the known-hosts file to trust it on first connection`;
        return new SshError(reason, target, message, stderr);
      }
      case 'timeout':
      case 'ssh-failed':
        return new SshError('ssh-failed', target, `SSH to ${where} failed: ${said}`, stderr);
    }
  }

  static timeout(target: SshTarget, timeoutMs: number): SshError {
    const where = describeTarget(target);
    return new SshError(
      'timeout',
      target,
      `SSH command on ${where} timed out after ${timeoutMs} ms`,
    );
  }
}

/** The reason for an ssh exit 255, from ssh's (English, OpenSSH) messages. */
export function classifySshFailure(stderr: string): SshFailureReason {
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/.test(stderr)) {
    return 'host-key-mismatch';
  }
  if (/Permission denied \(|Too many authentication failures/.test(stderr)) return 'auth-failed';
  if (
    /Connection refused|No route to host|Could not resolve hostname|Connection timed out|Operation timed out|Network is unreachable/.test(
      stderr,
    )
  ) {
    return 'host-unreachable';
  }
  return 'ssh-failed';
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').trim() || 'ssh exited with status 255 and said nothing';
}

/** ssh prints the exact `ssh-keygen -R` command for a changed key; fall back to our own. */
function removeHint(stderr: string, target: SshTarget): string {
  const printed = /^\s*(ssh-keygen .*-R .*)$/m.exec(stderr)?.[1];
  if (printed) return printed.trim();
  const host = target.port === undefined ? target.host : `[${target.host}]:${target.port}`;
  return `ssh-keygen -R ${shellQuote(host)}`;
}
