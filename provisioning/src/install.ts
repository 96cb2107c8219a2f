/**
 * `install`: puts an enrolled satellite's bundle on a Pi over SSH and starts it. Checks come
 * first (64-bit OS, Node, disk, microphone, the hub reachable from the Pi) so a Pi that cannot
 * run it is left untouched; then the release and the files are staged beside the live ones and
 * switched in at the end; a failure after that puts back what was there (or removes everything
 * on a first install). Each step compares before it writes, so a second run changes nothing.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { BUNDLE_FILES, SATELLITE_MAIN, TARGET, type Bundle } from './bundle.js';
import { ProvisionError } from './errors.js';
import type { HubClient } from './hub-client.js';
import { archOf, type Arch, type Release } from './release.js';
import type { Reporter } from './report.js';
import { shellQuote, type SshSession } from './ssh.js';

const MIN_NODE_MAJOR = 20;
/** The unpacked release is ~85 MB; room for it, its tarball and logs. */
const MIN_FREE_KB = 400 * 1024;

export interface InstallOptions {
  readonly bundle: Bundle;
  readonly ssh: SshSession;
  readonly hub: HubClient;
  readonly release: (arch: Arch) => Promise<Release>;
  readonly report: Reporter;
  /** How long to wait for the hub to see the satellite online (60 s). */
  readonly waitOnlineMs?: number;
}

/** What the Pi told the probe, one `key=value` per line. */
interface Probe {
  readonly arch: string;
  readonly node: string;
  readonly freeKb: number;
  readonly mics: number;
  readonly systemd: boolean;
  readonly release: string;
  readonly installed: boolean;
}

const APP = `$HOME/${TARGET.app}`;
const CONFIG = `$HOME/${TARGET.config}`;
const STATE = `$HOME/${TARGET.state}`;
const UNIT = `$HOME/${TARGET.unit}`;

/** Stops the background satellite: politely, then for good after 3 s. */
const STOP_DETACHED = `pid="$(cat "${STATE}/satellite.pid" 2>/dev/null || true)"
if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
  for i in 1 2 3 4 5 6; do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
fi`;

/**
 * Without systemd: (re)start as a plain background process. Detached, with every stream
 * redirected, so the SSH session can end while it runs on.
 */
const START_DETACHED = `${STOP_DETACHED}
mkdir -p "${STATE}"
cd "${CONFIG}"
nohup setsid node "${APP}/current/${SATELLITE_MAIN}" --config "${CONFIG}/${BUNDLE_FILES.config}" >> "${STATE}/satellite.log" 2>&1 < /dev/null &
echo $! > "${STATE}/satellite.pid"`;

const PROBE = `
echo "arch=$(uname -m)"
echo "node=$(node -v 2>/dev/null || echo none)"
echo "free=$(df -Pk "$HOME" | awk 'NR==2 {print $4}')"
echo "mics=$(arecord -l 2>/dev/null | grep -c '^card ' || true)"
if [ -d /run/systemd/system ] && systemctl --user show-environment >/dev/null 2>&1; then echo systemd=yes; else echo systemd=no; fi
echo "release=$(cat "${APP}/current/RELEASE" 2>/dev/null || echo none)"
if [ -e "${CONFIG}" ] || [ -e "${APP}" ]; then echo installed=yes; else echo installed=no; fi
`;

export async function install(options: InstallOptions): Promise<{ changed: boolean }> {
  const { bundle, ssh, hub, report } = options;
  const run = async (what: string, command: string, stdin?: Parameters<SshSession['run']>[1]) => {
    const result = await ssh.run(command, stdin ?? {});
    if (result.code !== 0)
      throw new ProvisionError(
        'target-failed',
        `${what} failed on ${ssh.target.host} (exit ${result.code}): ${result.stderr.trim().slice(-500)}`,
      );
    return result.stdout;
  };

  await ssh.check();
  report.step('connect', 'ok', `SSH to ${ssh.target.user}@${ssh.target.host} works`);

  const probe = parseProbe(await run('probing the Pi', PROBE));
  const arch = checkTarget(probe, bundle);
  report.step(
    'check',
    'ok',
    `${probe.arch}, Node ${probe.node}, ${Math.round(probe.freeKb / 1024)} MB free, ${bundle.usesMicrophone ? `${probe.mics} microphone(s)` : 'WAV input'}, ${probe.systemd ? 'systemd' : 'no systemd (plain background process)'}`,
  );
  // From here too: waiting for "online" later needs it, and a revoked satellite stops here.
  await hub.status(bundle);
  await checkHubFromPi(ssh, hub, bundle);
  report.step('hub', 'ok', `the Pi reaches ${hub.hub.api}`);

  const release = await options.release(arch);
  // Leftovers of an interrupted run are not this run's to switch in.
  await run(
    'clearing an interrupted run',
    `rm -rf "${CONFIG}.staged" "${CONFIG}.old" "${APP}/previous"`,
  );
  const changes = { release: false, files: false };
  // From here on the Pi is changed: a failure puts it back as it was.
  const undo = firstInstall(probe) ? wipeAll : restorePrevious;
  try {
    if (probe.release === release.id) {
      report.step('package', 'unchanged', `satellite release ${release.id} is installed`);
    } else {
      const size = (await stat(release.tarball)).size;
      await run(
        'unpacking the satellite release',
        `set -e
d="${APP}/releases/${release.id}"
rm -rf "$d.tmp"; mkdir -p "$d.tmp"
tar -xzf - -C "$d.tmp"
rm -rf "$d"; mv "$d.tmp" "$d"`,
        { stdin: createReadStream(release.tarball), timeoutMs: 600_000 },
      );
      changes.release = true;
      report.step(
        'package',
        'done',
        `satellite release ${release.id} copied (${Math.round(size / 1048576)} MB)`,
      );
    }

    const remote = await remoteDigests(ssh);
    const stale = [...bundle.files].filter(([name, bytes]) => remote.get(name) !== sha256(bytes));
    if (stale.length === 0) {
      report.step('config', 'unchanged', `${bundle.files.size} files in ~/${TARGET.config}`);
    } else {
      await run(
        'staging the configuration',
        `rm -rf "${CONFIG}.staged" && cp -a "${CONFIG}" "${CONFIG}.staged" 2>/dev/null || mkdir -p "${CONFIG}.staged"; chmod 700 "${CONFIG}.staged"`,
      );
      for (const [name, bytes] of stale)
        await ssh.upload(bytes, `~/${TARGET.config}.staged/${name}`, modeOf(name));
      changes.files = true;
      report.step('config', 'done', `${stale.map(([n]) => n).join(', ')} written`);
    }

    const running = await activate(ssh, run, { release, probe, changes });
    report.step(
      'service',
      running === 'unchanged' ? 'unchanged' : 'done',
      running === 'unchanged'
        ? 'already running'
        : probe.systemd
          ? 'systemd user unit jarvis-satellite enabled and started'
          : `started in the background (no systemd; log in ~/${TARGET.state}/satellite.log)`,
    );

    await waitOnline(
      hub,
      bundle,
      options.waitOnlineMs ?? 60_000,
      async () =>
        (
          await ssh.run(
            `tail -n 20 "${STATE}/satellite.log" 2>/dev/null; journalctl --user -u jarvis-satellite -n 20 --no-pager 2>/dev/null`,
          )
        ).stdout,
    );
    report.step('online', 'ok', `the hub sees ${bundle.id} online`);
    // Kept until now so a failure could restore them.
    // Kept only for the rollback: the next run must not roll back to them. Old releases go.
    await run(
      'cleaning up',
      `rm -rf "${CONFIG}.old" "${APP}/previous"
cd "${APP}/releases" && for r in *; do [ "$r" = "${release.id}" ] || rm -rf -- "$r"; done`,
    );
    return { changed: report.changed };
  } catch (err) {
    await undo(ssh).catch(() => undefined);
    report.step(
      'rollback',
      'note',
      firstInstall(probe)
        ? 'removed what this run installed'
        : 'put back the previous installation',
    );
    throw err;
  }
}

function firstInstall(probe: Probe): boolean {
  return !probe.installed;
}

function checkTarget(probe: Probe, bundle: Bundle): Arch {
  const arch = archOf(probe.arch);
  if (!arch)
    throw new ProvisionError(
      'not-64-bit',
      `the Pi runs a ${probe.arch} system: the satellite needs 64-bit Raspberry Pi OS (aarch64)`,
    );
  const major = /^v(\d+)\./.exec(probe.node)?.[1];
  if (major === undefined)
    throw new ProvisionError(
      'no-node',
      `Node.js is not installed on the Pi: install Node ${MIN_NODE_MAJOR} or newer`,
    );
  if (Number(major) < MIN_NODE_MAJOR)
    throw new ProvisionError(
      'old-node',
      `the Pi has Node ${probe.node}: the satellite needs Node ${MIN_NODE_MAJOR} or newer`,
    );
  if (probe.freeKb < MIN_FREE_KB)
    throw new ProvisionError(
      'no-disk',
      `only ${Math.round(probe.freeKb / 1024)} MB free on the Pi: the satellite needs ${MIN_FREE_KB / 1024} MB`,
    );
  if (bundle.usesMicrophone && probe.mics === 0)
    throw new ProvisionError(
      'no-microphone',
      'no microphone: `arecord -l` on the Pi lists no capture device (plug in a USB microphone or enable the audio HAT, see ALSA.md)',
    );
  return arch;
}

function parseProbe(text: string): Probe {
  const v = new Map(
    text
      .split('\n')
      .map((l) => l.trim().split(/=(.*)/s))
      .filter((p): p is [string, string] => p.length >= 2 && p[0] !== ''),
  );
  return {
    arch: v.get('arch') ?? 'unknown',
    node: v.get('node') ?? 'none',
    freeKb: Number(v.get('free') ?? 0),
    mics: Number(v.get('mics') ?? 0),
    systemd: v.get('systemd') === 'yes',
    release: v.get('release') ?? 'none',
    installed: v.get('installed') === 'yes',
  };
}

/** The Pi itself must reach the hub (a firewall or a wrong name shows here, not after install). */
async function checkHubFromPi(ssh: SshSession, hub: HubClient, bundle: Bundle): Promise<void> {
  const script = `
const ca = require('fs').readFileSync(0, 'utf8');
const url = new URL('/health', ${JSON.stringify(hub.hub.api)});
const get = url.protocol === 'https:' ? require('https').get : require('http').get;
const req = get(url, { timeout: 5000, ...(ca ? { ca } : {}) }, (res) => process.exit(res.statusCode === 200 ? 0 : 3));
req.on('timeout', () => { console.error('no answer within 5 s'); process.exit(2); });
req.on('error', (e) => { console.error(e.code || e.message); process.exit(2); });`;
  const result = await ssh.run(`node -e ${shellQuote(script)}`, { stdin: bundle.caPem ?? '' });
  if (result.code !== 0)
    throw new ProvisionError(
      'hub-unreachable',
      `the Pi cannot reach the hub at ${hub.hub.api} (${result.stderr.trim() || `exit ${result.code}`}): check the hub address and the network`,
    );
}

async function remoteDigests(ssh: SshSession): Promise<Map<string, string>> {
  const names = Object.values(BUNDLE_FILES).map(shellQuote).join(' ');
  const { stdout } = await ssh.run(
    `cd "${CONFIG}" 2>/dev/null && sha256sum ${names} 2>/dev/null; true`,
  );
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const [hash, name] = line.trim().split(/\s+\*?/);
    if (hash && name) out.set(name, hash);
  }
  return out;
}

/**
 * Switches the release and the configuration in, and (re)starts the satellite when something
 * changed or it is not running. Returns 'unchanged' when it was already running as it should.
 */
async function activate(
  ssh: SshSession,
  run: (what: string, command: string) => Promise<string>,
  ctx: { release: Release; probe: Probe; changes: { release: boolean; files: boolean } },
): Promise<'unchanged' | 'started'> {
  const { release, probe, changes } = ctx;
  await run(
    'switching the release and configuration in',
    `set -e
mkdir -p "${STATE}"
cd "${APP}"
if [ "$(readlink current 2>/dev/null)" != "releases/${release.id}" ]; then
  if [ -L current ]; then ln -sfn "$(readlink current)" previous; fi
  ln -sfn "releases/${release.id}" current.tmp && mv -fT current.tmp current
fi
if [ -d "${CONFIG}.staged" ]; then
  rm -rf "${CONFIG}.old"
  if [ -d "${CONFIG}" ]; then mv "${CONFIG}" "${CONFIG}.old"; fi
  mv "${CONFIG}.staged" "${CONFIG}"
fi`,
  );
  const changed = changes.release || changes.files;
  if (probe.systemd) {
    const unit = (await ssh.run(`cat "${UNIT}" 2>/dev/null`)).stdout;
    const wanted = (await ssh.run(`cat "${CONFIG}/${BUNDLE_FILES.unit}"`)).stdout;
    const active = (await ssh.run('systemctl --user is-active jarvis-satellite')).code === 0;
    if (!changed && unit === wanted && active) return 'unchanged';
    await run(
      'starting the systemd unit',
      `set -e
mkdir -p "$(dirname "${UNIT}")"
cp "${CONFIG}/${BUNDLE_FILES.unit}" "${UNIT}"
systemctl --user daemon-reload
systemctl --user enable jarvis-satellite >/dev/null 2>&1
systemctl --user restart jarvis-satellite
# Run at boot without a login session (allowed for oneself where polkit permits it).
# Raspberry Pi OS gives its first user passwordless sudo, which allows it over SSH too.
loginctl enable-linger "$USER" >/dev/null 2>&1 || sudo -n loginctl enable-linger "$USER" >/dev/null 2>&1 || true`,
    );
    const linger = await ssh.run('loginctl show-user "$USER" -p Linger 2>/dev/null');
    if (!linger.stdout.includes('Linger=yes'))
      throw new ProvisionError(
        'no-linger',
        'systemd would stop the satellite when this SSH session ends: run `sudo loginctl enable-linger $USER` on the Pi, then install again',
      );
    return 'started';
  }
  const alive =
    (await ssh.run(`kill -0 "$(cat "${STATE}/satellite.pid" 2>/dev/null)" 2>/dev/null`)).code === 0;
  if (!changed && alive) return 'unchanged';
  await run('starting the satellite', `set -e\n${START_DETACHED}`);
  return 'started';
}

async function waitOnline(
  hub: HubClient,
  bundle: Bundle,
  timeoutMs: number,
  logTail: () => Promise<string>,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = await hub.status(bundle).catch((err: unknown) => {
      if (err instanceof ProvisionError && err.reason === 'revoked') throw err;
      return undefined;
    });
    if (status?.online) return;
    if (Date.now() > until) {
      const tail = await logTail().catch(() => '');
      throw new ProvisionError(
        'not-online',
        `the satellite did not come online at the hub within ${Math.round(timeoutMs / 1000)} s${tail ? `; its last log lines:\n${tail.trim()}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Restarts an installed satellite (a new key), under systemd or as the background process. */
export async function restartSatellite(ssh: SshSession): Promise<void> {
  const result = await ssh.run(`
if [ -f "${UNIT}" ] && systemctl --user show-environment >/dev/null 2>&1; then
  systemctl --user restart jarvis-satellite
else
  set -e
  ${START_DETACHED}
fi`);
  if (result.code !== 0)
    throw new ProvisionError(
      'target-failed',
      `restarting the satellite failed: ${result.stderr.trim()}`,
    );
}

/** A first install that failed: nothing of it stays. */
async function wipeAll(ssh: SshSession): Promise<void> {
  await ssh.run(`
${STOP_DETACHED}
if [ -f "${UNIT}" ]; then systemctl --user disable --now jarvis-satellite >/dev/null 2>&1 || true; rm -f "${UNIT}"; systemctl --user daemon-reload >/dev/null 2>&1 || true; fi
rm -rf "${APP}" "${CONFIG}" "${CONFIG}.staged" "${CONFIG}.old" "${STATE}"
true`);
}

/** An update that failed: the previous release and configuration come back, and run. */
async function restorePrevious(ssh: SshSession): Promise<void> {
  await ssh.run(`
rm -rf "${CONFIG}.staged"
if [ -d "${CONFIG}.old" ]; then rm -rf "${CONFIG}"; mv "${CONFIG}.old" "${CONFIG}"; fi
cd "${APP}" 2>/dev/null && if [ -L previous ]; then mv -fT previous current; fi
if [ -f "${UNIT}" ] && systemctl --user show-environment >/dev/null 2>&1; then
  systemctl --user restart jarvis-satellite >/dev/null 2>&1 || true
else
  ${START_DETACHED}
fi
true`);
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

const modeOf = (name: string): number =>
  name === BUNDLE_FILES.key || name === BUNDLE_FILES.config ? 0o600 : 0o644;
