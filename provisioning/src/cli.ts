#!/usr/bin/env node
/**
 * jarvis-provision: a new satellite in one command. `enroll` redeems a one-time code and writes
 * the satellite's bundle; `install` puts it on a Pi over SSH and waits until the hub sees it;
 * `list`, `revoke` and `rotate-key` manage enrolled satellites. Every failure exits non-zero with
 * a reason; `--json` prints one document for scripts.
 */
import { realpathSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BUNDLE_FILES, readBundle, TARGET } from './bundle.js';
import { doctor } from './doctor.js';
import { enroll, idFromName, SATELLITE_ID } from './enroll.js';
import { ProvisionError } from './errors.js';
import { hubAddress, HubClient } from './hub-client.js';
import { image } from './image.js';
import { install, restartSatellite } from './install.js';
import { generateSatelliteKeys } from './keys.js';
import { stageRelease } from './release.js';
import { Reporter } from './report.js';
import { parseSshTarget, SshError, SshSession } from './ssh.js';

const USAGE = `usage: jarvis-provision <command> [options]

  enroll  --hub URL --code CODE --name NAME [--room ROOM] [--id ID] [--out DIR]
          [--ca-fingerprint SHA256] [--input-wav FILE] [--ssh USER@HOST ...: install too]
  install --ssh USER@HOST [--port N] [--identity KEY] [--known-hosts FILE] [--bundle DIR]
          [--wait-s 60]
  list    --hub URL --user ADMIN          (password from env JARVIS_PASSWORD)
  revoke  ID --hub URL --user ADMIN
  image   --boot-dir DIR --hub URL --code CODE --pi-user USER [--name NAME] [--room ROOM]
          [--arch arm64]   (a fresh card enrolls itself on first boot)
  rotate-key --bundle DIR [--ssh USER@HOST ...]
  doctor  --ssh USER@HOST [--port N] [--identity KEY]   (installed, running, microphone level,
          wake word on a recorded clip, round trip to the hub)
  keygen  --id ID --hub ws://HOST:PORT --out DIR [--hub-id jarvis-hub]

  --json  one JSON document on stdout instead of progress lines`;

/** The first slice's offline key pair + config, kept for `jarvis-hub enroll` users. */
export async function keygen(opts: {
  id: string;
  hub: string;
  hubId: string;
  out: string;
}): Promise<string> {
  if (!SATELLITE_ID.test(opts.id))
    throw new Error(`--id "${opts.id}" must be lowercase letters, digits and dashes`);
  if (!/^(ws|wss|http|https):\/\//.test(opts.hub))
    throw new Error(`--hub "${opts.hub}" must be a ws:// or wss:// URL`);
  const dir = resolve(opts.out);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keys = await generateSatelliteKeys();
  await writeFile(join(dir, 'satellite.key'), keys.privateKeyPem, { mode: 0o600 });
  await writeFile(join(dir, 'satellite.pub'), keys.publicKeyPem, { mode: 0o644 });
  const config = {
    hubUrl: opts.hub,
    hubId: opts.hubId,
    satelliteId: opts.id,
    privateKeyFile: join(dir, 'satellite.key'),
    audio: { input: { type: 'alsa' }, output: { type: 'aplay' } },
    wake: { threshold: 0.5 },
    leds: { type: 'log' },
  };
  await writeFile(join(dir, 'satellite.json'), `${JSON.stringify(config, null, 2)}\n`, {
    mode: 0o600,
  });
  return dir;
}

const OPTIONS = {
  hub: { type: 'string' },
  code: { type: 'string' },
  name: { type: 'string' },
  room: { type: 'string' },
  id: { type: 'string' },
  out: { type: 'string' },
  'ca-fingerprint': { type: 'string' },
  'input-wav': { type: 'string' },
  ssh: { type: 'string' },
  port: { type: 'string' },
  identity: { type: 'string' },
  'known-hosts': { type: 'string' },
  bundle: { type: 'string' },
  'wait-s': { type: 'string' },
  user: { type: 'string' },
  'boot-dir': { type: 'string' },
  'pi-user': { type: 'string' },
  arch: { type: 'string' },
  'hub-id': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values'];

function need(values: Values, name: keyof Values): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '')
    throw new ProvisionError('bad-argument', `--${name} is needed\n${USAGE}`);
  return v;
}

function intOption(
  values: Values,
  name: keyof Values,
  min: number,
  max: number,
): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < min || n > max)
    throw new ProvisionError(
      'bad-argument',
      `--${name} must be a whole number from ${min} to ${max}`,
    );
  return n;
}

function sshFrom(values: Values): SshSession {
  const port = intOption(values, 'port', 1, 65535);
  try {
    return new SshSession(
      parseSshTarget(need(values, 'ssh'), {
        ...(port === undefined ? {} : { port }),
        ...(values.identity ? { identityFile: resolve(values.identity) } : {}),
        ...(values['known-hosts'] ? { knownHostsFile: resolve(values['known-hosts']) } : {}),
      }),
    );
  } catch (err) {
    if (err instanceof ProvisionError) throw err;
    throw new ProvisionError('bad-argument', (err as Error).message);
  }
}

/** The hub for an admin's login: its CA checked, or its fingerprint shown before a password goes. */
async function pinnedHub(values: Values, report: Reporter): Promise<HubClient> {
  const hub = new HubClient(hubAddress(need(values, 'hub')));
  const pinned = await hub.pinCa(values['ca-fingerprint']);
  if (pinned && !pinned.pinned)
    report.step(
      'hub certificate',
      'note',
      `trusting CA ${pinned.fingerprint} on first use (--ca-fingerprint to check it)`,
    );
  return hub;
}

async function adminToken(hub: HubClient, values: Values, env: NodeJS.ProcessEnv): Promise<string> {
  const password = env['JARVIS_PASSWORD'];
  if (!password)
    throw new ProvisionError(
      'bad-argument',
      'set JARVIS_PASSWORD to the admin password (never on the command line)',
    );
  return hub.login(need(values, 'user'), password);
}

async function installBundle(
  dir: string,
  values: Values,
  report: Reporter,
): Promise<{ summary: string; data: unknown }> {
  const bundle = await readBundle(dir);
  const ssh = sshFrom(values);
  const hub = new HubClient(hubAddress(bundle.hubWsUrl), bundle.caPem);
  const wait = intOption(values, 'wait-s', 5, 900);
  const { changed } = await install({
    bundle,
    ssh,
    hub,
    release: (arch) => stageRelease({ arch }),
    report,
    ...(wait === undefined ? {} : { waitOnlineMs: wait * 1000 }),
  });
  return {
    summary: changed
      ? `${bundle.id} is installed on ${ssh.target.host} and online`
      : `nothing changed: ${bundle.id} is installed on ${ssh.target.host} and online`,
    data: { id: bundle.id, changed },
  };
}

async function runCommand(
  command: string | undefined,
  positionals: string[],
  values: Values,
  report: Reporter,
  env: NodeJS.ProcessEnv,
): Promise<{ summary: string; data?: unknown }> {
  switch (command ?? '') {
    case 'enroll': {
      const name = values.name ?? values.room;
      if (!name) throw new ProvisionError('bad-argument', `--name (or --room) is needed\n${USAGE}`);
      const id = values.id ?? idFromName(name);
      const hub = new HubClient(hubAddress(need(values, 'hub')));
      const result = await enroll({
        hub,
        code: need(values, 'code'),
        name,
        id,
        room: values.room,
        out: values.out ?? id,
        caFingerprint: values['ca-fingerprint'],
        inputWav: values['input-wav'],
        report,
      });
      // One command from code to a running satellite: enroll, then install on the Pi.
      if (values.ssh) return installBundle(result.dir, values, report);
      return {
        summary: `enrolled ${result.id}: next, jarvis-provision install --bundle ${result.dir} --ssh pi@HOST`,
        data: result,
      };
    }
    case 'install':
      return installBundle(values.bundle ?? '.', values, report);
    case 'list': {
      const hub = await pinnedHub(values, report);
      const satellites = await hub.listSatellites(await adminToken(hub, values, env));
      for (const s of satellites)
        report.step(
          s.id,
          'note',
          `${s.name} · ${s.room} · ${s.revokedAt ? 'revoked' : s.online ? 'online' : `offline${s.lastSeen ? ` since ${s.lastSeen}` : ''}`}`,
        );
      return { summary: `${satellites.length} satellite(s)`, data: satellites };
    }
    case 'revoke': {
      const id = positionals[0];
      if (!id) throw new ProvisionError('bad-argument', `revoke needs the satellite id\n${USAGE}`);
      const hub = await pinnedHub(values, report);
      await hub.revoke(await adminToken(hub, values, env), id);
      report.step('revoke', 'done', `${id} can no longer connect; its open connection was closed`);
      return { summary: `revoked ${id}`, data: { id } };
    }
    case 'rotate-key': {
      const bundle = await readBundle(need(values, 'bundle'));
      const hub = new HubClient(hubAddress(bundle.hubWsUrl), bundle.caPem);
      const keys = await generateSatelliteKeys();
      await hub.rotateKey(bundle, keys.publicKeyPem);
      report.step('hub', 'done', 'the hub holds the new public key');
      await writeFile(join(bundle.dir, BUNDLE_FILES.key), keys.privateKeyPem, { mode: 0o600 });
      await writeFile(join(bundle.dir, BUNDLE_FILES.publicKey), keys.publicKeyPem, { mode: 0o644 });
      report.step('bundle', 'done', `new key in ${bundle.dir}`);
      if (values.ssh) {
        const ssh = sshFrom(values);
        await ssh.upload(keys.privateKeyPem, `~/${TARGET.config}/${BUNDLE_FILES.key}`, 0o600);
        // The running satellite holds the old key in memory: it starts again with the new one.
        await restartSatellite(ssh);
        report.step('pi', 'done', `new key on ${ssh.target.host}, satellite restarted with it`);
      }
      return { summary: `rotated the key of ${bundle.id}`, data: { id: bundle.id } };
    }
    case 'image': {
      const name = values.name ?? values.room;
      if (!name) throw new ProvisionError('bad-argument', `--name (or --room) is needed\n${USAGE}`);
      const arch = values.arch ?? 'arm64';
      if (arch !== 'arm64' && arch !== 'x64')
        throw new ProvisionError('bad-argument', '--arch must be arm64 (a Pi) or x64');
      const piUser = need(values, 'pi-user');
      if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(piUser))
        throw new ProvisionError('bad-argument', `--pi-user "${piUser}" is not a user name`);
      const { dir } = await image({
        bootDir: need(values, 'boot-dir'),
        hub: new HubClient(hubAddress(need(values, 'hub'))),
        code: need(values, 'code'),
        id: values.id ?? idFromName(name),
        name,
        caFingerprint: values['ca-fingerprint'],
        user: piUser,
        arch,
        release: (a) => stageRelease({ arch: a }),
        inputWav: values['input-wav'],
        report,
      });
      return {
        summary: `the card is ready (${dir}): put it in the Pi and power it on; it enrolls itself once online`,
        data: { dir },
      };
    }
    case 'doctor': {
      const { healthy } = await doctor(sshFrom(values), report);
      if (!healthy)
        throw new ProvisionError('unhealthy', 'some checks failed (see above): fix those first');
      return { summary: 'the satellite looks healthy' };
    }
    case 'keygen': {
      const dir = await keygen({
        id: need(values, 'id'),
        hub: need(values, 'hub'),
        hubId: values['hub-id'] ?? 'jarvis-hub',
        out: need(values, 'out'),
      });
      return {
        summary: `wrote ${dir}/satellite.{key,pub,json}; enroll it on the hub: jarvis-hub enroll --id ${values.id} --name NAME --room ROOM --public-key ${dir}/satellite.pub`,
      };
    }
    default:
      throw new ProvisionError(
        'bad-argument',
        command ? `unknown command "${command}"\n${USAGE}` : USAGE,
      );
  }
}

/** What scripts see for an SSH failure, whichever command met it. */
const SSH_REASONS: Readonly<Record<SshError['reason'], string>> = {
  'auth-failed': 'ssh-auth-failed',
  'host-unreachable': 'ssh-unreachable',
  timeout: 'ssh-unreachable',
  'host-key-mismatch': 'ssh-host-key',
  'ssh-failed': 'ssh-failed',
};

/** Runs the CLI; resolves with the exit status (0 ok, 1 failed, 2 bad usage). */
export async function main(
  argv: string[],
  io: { env?: NodeJS.ProcessEnv; write?: (line: string) => void } = {},
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS, strict: true });
  } catch (err) {
    (io.write ?? console.error)(`jarvis-provision: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const report = new Reporter(values.json, io.write);
  if (values.help) {
    (io.write ?? console.log)(USAGE);
    return 0;
  }
  try {
    const { summary, data } = await runCommand(
      positionals[0],
      positionals.slice(1),
      values,
      report,
      io.env ?? process.env,
    );
    report.finish({ ok: true, summary, data });
    return 0;
  } catch (err) {
    const reason =
      err instanceof ProvisionError
        ? err.reason
        : err instanceof SshError
          ? SSH_REASONS[err.reason]
          : 'failed';
    report.finish({ ok: false, reason, message: (err as Error).message });
    return reason === 'bad-argument' ? 2 : 1;
  }
}

/** Run directly (node, tsx, or the npm bin symlink), not imported by a test. */
function isEntryPoint(): boolean {
  const arg = process.argv[1];
  if (!arg) return false;
  try {
    return realpathSync(arg) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) void main(process.argv.slice(2)).then((code) => process.exit(code));
