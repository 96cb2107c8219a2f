/**
 * A satellite's bundle: everything `install` copies to the Pi — its config, its private key
 * (0600), the hub's pinned CA, a systemd user unit, and ALSA hints. Paths in the config are
 * relative to the config file, so the bundle works wherever it is put.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ProvisionError } from './errors.js';

export const BUNDLE_FILES = {
  config: 'satellite.json',
  key: 'satellite.key',
  publicKey: 'satellite.pub',
  ca: 'hub-ca.pem',
  unit: 'jarvis-satellite.service',
  alsa: 'ALSA.md',
} as const;

/** Where install puts things on the Pi, relative to the user's home. */
export const TARGET = {
  app: '.local/share/jarvis-satellite',
  config: '.config/jarvis-satellite',
  state: '.local/state/jarvis-satellite',
  unit: '.config/systemd/user/jarvis-satellite.service',
} as const;

/** The satellite's entry point inside an installed release. */
export const SATELLITE_MAIN = 'node_modules/@jarvis/satellite/dist/cli/main.js';

export interface BundleInput {
  readonly id: string;
  readonly name: string;
  readonly room: string;
  readonly hubWsUrl: string;
  readonly hubId: string;
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
  readonly caPem?: string | undefined;
  /** Feed this WAV file instead of a microphone, then a quiet room (tests, demos). */
  readonly inputWav?: string | undefined;
}

export function satelliteConfig(b: BundleInput): Record<string, unknown> {
  return {
    hubUrl: b.hubWsUrl,
    hubId: b.hubId,
    satelliteId: b.id,
    privateKeyFile: BUNDLE_FILES.key,
    ...(b.caPem ? { caFile: BUNDLE_FILES.ca } : {}),
    audio: {
      input: b.inputWav
        ? { type: 'wav', path: b.inputWav, realtime: true, then: 'silence' }
        : { type: 'alsa' },
      output: b.inputWav ? { type: 'null' } : { type: 'aplay' },
    },
    wake: { engine: 'openwakeword', words: ['hey_jarvis'] },
    leds: { type: 'log' },
  };
}

/** A user unit: no root needed, restarts on failure, runs at boot once lingering is on. */
export function systemdUnit(name: string): string {
  // One comment line whatever the name holds: a newline would start a directive.
  const label = name.replace(/[\r\n]+/g, ' ');
  return `# Jarvis satellite "${label}" (installed by jarvis-provision)
[Unit]
Description=Jarvis voice satellite
After=network-online.target sound.target
Wants=network-online.target

[Service]
ExecStart=/usr/bin/env node %h/${TARGET.app}/current/${SATELLITE_MAIN} --config %h/${TARGET.config}/${BUNDLE_FILES.config}
Restart=always
RestartSec=5
# The satellite needs the network, the sound card and its own files, nothing more.
NoNewPrivileges=yes
PrivateTmp=yes

[Install]
WantedBy=default.target
`;
}

const ALSA_HINTS = `# Audio on the satellite

- List capture devices: \`arecord -l\`; playback devices: \`aplay -l\`.
- The satellite records with ALSA's default device. For a USB microphone or a HAT, name the
  card in \`satellite.json\`: \`"audio": {"input": {"type": "alsa", "device": "plughw:1,0"}}\`
  (card 1, device 0 from \`arecord -l\`; \`plughw\` converts the rate to 16 kHz).
- Test the microphone: \`arecord -D plughw:1,0 -f S16_LE -r 16000 -c 1 -d 3 /tmp/t.wav && aplay /tmp/t.wav\`.
- Too quiet? \`alsamixer -c 1\`, F4 for capture, raise the level, then \`sudo alsactl store\`.
- The user running the satellite must be in the \`audio\` group (\`pi\` is).
`;

/** Writes the bundle into `dir` (made 0700); the private key is 0600. */
export async function writeBundle(dir: string, b: BundleInput): Promise<string> {
  const out = resolve(dir);
  await mkdir(out, { recursive: true, mode: 0o700 });
  await chmod(out, 0o700);
  const file = (name: string) => join(out, name);
  await writeFile(file(BUNDLE_FILES.key), b.privateKeyPem, { mode: 0o600 });
  await chmod(file(BUNDLE_FILES.key), 0o600);
  await writeFile(file(BUNDLE_FILES.publicKey), b.publicKeyPem, { mode: 0o644 });
  if (b.caPem) await writeFile(file(BUNDLE_FILES.ca), b.caPem, { mode: 0o644 });
  await writeFile(file(BUNDLE_FILES.config), `${JSON.stringify(satelliteConfig(b), null, 2)}\n`, {
    mode: 0o600,
  });
  await writeFile(file(BUNDLE_FILES.unit), systemdUnit(b.name), { mode: 0o644 });
  await writeFile(file(BUNDLE_FILES.alsa), ALSA_HINTS, { mode: 0o644 });
  return out;
}

export interface Bundle {
  readonly dir: string;
  readonly id: string;
  readonly hubId: string;
  readonly hubWsUrl: string;
  readonly privateKeyPem: string;
  readonly caPem: string | undefined;
  /** The microphone is ALSA (so install checks for one). */
  readonly usesMicrophone: boolean;
  /** Each file's name and bytes, as install copies them. */
  readonly files: ReadonlyMap<string, Buffer>;
}

/** Reads a bundle written by `enroll`, with a clear error when something is missing. */
export async function readBundle(dir: string): Promise<Bundle> {
  const at = resolve(dir);
  const files = new Map<string, Buffer>();
  for (const name of Object.values(BUNDLE_FILES)) {
    try {
      files.set(name, await readFile(join(at, name)));
    } catch {
      if (name !== BUNDLE_FILES.ca)
        throw new ProvisionError(
          'bad-bundle',
          `${join(at, name)} is missing: run jarvis-provision enroll --out ${dir} first`,
        );
    }
  }
  let config: {
    satelliteId?: unknown;
    hubId?: unknown;
    hubUrl?: unknown;
    audio?: { input?: { type?: unknown } };
  };
  try {
    config = JSON.parse(files.get(BUNDLE_FILES.config)!.toString('utf8')) as never;
  } catch {
    throw new ProvisionError('bad-bundle', `${join(at, BUNDLE_FILES.config)} is not valid JSON`);
  }
  if (
    typeof config.satelliteId !== 'string' ||
    typeof config.hubId !== 'string' ||
    typeof config.hubUrl !== 'string'
  )
    throw new ProvisionError(
      'bad-bundle',
      `${join(at, BUNDLE_FILES.config)} lacks satelliteId, hubId or hubUrl`,
    );
  return {
    dir: at,
    id: config.satelliteId,
    hubId: config.hubId,
    hubWsUrl: config.hubUrl,
    privateKeyPem: files.get(BUNDLE_FILES.key)!.toString('utf8'),
    caPem: files.get(BUNDLE_FILES.ca)?.toString('utf8'),
    usesMicrophone: config.audio?.input?.type === 'alsa',
    files,
  };
}
