/**
 * TLS material for the hub: the user's certificate and key, or a local CA made once (with
 * Debian's openssl) and a hub certificate it signs for the configured host names. Satellites
 * trust the CA, whose SHA-256 fingerprint the admin compares at provisioning; the hub
 * certificate can be renewed without touching them.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { access, chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppError } from '../errors.js';

const run = promisify(execFile);

export interface TlsMaterial {
  readonly key: string;
  readonly cert: string;
  /** The CA that signed `cert` (the generated one), for satellites to trust. */
  readonly ca?: string | undefined;
  /** SHA-256 fingerprint of the CA (or of the certificate when there is no CA). */
  readonly fingerprint: string;
}

const exists = (p: string): Promise<boolean> =>
  access(p).then(
    () => true,
    () => false,
  );

/** The user's own certificate and key files. */
export async function loadTls(certFile: string, keyFile: string): Promise<TlsMaterial> {
  try {
    const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    return { cert, key, fingerprint: new X509Certificate(cert).fingerprint256 };
  } catch (err) {
    throw new AppError('config-invalid', `cannot use the TLS files: ${(err as Error).message}`);
  }
}

/** A hub certificate this close to its end is made again at start (it lives 825 days). */
const RENEW_WITHIN_MS = 30 * 86_400_000;

/**
 * The local CA and hub certificate in `dir`, made on first use. A hub certificate whose names
 * no longer match `hostnames`, or that ends within 30 days, is made again with the same CA (the
 * CA, which satellites pin, stays).
 */
export async function localCa(
  dir: string,
  hostnames: readonly string[],
  now: () => number = Date.now,
): Promise<TlsMaterial> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const f = (name: string) => join(dir, name);
  const openssl = async (args: string[]) => {
    try {
      await run('openssl', args);
    } catch (err) {
      throw new AppError(
        'config-invalid',
        `openssl failed (${args[0]}): ${(err as Error).message}`,
      );
    }
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  if (!(await exists(f('ca.crt')))) {
    await openssl([
      'req',
      '-x509',
      ...ec,
      '-keyout',
      f('ca.key'),
      '-out',
      f('ca.crt'),
      '-days',
      '3650',
      '-subj',
      '/CN=Jarvis local CA',
    ]);
    await chmod(f('ca.key'), 0o600);
  }
  const san = hostnames.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  const wanted = `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`;
  const current = (await exists(f('hub.ext'))) ? await readFile(f('hub.ext'), 'utf8') : '';
  const ending = async () =>
    new Date(new X509Certificate(await readFile(f('hub.crt'), 'utf8')).validTo).getTime() - now() <
    RENEW_WITHIN_MS;
  if (current !== wanted || !(await exists(f('hub.crt'))) || (await ending())) {
    await writeFile(f('hub.ext'), wanted);
    await openssl([
      'req',
      ...ec,
      '-keyout',
      f('hub.key'),
      '-out',
      f('hub.csr'),
      '-subj',
      `/CN=${hostnames[0] ?? 'jarvis'}`,
    ]);
    await chmod(f('hub.key'), 0o600);
    await openssl([
      'x509',
      '-req',
      '-in',
      f('hub.csr'),
      '-CA',
      f('ca.crt'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-out',
      f('hub.crt'),
      '-days',
      '825',
      '-extfile',
      f('hub.ext'),
    ]);
  }
  const [key, cert, ca] = await Promise.all(
    ['hub.key', 'hub.crt', 'ca.crt'].map((n) => readFile(f(n), 'utf8')),
  );
  return { key: key!, cert: cert!, ca: ca!, fingerprint: new X509Certificate(ca!).fingerprint256 };
}
