import { execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  readonly url: string;
  stop(): Promise<void>;
}

const PG_BIN = '/usr/lib/postgresql/15/bin';

/** A throwaway PostgreSQL 15 cluster on 127.0.0.1, owned by the postgres user, removed on stop. */
export async function startPostgres(): Promise<RunningServer> {
  const pg = await startRestartablePostgres();
  return { url: pg.url, stop: () => pg.stop() };
}

/** A real Mosquitto broker on 127.0.0.1 requiring the given user. */
export async function startMosquitto(user: {
  username: string;
  password: string;
}): Promise<RunningServer> {
  const broker = await startRestartableMosquitto(user);
  return { url: broker.url, stop: () => broker.stop() };
}

/** A real Redis server on 127.0.0.1 with a password (Debian redis-server), nothing on disk. */
export async function startRedis(password: string): Promise<RunningServer> {
  const redis = await startRestartableRedis(password);
  return { url: redis.url, stop: () => redis.stop() };
}

async function waitForPort(port: number, timeoutMs = 5000): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not open`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A server that can be taken down and brought back on the same port and data (fault tests). */
export interface RestartableServer extends RunningServer {
  /** Takes it down (clients see refused connections) and waits until it is gone. */
  pause(): Promise<void>;
  /** Brings it back on the same port, with what it kept on disk; waits until it listens. */
  resume(): Promise<void>;
}

/** Like startPostgres, and `pause` is a fast shutdown: the data stays for `resume`. */
export async function startRestartablePostgres(): Promise<RestartableServer> {
  const dir = await mkdtemp(join(tmpdir(), 'jarvis-pg-'));
  await chmod(dir, 0o777);
  const data = join(dir, 'data');
  const port = await freePort();
  const asPostgres = (cmd: string, args: string[]) =>
    process.getuid?.() === 0
      ? run('runuser', ['-u', 'postgres', '--', cmd, ...args])
      : run(cmd, args);
  await asPostgres(`${PG_BIN}/initdb`, [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
  ]);
  const start = () =>
    asPostgres(`${PG_BIN}/pg_ctl`, [
      '-D',
      data,
      '-w',
      '-l',
      join(dir, 'log'),
      '-o',
      `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir} -c fsync=off`,
      'start',
    ]);
  const stopServer = (mode: 'fast' | 'immediate') =>
    asPostgres(`${PG_BIN}/pg_ctl`, ['-D', data, '-w', '-m', mode, 'stop']);
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async pause() {
      await stopServer('fast');
    },
    async resume() {
      await start();
    },
    async stop() {
      await stopServer('immediate').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Spawns a server process; `pause` kills it (SIGKILL: a crash), `resume` runs it again. */
function restartable(
  command: string,
  args: readonly string[],
  port: number,
  url: string,
  cleanup: () => Promise<void> = () => Promise.resolve(),
): RestartableServer & { start(): Promise<void> } {
  let child: ReturnType<typeof spawn> | undefined;
  const kill = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  const start = async (): Promise<void> => {
    child = spawn(command, [...args], { stdio: 'ignore' });
    await waitForPort(port);
  };
  return {
    url,
    start,
    pause: kill,
    resume: start,
    async stop() {
      await kill();
      await cleanup();
    },
  };
}

/** Like startMosquitto (no persistence: a restarted broker has forgotten retained messages). */
export async function startRestartableMosquitto(user: {
  username: string;
  password: string;
}): Promise<RestartableServer> {
  const dir = await mkdtemp(join(tmpdir(), 'jarvis-mqtt-'));
  // Run as root, mosquitto drops to its own user, which must still read the password file.
  await chmod(dir, 0o755);
  const port = await freePort();
  const passwd = join(dir, 'passwd');
  await writeFile(passwd, '');
  await run('mosquitto_passwd', ['-b', passwd, user.username, user.password]);
  await chmod(passwd, 0o644);
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    `listener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${passwd}\npersistence false\n`,
  );
  const server = restartable('mosquitto', ['-c', conf], port, `mqtt://127.0.0.1:${port}`, () =>
    rm(dir, { recursive: true, force: true }),
  );
  await server.start();
  return server;
}

/** Like startRedis; a restarted Redis starts empty (nothing on disk). */
export async function startRestartableRedis(password: string): Promise<RestartableServer> {
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--requirepass',
    password,
    '--save',
    '',
    '--appendonly',
    'no',
  ];
  const url = `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const server = restartable('redis-server', args, port, url);
  await server.start();
  return server;
}
