/**
 * `image --boot-dir DIR`: prepares a freshly written Raspberry Pi OS card (its boot partition,
 * mounted) so the Pi enrolls itself on first boot. The card gets the one-time code, not a key:
 * the key pair is made on the Pi, so no private key ever sits on a card or another machine.
 * Beside the code go the satellite release (arm64) and a first-boot service; cmdline.txt (or
 * Raspberry Pi Imager's firstrun.sh, when the card has one) starts it once.
 */
import { chmod, copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { satelliteConfig, systemdUnit } from './bundle.js';
import { ProvisionError } from './errors.js';
import type { HubClient } from './hub-client.js';
import type { Arch, Release } from './release.js';
import type { Reporter } from './report.js';

const ASSETS = fileURLToPath(new URL('../assets/firstboot/', import.meta.url));
const FIRSTBOOT_FILES = ['enroll.mjs', 'firstboot.sh', 'jarvis-firstboot.service'] as const;

/** Where the card's boot partition is mounted on the running Pi (Bookworm; older: /boot). */
const PI_BOOT = '/boot/firmware';

export async function image(options: {
  readonly bootDir: string;
  readonly hub: HubClient;
  readonly code: string;
  readonly id: string;
  readonly name: string;
  readonly caFingerprint?: string | undefined;
  /** The Pi's login (Raspberry Pi OS no longer has a default; Imager asks for one). */
  readonly user: string;
  readonly arch: Arch;
  readonly release: (arch: Arch) => Promise<Release>;
  readonly inputWav?: string | undefined;
  readonly report: Reporter;
}): Promise<{ dir: string }> {
  const { report } = options;
  const boot = resolve(options.bootDir);
  const cmdline = join(boot, 'cmdline.txt');
  const line = await readFile(cmdline, 'utf8').catch(() => {
    throw new ProvisionError(
      'not-boot-partition',
      `${boot} has no cmdline.txt: give the mounted boot partition of a Raspberry Pi OS card`,
    );
  });
  report.step('card', 'ok', `Raspberry Pi OS boot partition at ${boot}`);
  const pinned = await options.hub.pinCa(options.caFingerprint);
  if (pinned)
    report.step('hub certificate', pinned.pinned ? 'ok' : 'note', `CA ${pinned.fingerprint}`);

  const release = await options.release(options.arch);
  const dir = join(boot, 'jarvis');
  await mkdir(dir, { recursive: true });
  await copyFile(release.tarball, join(dir, 'release.tgz'));
  report.step(
    'package',
    'done',
    `satellite release ${release.id} (${options.arch}, ${Math.round((await stat(release.tarball)).size / 1048576)} MB)`,
  );
  for (const f of FIRSTBOOT_FILES) await copyFile(join(ASSETS, f), join(dir, f));
  // Raspberry Pi OS Bookworm ships Node 18; the first-boot enroller and the satellite need 20.
  report.step(
    'node',
    'note',
    "the image needs Node 20 or newer (e.g. NodeSource's nodejs package): Raspberry Pi OS ships 18",
  );
  await chmod(join(dir, 'firstboot.sh'), 0o755);
  const settings = {
    hub: options.hub.hub.api,
    code: options.code.trim().toUpperCase(),
    id: options.id,
    name: options.name,
    user: options.user,
    release: release.id,
    caPem: options.hub.caPem ?? null,
    config: satelliteConfig({
      id: options.id,
      name: options.name,
      room: '',
      hubWsUrl: options.hub.hub.ws,
      hubId: '',
      privateKeyPem: '',
      publicKeyPem: '',
      caPem: options.hub.caPem,
      inputWav: options.inputWav,
    }),
    unit: systemdUnit(options.name),
  };
  // FAT has no permissions; 0600 where the card is not FAT (and as a statement of intent).
  await writeFile(join(dir, 'enroll.json'), `${JSON.stringify(settings, null, 2)}\n`, {
    mode: 0o600,
  });
  report.step(
    'enrollment',
    'done',
    `one-time code, hub ${options.hub.hub.api}, user ${options.user}`,
  );

  const hook = await hookFirstBoot(boot, line);
  report.step('first boot', 'done', hook);
  return { dir };
}

/**
 * Makes the card run firstboot.sh once: inside Imager's firstrun.sh when the card has one (it
 * already owns cmdline.txt's systemd.run), else through cmdline.txt itself. Idempotent.
 */
async function hookFirstBoot(boot: string, cmdline: string): Promise<string> {
  const call = `${PI_BOOT}/jarvis/firstboot.sh`;
  const imager = /systemd\.run=(\S*firstrun\.sh)/.exec(cmdline);
  if (imager) {
    const script = join(boot, 'firstrun.sh');
    const text = await readFile(script, 'utf8').catch(() => {
      throw new ProvisionError(
        'not-boot-partition',
        `cmdline.txt runs ${imager[1]}, but ${script} is missing`,
      );
    });
    if (text.includes(call)) return `already in Raspberry Pi Imager's firstrun.sh`;
    const lines = text.split('\n');
    // Before firstrun.sh removes itself, so the call runs with the rest of first boot.
    const at = lines.findIndex((l) => /^rm -f .*firstrun\.sh/.test(l.trim()));
    lines.splice(at < 0 ? lines.length : at, 0, `bash ${call}`);
    await writeFile(script, lines.join('\n'));
    return `added to Raspberry Pi Imager's firstrun.sh`;
  }
  if (/systemd\.run=/.test(cmdline)) {
    if (cmdline.includes(call)) return 'already in cmdline.txt';
    throw new ProvisionError(
      'boot-hook-taken',
      'cmdline.txt already runs another first-boot script (systemd.run=): add ' +
        call +
        ' to it by hand',
    );
  }
  const hooked = `${cmdline.trim()} systemd.run=${call} systemd.run_success_action=reboot systemd.unit=kernel-command-line.target\n`;
  await writeFile(join(boot, 'cmdline.txt'), hooked);
  return 'cmdline.txt runs it once, then reboots';
}
