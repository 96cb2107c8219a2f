/**
 * jarvis-provision end to end: a real hub on a loopback port, a real OpenSSH server with a
 * throwaway user as the "Pi", and the CLI run as a person would. Enroll with a one-time code,
 * install over SSH, and the satellite — fed a spoken WAV instead of a microphone — comes online
 * and switches the light; a re-run changes nothing; revoke drops it. Every failure (wrong,
 * used and expired codes, hub unreachable, SSH key refused, no microphone) exits non-zero with
 * its reason and leaves the Pi as clean as it found it.
 */
import { encodeWav } from '@jarvis/protocol';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../provisioning/src/cli.js';
import { freePort } from '../support/servers.js';
import { startSshServer, type SshServer } from '../support/ssh-server.js';
import { createFirstAdmin, startStack, type Stack } from '../support/stack.js';
import { speak } from '../support/voices.js';

const ADMIN = { username: 'admin', password: 'admin passphrase here' };

let stack: Stack;
let pi: SshServer;
let admin: string;
let work: string;
let wav: string;

beforeAll(async () => {
  [stack, pi] = await Promise.all([startStack(), startSshServer()]);
  admin = await createFirstAdmin(stack, ADMIN);
  work = await mkdtemp(join(tmpdir(), 'jarvis-provision-e2e-'));
  // The "microphone": a spoken command the Pi's user can read.
  wav = join(work, 'command.wav');
  const audio = await speak('hey jarvis, turn on the kitchen light', 'espeak', {
    leadMs: 1500,
    trailMs: 300,
  });
  await writeFile(wav, encodeWav(audio), { mode: 0o644 });
  await chmod(work, 0o755);
});
afterAll(async () => {
  await pi?.stop();
  await stack?.close();
  await rm(work, { recursive: true, force: true });
});

/** Runs the CLI in process; its output lines and exit status. */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const lines: string[] = [];
  const code = await main(args, { env, write: (l) => lines.push(l) });
  return { code, out: lines.join('\n') };
}

async function json(args: string[], env: NodeJS.ProcessEnv = {}) {
  const { code, out } = await cli([...args, '--json'], env);
  return { code, doc: JSON.parse(out) as Record<string, unknown> };
}

async function newCode(room: string, ttlMinutes = 15): Promise<string> {
  const res = await fetch(`${stack.hub.url()}/v1/satellites/enrollment-codes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
    body: JSON.stringify({ room, ttlMinutes }),
  });
  return ((await res.json()) as { code: string }).code;
}

/** `enroll` with a fresh code for `room` (the satellite named after it), writing to `out`. */
const enrollArgs = async (room: string, out: string, ...extra: string[]) => [
  'enroll',
  '--hub',
  stack.hub.url(),
  '--code',
  await newCode(room),
  '--room',
  room,
  '--out',
  out,
  ...extra,
];

const sshArgs = (identity = pi.identityFile) => [
  '--ssh',
  `${pi.user}@127.0.0.1`,
  '--port',
  String(pi.port),
  '--identity',
  identity,
  '--known-hosts',
  pi.knownHostsFile,
];

/** Whether the hub sees the satellite online now (undefined: not enrolled). */
async function isOnline(id: string): Promise<boolean | undefined> {
  const res = await fetch(`${stack.hub.url()}/v1/satellites`, {
    headers: { authorization: `Bearer ${admin}` },
  });
  const { satellites } = (await res.json()) as { satellites: { id: string; online: boolean }[] };
  return satellites.find((s) => s.id === id)?.online;
}

/** Runs a Node script to its end, without blocking this process (the hub lives here). */
function runNode(
  script: string,
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // A script that waits on a hub that never answers must not hang the suite.
    const child = spawn('node', [script], { env: { ...process.env, ...env }, timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Nothing of Jarvis on the Pi: no app, config, state or unit. */
async function expectPiClean(): Promise<void> {
  const left = await pi.run(
    'ls -d ~/.local/share/jarvis-satellite ~/.config/jarvis-satellite* ~/.local/state/jarvis-satellite ~/.config/systemd/user/jarvis-satellite.service 2>/dev/null; pgrep -u "$(id -u)" -f "[j]arvis-satellite/current" || true',
  );
  expect(left.stdout.trim()).toBe('');
}

describe('enroll', () => {
  it('refuses-wrong-expired-and-unreachable-and-writes-nothing', async () => {
    const out = join(work, 'never');
    const base = ['enroll', '--name', 'Kitchen', '--room', 'kitchen', '--out', out];
    const wrong = await json([...base, '--hub', stack.hub.url(), '--code', 'AAAA-BBBB-CCCC']);
    expect(wrong).toMatchObject({ code: 1, doc: { ok: false, error: { reason: 'code-wrong' } } });

    const expiring = await newCode('kitchen');
    await stack.hub.db.query(
      "UPDATE enrollment_codes SET expires_at = now() - interval '1 minute'",
    );
    const expired = await json([...base, '--hub', stack.hub.url(), '--code', expiring]);
    expect(expired.doc['error']).toMatchObject({
      reason: 'code-expired',
      message: expect.stringMatching(/expired: make a new one/) as unknown,
    });

    const closed = `http://127.0.0.1:${await freePort()}`;
    const down = await cli([...base, '--hub', closed, '--code', await newCode('kitchen')]);
    expect(down.code).toBe(1);
    expect(down.out).toMatch(/cannot reach the hub at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);

    const bad = await cli(['enroll', '--hub', 'ftp://x', '--code', 'x', '--name', 'k']);
    expect(bad.code).toBe(2);
    await expect(stat(out)).rejects.toThrow(); // no half-written bundle
  });

  it('writes-a-bundle-and-the-code-then-counts-as-used', async () => {
    const code = await newCode('kitchen');
    const out = join(work, 'kitchen');
    const { code: status, out: text } = await cli([
      'enroll',
      '--hub',
      stack.hub.url(),
      '--code',
      code.toLowerCase(), // as a person might type it
      '--name',
      'Kitchen',
      '--room',
      'kitchen',
      '--out',
      out,
      '--input-wav',
      wav,
    ]);
    expect(status, text).toBe(0);
    expect(text).toMatch(/✓ enrollment: the hub enrolled "kitchen" in the kitchen/);
    expect((await stat(join(out, 'satellite.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(out)).mode & 0o777).toBe(0o700);
    const config = JSON.parse(await readFile(join(out, 'satellite.json'), 'utf8')) as object;
    expect(config).toMatchObject({
      satelliteId: 'kitchen',
      hubId: 'jarvis-hub',
      hubUrl: stack.hub.url().replace('http', 'ws'),
      privateKeyFile: 'satellite.key',
      audio: { input: { type: 'wav', path: wav, then: 'silence' } },
    });
    expect(await readFile(join(out, 'jarvis-satellite.service'), 'utf8')).toMatch(
      /ExecStart=.*jarvis-satellite\/current\/.*--config/,
    );
    expect((await stack.hub.satellites.get('kitchen'))?.room).toBe('kitchen');
    // The same code again: used.
    const again = await json([
      'enroll',
      '--hub',
      stack.hub.url(),
      '--code',
      code,
      '--name',
      'Other',
      '--out',
      join(work, 'other'),
    ]);
    expect(again.doc['error']).toMatchObject({ reason: 'code-used' });
  });
});

describe('install', () => {
  it('refuses-a-key-the-pi-does-not-accept-and-leaves-it-clean', async () => {
    const r = await json([
      'install',
      '--bundle',
      join(work, 'kitchen'),
      ...sshArgs(pi.wrongIdentityFile),
    ]);
    expect(r.code).toBe(1);
    expect(r.doc['error']).toMatchObject({
      reason: 'ssh-auth-failed',
      message: expect.stringContaining(`${pi.user}@127.0.0.1:${pi.port}`) as unknown,
    });
    await expectPiClean();
  });

  it('refuses-a-pi-without-a-microphone-and-one-that-cannot-reach-the-hub', async () => {
    // A bundle for a real microphone: this "Pi" has no capture device.
    const mic = join(work, 'hall');
    expect((await cli(await enrollArgs('hall', mic))).code).toBe(0);
    const noMic = await json(['install', '--bundle', mic, ...sshArgs()]);
    expect(noMic.doc['error']).toMatchObject({
      reason: 'no-microphone',
      message: expect.stringMatching(/no microphone: `arecord -l`/) as unknown,
    });
    await expectPiClean();

    // The hub's address in the bundle is one the Pi cannot reach.
    const far = join(work, 'far');
    await cli(await enrollArgs('attic', far, '--input-wav', wav));
    const config = JSON.parse(await readFile(join(far, 'satellite.json'), 'utf8')) as {
      hubUrl: string;
    };
    config.hubUrl = `ws://127.0.0.1:${await freePort()}`;
    await writeFile(join(far, 'satellite.json'), JSON.stringify(config));
    const unreachable = await json(['install', '--bundle', far, ...sshArgs()]);
    expect(unreachable.doc['error']).toMatchObject({ reason: 'hub-unreachable' });
    await expectPiClean();
  });

  it('takes-back-everything-when-the-satellite-does-not-come-online', async () => {
    const lost = join(work, 'lost');
    await cli(await enrollArgs('cellar', lost, '--input-wav', wav));
    const config = JSON.parse(await readFile(join(lost, 'satellite.json'), 'utf8')) as {
      audio: { input: { path: string } };
    };
    // Its tokens naming another hub: refused before the Pi is touched.
    await writeFile(join(lost, 'satellite.json'), JSON.stringify({ ...config, hubId: 'other' }));
    const early = await json(['install', '--bundle', lost, ...sshArgs()]);
    expect(early.doc['error']).toMatchObject({ reason: 'hub-error' });
    await expectPiClean();
    // Installed and started, but it dies at once (its "microphone" file is not there).
    config.audio.input.path = '/nonexistent/command.wav';
    await writeFile(join(lost, 'satellite.json'), JSON.stringify(config));
    const r = await json(['install', '--bundle', lost, ...sshArgs(), '--wait-s', '5']);
    expect(r.doc['error']).toMatchObject({
      reason: 'not-online',
      message: expect.stringMatching(/did not come online at the hub within 5 s/) as unknown,
    });
    const steps = r.doc['steps'] as { step: string; status: string }[];
    expect(steps.find((s) => s.step === 'package')?.status).toBe('done'); // it got that far
    await expectPiClean();
  });

  it('installs-and-the-satellite-comes-online-and-is-heard', async () => {
    expect(stack.light.state).toBe('OFF');
    const { code, out } = await cli(['install', '--bundle', join(work, 'kitchen'), ...sshArgs()]);
    expect(code, out).toBe(0);
    for (const step of ['connect', 'check', 'hub', 'package', 'config', 'service', 'online'])
      expect(out, step).toMatch(new RegExp(`^✓ ${step}: `, 'm'));
    expect(out).toMatch(/kitchen is installed on 127\.0\.0\.1 and online/);
    expect(await isOnline('kitchen')).toBe(true);
    // It hears its "microphone": the spoken command switches the light.
    await expect.poll(() => stack.light.state, { timeout: 30_000 }).toBe('ON');
    // Installed where it should be, the key readable by its owner only.
    const mode = await pi.run('stat -c %a ~/.config/jarvis-satellite/satellite.key');
    expect(mode.stdout.trim()).toBe('600');
  });

  it('changes-nothing-on-a-second-run-and-says-so', async () => {
    const r = await json(['install', '--bundle', join(work, 'kitchen'), ...sshArgs()]);
    expect(r.code).toBe(0);
    expect(r.doc).toMatchObject({ ok: true, changed: false });
    const steps = r.doc['steps'] as { step: string; status: string }[];
    expect(steps.filter((s) => s.status === 'done')).toEqual([]);
    for (const step of ['package', 'config', 'service'])
      expect(steps.find((s) => s.step === step)?.status, step).toBe('unchanged');
    const text = await cli(['install', '--bundle', join(work, 'kitchen'), ...sshArgs()]);
    expect(text.out).toMatch(/^nothing changed: kitchen is installed/m);
  });
});

describe('doctor', () => {
  it('checks-the-installed-satellite-on-the-pi-and-names-what-is-wrong', async () => {
    const r = await json(['doctor', ...sshArgs()]);
    const steps = new Map(
      (r.doc['steps'] as { step: string; status: string; detail: string }[]).map((s) => [
        s.step,
        s,
      ]),
    );
    expect(steps.get('installed')?.status).toBe('ok');
    expect(steps.get('running')?.status).toBe('ok');
    // The Pi's own wake word engine hears the recorded "hey jarvis".
    expect(steps.get('wake word')).toMatchObject({ status: 'ok' });
    expect(steps.get('wake word')?.detail).toMatch(
      /heard "hey_jarvis" in the test clip \(score 0\.9/,
    );
    expect(steps.get('hub link')?.detail).toMatch(/round trip to the hub [\d.]+ ms median/);
    // This "Pi" has no sound card: said, and the command fails for it.
    expect(steps.get('microphone')).toMatchObject({ status: 'failed' });
    expect(r).toMatchObject({ code: 1, doc: { ok: false, error: { reason: 'unhealthy' } } });
  });
});

describe('managing satellites', () => {
  it('lists-them-and-revoke-drops-the-installed-one', async () => {
    const env = { JARVIS_PASSWORD: ADMIN.password };
    const hubArgs = ['--hub', stack.hub.url(), '--user', ADMIN.username];
    const list = await json(['list', ...hubArgs], env);
    const rows = list.doc['result'] as { id: string; online: boolean }[];
    expect(rows.find((s) => s.id === 'kitchen')?.online).toBe(true);
    expect((await cli(['list', ...hubArgs])).out).toMatch(/set JARVIS_PASSWORD/);
    expect(
      (await json(['list', ...hubArgs], { JARVIS_PASSWORD: 'wrong wrong wrong' })).doc['error'],
    ).toMatchObject({ reason: 'login-failed' });

    const revoked = await cli(['revoke', 'kitchen', ...hubArgs], env);
    expect(revoked.code, revoked.out).toBe(0);
    await expect.poll(() => isOnline('kitchen'), { timeout: 10_000 }).toBe(false);
    // It stays out: its reconnects are refused.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await isOnline('kitchen')).toBe(false);
    expect((await json(['revoke', 'nobody', ...hubArgs], env)).doc['error']).toMatchObject({
      reason: 'not-found',
    });
  });
});

describe('one command', () => {
  it('enrolls-and-installs-from-the-code-replacing-the-satellite-on-that-pi', async () => {
    const { code, out } = await cli(
      await enrollArgs('porch', join(work, 'porch'), '--input-wav', wav, ...sshArgs()),
    );
    expect(code, out).toBe(0);
    expect(out).toMatch(/✓ enrollment: the hub enrolled "porch" in the porch/);
    // The same release was already on the Pi: only the configuration changed.
    expect(out).toMatch(/^= package: /m);
    expect(out).toMatch(/^✓ config: /m);
    expect(out).toMatch(/porch is installed on 127\.0\.0\.1 and online/);
    const pidfile = await pi.run('cat ~/.local/state/jarvis-satellite/satellite.pid');
    expect((await pi.run(`kill -0 ${pidfile.stdout.trim()}`)).code).toBe(0);
  });
});

describe('image', () => {
  const CMDLINE =
    'console=serial0,115200 console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 fsck.repair=yes rootwait quiet';

  it('prepares-a-card-that-enrolls-itself-on-first-boot', async () => {
    const boot = join(work, 'bootfs');
    await mkdir(boot);
    await writeFile(join(boot, 'cmdline.txt'), `${CMDLINE}\n`);
    await writeFile(join(boot, 'config.txt'), '[all]\n');
    const args = [
      'image',
      '--boot-dir',
      boot,
      '--hub',
      stack.hub.url(),
      '--code',
      await newCode('study'),
      '--room',
      'study',
      '--pi-user',
      userInfo().username, // the files' owner on the "Pi": here, whoever runs the tests
      '--arch',
      'x64', // this machine plays the Pi; a real card gets arm64
      '--input-wav',
      wav,
    ];
    const made = await cli(args);
    expect(made.code, made.out).toBe(0);
    const cmdline = await readFile(join(boot, 'cmdline.txt'), 'utf8');
    expect(cmdline.split('\n').filter(Boolean)).toHaveLength(1); // one line, or the Pi will not boot
    expect(cmdline).toContain(
      `${CMDLINE} systemd.run=/boot/firmware/jarvis/firstboot.sh systemd.run_success_action=reboot`,
    );
    expect((await cli(args)).code).toBe(0); // again: the hook is not added twice
    expect(await readFile(join(boot, 'cmdline.txt'), 'utf8')).toBe(cmdline);
    const settings = JSON.parse(await readFile(join(boot, 'jarvis', 'enroll.json'), 'utf8')) as {
      code: string | null;
      id: string;
    };
    expect(settings).toMatchObject({
      id: 'study',
      code: expect.stringMatching(/^\w{4}-/) as unknown,
    });
    expect(await readFile(join(boot, 'jarvis', 'enroll.json'), 'utf8')).not.toMatch(/PRIVATE KEY/);

    // First boot, minus the boot loader: the service's script, as root, for a user's home.
    const home = join(work, 'pi-home');
    await mkdir(home);
    // Not spawnSync: the hub it enrolls with runs in this very process.
    const first = await runNode(join(boot, 'jarvis', 'enroll.mjs'), {
      JARVIS_FIRSTBOOT_HOME: home,
      JARVIS_FIRSTBOOT_NO_SYSTEMD: '1',
    });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/enrolled as "study" in the study/);
    expect((await stack.hub.satellites.get('study'))?.room).toBe('study');
    const used = JSON.parse(await readFile(join(boot, 'jarvis', 'enroll.json'), 'utf8')) as {
      code: string | null;
    };
    expect(used.code).toBeNull(); // the one-time code does not stay on the card
    await expect(stat(join(boot, 'jarvis', 'release.tgz'))).rejects.toThrow();
    const key = join(home, '.config/jarvis-satellite/satellite.key');
    expect((await stat(key)).mode & 0o777).toBe(0o600);

    // What the systemd unit starts: the installed release with the written config.
    const satellite = spawn(
      'node',
      [
        join(
          home,
          '.local/share/jarvis-satellite/current/node_modules/@jarvis/satellite/dist/cli/main.js',
        ),
        '--config',
        join(home, '.config/jarvis-satellite/satellite.json'),
      ],
      { stdio: 'ignore' },
    );
    try {
      await expect.poll(() => isOnline('study'), { timeout: 30_000 }).toBe(true);
    } finally {
      satellite.kill('SIGTERM');
    }
  });

  it('joins-raspberry-pi-imagers-firstrun-script-and-refuses-a-folder-that-is-no-card', async () => {
    const boot = join(work, 'bootfs-imager');
    await mkdir(boot);
    const imagerCmdline = `${CMDLINE} systemd.run=/boot/firmware/firstrun.sh systemd.run_success_action=reboot systemd.unit=kernel-command-line.target\n`;
    await writeFile(join(boot, 'cmdline.txt'), imagerCmdline);
    await writeFile(
      join(boot, 'firstrun.sh'),
      "#!/bin/bash\nset +e\necho wifi and ssh here\nrm -f /boot/firmware/firstrun.sh\nsed -i 's| systemd.run.*||g' /boot/firmware/cmdline.txt\nexit 0\n",
    );
    const r = await cli([
      'image',
      '--boot-dir',
      boot,
      '--hub',
      stack.hub.url(),
      '--code',
      await newCode('garden'),
      '--room',
      'garden',
      '--pi-user',
      'pi',
      '--arch',
      'x64',
    ]);
    expect(r.code, r.out).toBe(0);
    expect(await readFile(join(boot, 'cmdline.txt'), 'utf8')).toBe(imagerCmdline);
    const lines = (await readFile(join(boot, 'firstrun.sh'), 'utf8')).split('\n');
    expect(lines.indexOf('bash /boot/firmware/jarvis/firstboot.sh')).toBe(
      lines.indexOf('rm -f /boot/firmware/firstrun.sh') - 1,
    );
    const notCard = await json([
      'image',
      '--boot-dir',
      work,
      '--hub',
      stack.hub.url(),
      '--code',
      'X',
      '--room',
      'x',
      '--pi-user',
      'pi',
    ]);
    expect(notCard.doc['error']).toMatchObject({ reason: 'not-boot-partition' });
  });
});

describe('rotate-key', () => {
  it('swaps-the-key-on-the-hub-the-bundle-and-the-pi-and-the-satellite-comes-back', async () => {
    const bundle = join(work, 'porch');
    const before = await readFile(join(bundle, 'satellite.key'), 'utf8');
    const r = await cli(['rotate-key', '--bundle', bundle, ...sshArgs()]);
    expect(r.code, r.out).toBe(0);
    const after = await readFile(join(bundle, 'satellite.key'), 'utf8');
    expect(after).not.toBe(before);
    expect((await pi.run('cat ~/.config/jarvis-satellite/satellite.key')).stdout).toBe(after);
    expect((await stack.hub.satellites.get('porch'))?.publicKey).toBe(
      await readFile(join(bundle, 'satellite.pub'), 'utf8'),
    );
    await expect.poll(() => isOnline('porch'), { timeout: 30_000 }).toBe(true);
    // The old key no longer proves anything.
    await writeFile(join(work, 'old.key'), before, { mode: 0o600 });
    const stale = join(work, 'porch-stale');
    await mkdir(stale);
    for (const f of ['satellite.json', 'satellite.pub', 'jarvis-satellite.service', 'ALSA.md'])
      await writeFile(join(stale, f), await readFile(join(bundle, f)));
    await writeFile(join(stale, 'satellite.key'), before, { mode: 0o600 });
    expect((await json(['rotate-key', '--bundle', stale])).doc['error']).toMatchObject({
      reason: 'hub-error',
    });
  });
});
