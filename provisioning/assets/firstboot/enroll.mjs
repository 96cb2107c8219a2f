// Jarvis first-boot enrollment, run by jarvis-firstboot.service on a fresh Raspberry Pi.
// Written onto the boot partition by `jarvis-provision image`. Plain Node (20+), no packages:
// it makes the satellite's key pair here, so the private key never exists anywhere else, redeems
// the one-time code, installs the satellite release that sits beside it, and starts it. Each
// step can be re-run: the service tries again after any failure, and skips what is done. The
// code is wiped from the card as soon as it is used; the release goes last (the service's
// condition), so a failure before the end is retried on the next try or boot.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, createPrivateKey, createPublicKey } from 'node:crypto';
import {
  chownSync,
  existsSync,
  lchownSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const settingsFile = join(here, 'enroll.json');
let settings = JSON.parse(readFileSync(settingsFile, 'utf8'));
const user = settings.user;
const home = process.env.JARVIS_FIRSTBOOT_HOME ?? `/home/${user}`;
const withSystemd = process.env.JARVIS_FIRSTBOOT_NO_SYSTEMD !== '1';
const asRoot = process.getuid?.() === 0;
const log = (msg) => console.log(`jarvis-firstboot: ${msg}`);

// The files belong to the Pi's user, whatever its uid: asked of the system, not assumed.
const owner = (() => {
  if (!asRoot) return undefined;
  try {
    const id = (flag) => Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    console.error(
      `jarvis-firstboot: the user "${user}" does not exist on this Pi (yet); will try again`,
    );
    process.exit(1);
  }
})();
const own = (path) => owner && lchownSync(path, owner.uid, owner.gid);
/** Makes each missing folder from the home down, each owned by the user. */
const mkdirs = (path) => {
  let at = home;
  mkdirSync(at, { recursive: true });
  for (const part of relative(home, path).split('/').filter(Boolean)) {
    at = join(at, part);
    if (!existsSync(at)) {
      mkdirSync(at, { mode: 0o700 });
      own(at);
    }
  }
};
const write = (path, text, mode) => {
  writeFileSync(path, text, { mode });
  own(path);
};
const saveSettings = (change) => {
  settings = { ...settings, ...change };
  writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
};

function post(url, body, ca) {
  const u = new URL(url);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      u,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        timeout: 10000,
        ...(ca ? { ca } : {}),
      },
      (res) => {
        const parts = [];
        res.on('data', (c) => parts.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, body: Buffer.concat(parts).toString('utf8') }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function redeem(publicKey) {
  for (let attempt = 1; ; attempt++) {
    let res;
    try {
      res = await post(
        `${settings.hub}/v1/satellites/enroll`,
        { code: settings.code, id: settings.id, name: settings.name, publicKey },
        settings.caPem ?? undefined,
      );
    } catch (err) {
      res = { status: 0, body: err.code ?? err.message };
    }
    if (res.status === 201) return JSON.parse(res.body);
    // A refused code will not get better: say why and stop (a person must make a new one).
    if (res.status >= 400 && res.status < 500 && res.status !== 429)
      throw new Error(`the hub refused the enrollment code: ${res.body}`);
    if (attempt >= 30)
      throw new Error(`the hub did not answer (${res.body}); the service tries again`);
    log(`hub not ready (${res.status || res.body}); retrying in 10 s`);
    await new Promise((r) => setTimeout(r, 10000));
  }
}

const configDir = join(home, '.config/jarvis-satellite');
mkdirs(configDir);
const keyFile = join(configDir, 'satellite.key');

// 1. The key pair, saved before the code is spent on it.
if (!existsSync(keyFile)) {
  const keys = generateKeyPairSync('ed25519');
  write(keyFile, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), 0o600);
}
const publicKeyPem = createPublicKey(createPrivateKey(readFileSync(keyFile))).export({
  type: 'spki',
  format: 'pem',
});

// 2. The code, once; wiped from the card right after.
if (!settings.enrolled) {
  const sat = await redeem(publicKeyPem);
  saveSettings({ code: null, enrolled: { id: sat.id, hubId: sat.hubId, room: sat.room } });
  log(`enrolled as "${sat.id}" in the ${sat.room}`);
}
const { id, hubId } = settings.enrolled;

// 3. Configuration and release.
if (settings.caPem) write(join(configDir, 'hub-ca.pem'), settings.caPem, 0o644);
write(
  join(configDir, 'satellite.json'),
  `${JSON.stringify({ ...settings.config, hubId, satelliteId: id }, null, 2)}\n`,
  0o600,
);
write(join(configDir, 'jarvis-satellite.service'), settings.unit, 0o644);
const app = join(home, '.local/share/jarvis-satellite');
const release = join(app, 'releases', settings.release);
mkdirs(release);
execFileSync('tar', ['-xzf', join(here, 'release.tgz'), '-C', release]);
if (owner) execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, release]);
rmSync(join(app, 'current'), { force: true });
symlinkSync(join('releases', settings.release), join(app, 'current'));
own(join(app, 'current'));

// 4. The user's systemd starts it, at this boot and every one after (lingering: no login needed).
if (withSystemd) {
  const units = join(home, '.config/systemd/user');
  mkdirs(join(units, 'default.target.wants'));
  write(join(units, 'jarvis-satellite.service'), settings.unit, 0o644);
  const wanted = join(units, 'default.target.wants', 'jarvis-satellite.service');
  rmSync(wanted, { force: true });
  symlinkSync('../jarvis-satellite.service', wanted);
  own(wanted);
  // Starts the user's manager, which starts default.target and so the satellite.
  execFileSync('loginctl', ['enable-linger', user]);
  // Its manager may have been running already (linger was on): then ask it directly.
  try {
    execFileSync('systemctl', ['--user', `--machine=${user}@`, 'daemon-reload']);
    execFileSync('systemctl', ['--user', `--machine=${user}@`, 'start', 'jarvis-satellite']);
  } catch {
    log('the user manager is not up yet; it starts the satellite when it is');
  }
  log('satellite enabled');
} else {
  log('installed (no systemd requested: start it yourself)');
}

// 5. Done: the service's condition goes, so it never runs again.
rmSync(join(here, 'release.tgz'), { force: true });
