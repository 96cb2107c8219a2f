import { execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, type RunningServer } from './servers.js';

const run = promisify(execFile);

/**
 * A real Mosquitto set up as the README says for satellites on an external broker: the hub's
 * user may use every topic, each satellite (username = its id, a password of its own in the
 * password file, since Mosquitto cannot check the satellites' tokens) only
 * `jarvis/v1/satellite/<id>/#`.
 */
export interface SatelliteMosquitto extends RunningServer {
  /** Gives a satellite its password (as enrollment would) and has Mosquitto reload its files. */
  addSatellite(id: string, password: string): Promise<void>;
}

export async function startSatelliteMosquitto(
  hub: { username: string; password: string },
  satellites: readonly { id: string; password: string }[] = [],
): Promise<SatelliteMosquitto> {
  const dir = await mkdtemp(join(tmpdir(), 'jarvis-mqtt-sat-'));
  await chmod(dir, 0o755);
  const port = await freePort();
  const passwd = join(dir, 'passwd');
  await writeFile(passwd, '');
  for (const u of [{ id: hub.username, password: hub.password }, ...satellites])
    await run('mosquitto_passwd', ['-b', passwd, u.id, u.password]);
  await chmod(passwd, 0o644);
  const acl = join(dir, 'acl');
  await writeFile(
    acl,
    `user ${hub.username}\ntopic readwrite #\n\npattern readwrite jarvis/v1/satellite/%u/#\n`,
  );
  await chmod(acl, 0o644);
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    `listener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${passwd}\nacl_file ${acl}\npersistence false\nset_tcp_nodelay true\n`,
  );
  const child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  await waitForPort(port);
  return {
    url: `mqtt://127.0.0.1:${port}`,
    async addSatellite(id, password) {
      await run('mosquitto_passwd', ['-b', passwd, id, password]);
      await chmod(passwd, 0o644);
      child.kill('SIGHUP'); // Mosquitto 2 reloads its password and ACL files
      await new Promise((r) => setTimeout(r, 200));
    },
    async stop() {
      child.kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`mosquitto did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
