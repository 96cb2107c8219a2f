#!/usr/bin/env node
/**
 * jarvis-provision (first slice): makes a satellite's key pair and config file.
 * Enrolling with the hub over its API and installing over SSH come with the provisioning issue.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateSatelliteKeys } from './keys.js';

const USAGE =
  'usage: jarvis-provision keygen --id ID --hub ws://HOST:PORT --out DIR [--hub-id jarvis-hub]';
const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export async function keygen(opts: {
  id: string;
  hub: string;
  hubId: string;
  out: string;
}): Promise<string> {
  if (!ID.test(opts.id))
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

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        id: { type: 'string' },
        hub: { type: 'string' },
        'hub-id': { type: 'string' },
        out: { type: 'string' },
      },
    });
  } catch (err) {
    console.error(`jarvis-provision: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals[0] !== 'keygen' || !values.id || !values.hub || !values.out) {
    console.error(USAGE);
    return 2;
  }
  try {
    const dir = await keygen({
      id: values.id,
      hub: values.hub,
      hubId: values['hub-id'] ?? 'jarvis-hub',
      out: values.out,
    });
    console.log(`wrote ${dir}/satellite.{key,pub,json}`);
    console.log(
      `enroll it on the hub: jarvis-hub enroll --id ${values.id} --name NAME --room ROOM --public-key ${dir}/satellite.pub`,
    );
    return 0;
  } catch (err) {
    console.error(`jarvis-provision: ${(err as Error).message}`);
    return 2;
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/.*\//, ''))) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
