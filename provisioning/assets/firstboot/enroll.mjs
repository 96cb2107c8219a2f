// Jarvis first-boot enrollment, run by jarvis-firstboot.service on a fresh Raspberry Pi.
// Written onto the boot partition by `jarvis-provision image`. Plain Node (20+), no packages:
// it makes the satellite's key pair here, so the private key never exists anywhere else, redeems
// the one-time code, installs the satellite release that sits beside it, and starts it. The
// code is wiped from the card once used. Retries while the network or the hub is not there yet.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import {
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const settingsFile = join(here, 'enroll.json');
const settings = JSON.parse(readFileSync(settingsFile, 'utf8'));
const user = settings.user;
const home = process.env.JARVIS_FIRSTBOOT_HOME ?? `/home/${user}`;
const withSystemd = process.env.JARVIS_FIRSTBOOT_NO_SYSTEMD !== '1';
const log = (msg) => console.log(`jarvis-firstboot: ${msg}`);

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
    try {
      const res = await post(
        `${settings.hub}/v1/satellites/enroll`,
        { code: settings.code, id: settings.id, name: settings.name, publicKey },
        settings.caPem,
      );
      if (res.status === 201) return JSON.parse(res.body);
      // A refused code will not get better by retrying: say why and stop.
      throw Object.assign(new Error(`the hub refused the enrollment code: ${res.body}`), {
        final: true,
      });
    } catch (err) {
      if (err.final || attempt >= 60) throw err;
      log(`hub not reachable yet (${err.code ?? err.message}); retrying in 10 s`);
      await new Promise((r) => setTimeout(r, 10000));
    }
  }
}

const own = (path) => {
  if (process.getuid?.() === 0 && settings.uid !== undefined)
    chownSync(path, settings.uid, settings.gid);
};
const mkdirs = (path) => {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  own(path);
};

const keys = generateKeyPairSync('ed25519');
const privateKeyPem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' });
const publicKeyPem = keys.publicKey.export({ type: 'spki', format: 'pem' });
const sat = await redeem(publicKeyPem);
log(`enrolled as "${sat.id}" in the ${sat.room}`);

const configDir = join(home, '.config/jarvis-satellite');
mkdirs(configDir);
writeFileSync(join(configDir, 'satellite.key'), privateKeyPem, { mode: 0o600 });
if (settings.caPem) writeFileSync(join(configDir, 'hub-ca.pem'), settings.caPem, { mode: 0o644 });
writeFileSync(
  join(configDir, 'satellite.json'),
  `${JSON.stringify({ ...settings.config, hubId: sat.hubId, satelliteId: sat.id }, null, 2)}\n`,
  { mode: 0o600 },
);
writeFileSync(join(configDir, 'jarvis-satellite.service'), settings.unit, { mode: 0o644 });
for (const f of [
  'satellite.key',
  'satellite.json',
  'jarvis-satellite.service',
  ...(settings.caPem ? ['hub-ca.pem'] : []),
])
  own(join(configDir, f));

const app = join(home, '.local/share/jarvis-satellite');
const release = join(app, 'releases', settings.release);
mkdirs(release);
execFileSync('tar', ['-xzf', join(here, 'release.tgz'), '-C', release]);
if (process.getuid?.() === 0 && settings.uid !== undefined)
  execFileSync('chown', ['-R', `${settings.uid}:${settings.gid}`, app]);
rmSync(join(app, 'current'), { force: true });
symlinkSync(join('releases', settings.release), join(app, 'current'));
own(join(app, 'current'));

// One-time: the code must not stay readable on the card.
writeFileSync(settingsFile, JSON.stringify({ ...settings, code: null, enrolled: sat.id }));
rmSync(join(here, 'release.tgz'), { force: true });

if (withSystemd) {
  const unitDir = join(home, '.config/systemd/user');
  mkdirs(unitDir);
  writeFileSync(join(unitDir, 'jarvis-satellite.service'), settings.unit, { mode: 0o644 });
  own(join(unitDir, 'jarvis-satellite.service'));
  execFileSync('loginctl', ['enable-linger', user]);
  execFileSync('systemctl', ['--user', `--machine=${user}@`, 'daemon-reload']);
  execFileSync('systemctl', [
    '--user',
    `--machine=${user}@`,
    'enable',
    '--now',
    'jarvis-satellite',
  ]);
  log('satellite started');
} else {
  log('installed (no systemd requested: start it yourself)');
}
if (!existsSync(join(configDir, 'satellite.json'))) process.exit(1);
