/**
 * `enroll`: makes the satellite's key pair here (the private key never goes to the hub),
 * redeems the one-time code with its public key, pins the hub's CA, and writes the bundle.
 * Nothing is written unless the hub took the code.
 */
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { writeBundle } from './bundle.js';
import { ProvisionError } from './errors.js';
import type { HubClient } from './hub-client.js';
import { generateSatelliteKeys } from './keys.js';
import type { Reporter } from './report.js';

export const SATELLITE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** "Kitchen speaker" → "kitchen-speaker": the id a name suggests. */
export function idFromName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
}

export async function enroll(options: {
  readonly hub: HubClient;
  readonly code: string;
  readonly name: string;
  readonly id: string;
  readonly room?: string | undefined;
  readonly out: string;
  readonly caFingerprint?: string | undefined;
  readonly inputWav?: string | undefined;
  readonly report: Reporter;
}): Promise<{ dir: string; id: string; room: string }> {
  const { hub, report } = options;
  if (!SATELLITE_ID.test(options.id))
    throw new ProvisionError(
      'bad-argument',
      `satellite id "${options.id}" must be lowercase letters, digits and dashes (--id)`,
    );
  const out = resolve(options.out);
  const taken = await access(resolve(out, 'satellite.key')).then(
    () => true,
    () => false,
  );
  if (taken)
    throw new ProvisionError(
      'bundle-exists',
      `${out} already holds a satellite's key: choose another --out (or revoke and remove it)`,
    );

  const pinned = await hub.pinCa(options.caFingerprint);
  if (pinned)
    report.step(
      'hub certificate',
      pinned.pinned ? 'ok' : 'note',
      pinned.pinned
        ? `CA ${pinned.fingerprint} matches the pin`
        : `trusting the hub's CA on first use: ${pinned.fingerprint} (compare it with the one the hub logged, or pass --ca-fingerprint)`,
    );
  const keys = await generateSatelliteKeys();
  report.step('key pair', 'done', 'Ed25519, made here; the private key stays in the bundle');
  const answer = await hub.redeem({
    code: options.code.trim().toUpperCase(),
    id: options.id,
    name: options.name,
    publicKey: keys.publicKeyPem,
  });
  report.step('enrollment', 'done', `the hub enrolled "${answer.id}" in the ${answer.room}`);
  if (options.room !== undefined && options.room.trim().toLowerCase() !== answer.room.toLowerCase())
    report.step(
      'room',
      'note',
      `the code was made for the ${answer.room}, not the ${options.room}: move it from the dashboard if needed`,
    );
  const dir = await writeBundle(out, {
    id: answer.id,
    name: answer.name,
    room: answer.room,
    hubWsUrl: hub.hub.ws,
    hubId: answer.hubId,
    privateKeyPem: keys.privateKeyPem,
    publicKeyPem: keys.publicKeyPem,
    caPem: hub.caPem,
    inputWav: options.inputWav,
  });
  report.step('bundle', 'done', `${dir} (config, key 0600, systemd unit, ALSA hints)`);
  return { dir, id: answer.id, room: answer.room };
}
