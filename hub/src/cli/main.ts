#!/usr/bin/env node
/**
 * jarvis-hub: `serve` (default) runs the hub; `enroll` and `revoke` manage satellite keys
 * in the same database the hub uses.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { AuditLog } from '../audit/audit-log.js';
import { loadConfig } from '../config/config.js';
import { AppError } from '../errors.js';
import { startHub } from '../server.js';
import { openDb } from '../storage/db.js';
import { SatelliteStore } from '../storage/satellites.js';

const USAGE = `usage:
  jarvis-hub [serve] [--config FILE]
  jarvis-hub enroll --id ID --name NAME --room ROOM --public-key PEM_FILE [--config FILE]
  jarvis-hub revoke --id ID [--config FILE]`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        id: { type: 'string' },
        name: { type: 'string' },
        room: { type: 'string' },
        'public-key': { type: 'string' },
        help: { type: 'boolean' },
      },
    });
  } catch (err) {
    console.error(`jarvis-hub: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const command = positionals[0] ?? 'serve';
  const config = await loadConfig({ file: values.config });
  switch (command) {
    case 'serve': {
      const hub = await startHub({ config });
      const stop = (): void => void hub.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return -1;
    }
    case 'enroll':
    case 'revoke': {
      const id = values.id;
      if (!id || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(id))
        throw new AppError('config-invalid', '--id must be lowercase letters, digits and dashes');
      const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        const store = new SatelliteStore(db);
        const audit = new AuditLog(db, pino({ level: 'silent' }));
        if (command === 'revoke') {
          const revoked = await store.revoke(id);
          await audit.record({
            action: 'satellite-revoke',
            outcome: revoked ? 'ok' : 'failed',
            actor: 'cli',
            target: id,
          });
          console.log(revoked ? `revoked ${id}` : `${id} was not enrolled or already revoked`);
          return 0;
        }
        if (!values.name || !values.room || !values['public-key'])
          throw new AppError('config-invalid', 'enroll needs --name, --room and --public-key');
        const publicKey = await readFile(values['public-key'], 'utf8');
        if (!publicKey.includes('BEGIN PUBLIC KEY'))
          throw new AppError('config-invalid', `${values['public-key']} is not a PEM public key`);
        await store.enroll({ id, name: values.name, room: values.room, publicKey });
        await audit.record({ action: 'satellite-enroll', outcome: 'ok', actor: 'cli', target: id });
        console.log(`enrolled ${id} (${values.name}, ${values.room})`);
        return 0;
      } finally {
        await db.close();
      }
    }
    default:
      console.error(`unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof AppError) console.error(`jarvis-hub: ${err.message}`);
    else pino().fatal({ err }, 'jarvis-hub failed');
    process.exit(1);
  },
);
