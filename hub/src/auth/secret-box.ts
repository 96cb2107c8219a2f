/**
 * Encryption at rest for the secrets the hub must read back (users' TOTP secrets): AES-256-GCM
 * under a data key that does not live in the database, so a copy of the database (a backup, a
 * dump) does not hand over anyone's second factor. The key comes from env JARVIS_DATA_KEY, or a
 * file made once beside the hub's data (mode 0600).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AppError } from '../errors.js';

const PREFIX = 'v1:';

export class SecretBox {
  private readonly key: Buffer;

  constructor(material: Uint8Array) {
    this.key = Buffer.from(hkdfSync('sha256', material, 'jarvis', 'secret-box v1', 32));
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const parts = [iv, body, cipher.getAuthTag()].map((b) => b.toString('base64url'));
    return `${PREFIX}${parts.join(':')}`;
  }

  /** A sealed value back; a value stored before sealing existed comes back as it is. */
  open(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const [iv = '', body = '', tag = ''] = stored.slice(PREFIX.length).split(':');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(body, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new AppError(
        'internal',
        'a stored secret cannot be decrypted: the data key changed (JARVIS_DATA_KEY or data.key)',
      );
    }
  }
}

export const MIN_DATA_KEY_CHARS = 32;

/**
 * The data key: env JARVIS_DATA_KEY (≥ 32 characters), else `data.key` beside `dataDir`, made
 * on first use; an in-memory database gets a key for this run only.
 */
export async function loadDataKey(options: {
  readonly env: NodeJS.ProcessEnv;
  readonly dataDir: string;
}): Promise<SecretBox> {
  const fromEnv = options.env['JARVIS_DATA_KEY']?.trim();
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < MIN_DATA_KEY_CHARS)
      throw new AppError(
        'config-invalid',
        `JARVIS_DATA_KEY is too weak: it needs at least ${MIN_DATA_KEY_CHARS} characters`,
      );
    return new SecretBox(Buffer.from(fromEnv, 'utf8'));
  }
  if (options.dataDir === 'memory://') return new SecretBox(randomBytes(32));
  const file = join(dirname(options.dataDir), 'data.key');
  try {
    return new SecretBox(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new AppError(
        'config-invalid',
        `cannot read the data key ${file}: ${(err as Error).message}`,
      );
  }
  const key = randomBytes(32);
  await mkdir(dirname(file), { recursive: true });
  // wx: two hubs starting at once must not overwrite each other's new key.
  await writeFile(file, `${key.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' }).catch(
    async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    },
  );
  return new SecretBox(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url'));
}
