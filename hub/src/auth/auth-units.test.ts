import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { readAuthSecret } from './auth-secret.js';
import { LoginLimiter } from './login-limiter.js';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './passwords.js';

const log = pino({ level: 'silent' });

describe('passwords', () => {
  it('hash-with-scrypt-and-a-fresh-salt-and-verify', async () => {
    const a = await hashPassword('correct horse battery staple');
    const b = await hashPassword('correct horse battery staple');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery staple', a)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', a)).toBe(false);
    // Unicode forms of the same text are the same password.
    const cafe = await hashPassword('caf\u00e9 au lait please');
    expect(await verifyPassword('cafe\u0301 au lait please', cafe)).toBe(true);
    for (const broken of ['', 'md5$abc', 'scrypt$x$8$1$salt$key', 'scrypt$32768$8$1$$'])
      expect(await verifyPassword('anything at all', broken)).toBe(false);
  });

  it('ask-for-12-to-128-characters-not-the-username', () => {
    expect(() => checkPasswordPolicy('short', 'alice')).toThrow(/at least 12/);
    expect(() => checkPasswordPolicy('x'.repeat(129), 'alice')).toThrow(/at most 128/);
    expect(() => checkPasswordPolicy('AliceInWonderland', 'aliceinwonderland')).toThrow(/username/);
    expect(() => checkPasswordPolicy('a perfectly fine passphrase', 'alice')).not.toThrow();
  });
});

describe('login limiter', () => {
  it('pauses-a-username-after-5-failures-and-an-ip-after-its-own-limit-until-the-window-passes', () => {
    let now = 0;
    const limiter = new LoginLimiter({
      maxPerUser: 5,
      maxPerIp: 8,
      windowMs: 60_000,
      now: () => now,
    });
    for (let i = 0; i < 4; i++) limiter.fail(['ip:1.2.3.4', 'user:bob']);
    expect(limiter.retryAfterS(['ip:1.2.3.4', 'user:bob'])).toBe(0);
    now = 10_000;
    limiter.fail(['ip:1.2.3.4', 'user:bob']);
    expect(limiter.retryAfterS(['ip:1.2.3.4', 'user:bob'])).toBe(50); // the first failure leaves at 60 s
    // Another user from the same address may still try, until the address's own limit.
    expect(limiter.retryAfterS(['ip:1.2.3.4', 'user:carol'])).toBe(0);
    for (let i = 0; i < 3; i++) limiter.fail(['ip:1.2.3.4', 'user:carol']);
    expect(limiter.retryAfterS(['ip:1.2.3.4', 'user:dave'])).toBeGreaterThan(0);
    now = 71_000;
    expect(limiter.retryAfterS(['ip:5.6.7.8', 'user:bob'])).toBe(0);
    limiter.fail(['user:erin']);
    limiter.succeed('user:erin');
    expect(limiter.retryAfterS(['user:erin'])).toBe(0);
  });
});

describe('auth secret', () => {
  it('is-required-and-strong-in-production-and-random-in-development', async () => {
    const prod = { NODE_ENV: 'production' };
    await expect(readAuthSecret({ file: undefined, env: prod, log })).rejects.toThrow(
      /no auth secret: set JARVIS_AUTH_SECRET or auth.secretFile/,
    );
    await expect(
      readAuthSecret({ file: undefined, env: { ...prod, JARVIS_AUTH_SECRET: 'hunter2' }, log }),
    ).rejects.toThrow(/JARVIS_AUTH_SECRET is too weak: it needs at least 32/);
    const dir = await mkdtemp(join(tmpdir(), 'jarvis-secret-'));
    try {
      const file = join(dir, 'secret');
      await writeFile(file, `${'s'.repeat(40)}\n`);
      const fromFile = await readAuthSecret({ file, env: prod, log });
      expect(new TextDecoder().decode(fromFile)).toBe('s'.repeat(40));
      await expect(readAuthSecret({ file: join(dir, 'missing'), env: prod, log })).rejects.toThrow(
        /cannot read the auth secret file/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const dev1 = await readAuthSecret({ file: undefined, env: {}, log });
    const dev2 = await readAuthSecret({ file: undefined, env: {}, log });
    expect(dev1).toHaveLength(32);
    expect(Buffer.from(dev1).equals(Buffer.from(dev2))).toBe(false);
  });
});

describe('first admin', () => {
  it('is-made-only-while-there-is-no-user-even-with-a-second-setup-token', async () => {
    const { openDb } = await import('../storage/db.js');
    const { UserStore } = await import('./users.js');
    const db = await openDb({ dataDir: 'memory://' });
    try {
      const users = new UserStore(db);
      expect(await users.createFirstAdmin('alice', 'hash-a')).toMatchObject({ role: 'admin' });
      // Another replica's token redeemed later: refused by the database, not by memory.
      expect(await users.createFirstAdmin('mallory', 'hash-m')).toBeUndefined();
      expect((await users.list()).map((u) => u.username)).toEqual(['alice']);
    } finally {
      await db.close();
    }
  });
});
