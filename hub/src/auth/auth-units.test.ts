import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { readAuthSecret } from './auth-secret.js';
import { addressGroup, LoginLimiter, loginKeys } from './login-limiter.js';
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
    for (let i = 0; i < 4; i++) limiter.fail(['ip:1.2.3.4', 'user-ip:bob@1.2.3.4']);
    expect(limiter.retryAfterS(['ip:1.2.3.4', 'user-ip:bob@1.2.3.4'])).toBe(0);
    now = 10_000;
    limiter.fail(['ip:1.2.3.4', 'user-ip:bob@1.2.3.4']);
    expect(limiter.retryAfterS(['ip:1.2.3.4', 'user-ip:bob@1.2.3.4'])).toBe(50); // the first failure leaves at 60 s
    // Another user from the same address may still try, until the address's own limit.
    expect(limiter.retryAfterS(['ip:1.2.3.4', 'user-ip:carol@1.2.3.4'])).toBe(0);
    for (let i = 0; i < 3; i++) limiter.fail(['ip:1.2.3.4', 'user-ip:carol@1.2.3.4']);
    expect(limiter.retryAfterS(['ip:1.2.3.4', 'user-ip:dave@1.2.3.4'])).toBeGreaterThan(0);
    now = 71_000;
    expect(limiter.retryAfterS(['ip:5.6.7.8', 'user-ip:bob@5.6.7.8'])).toBe(0);
    limiter.fail(['user-ip:erin@1.2.3.4']);
    limiter.succeed('user-ip:erin@1.2.3.4');
    expect(limiter.retryAfterS(['user-ip:erin@1.2.3.4'])).toBe(0);
  });
});

describe('login keys', () => {
  it('group-an-ipv6-client-by-its-64-and-leave-ipv4-alone', () => {
    expect(addressGroup('203.0.113.9')).toBe('203.0.113.9');
    expect(addressGroup('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressGroup('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressGroup('2001:0db8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
    expect(addressGroup('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressGroup('::1')).toBe('0:0:0:0::/64');
    expect(loginKeys('bob', '2001:db8:1:2::7')).toEqual([
      'ip:2001:db8:1:2::/64',
      'user-ip:bob@2001:db8:1:2::/64',
      'user:bob',
    ]);
  });

  it('pause-one-address-for-a-user-and-the-user-only-after-many-addresses', () => {
    const limiter = new LoginLimiter({ maxPerUser: 2, maxPerIp: 100, windowMs: 60_000 });
    for (let i = 0; i < 2; i++) limiter.fail(loginKeys('bob', '203.0.113.9'));
    expect(limiter.retryAfterS(loginKeys('bob', '203.0.113.9'))).toBeGreaterThan(0);
    expect(limiter.retryAfterS(loginKeys('bob', '192.168.1.2'))).toBe(0);
    // Ten times maxPerUser from anywhere pauses the username everywhere.
    for (let i = 0; i < 18; i++) limiter.fail(loginKeys('bob', `198.51.100.${i}`));
    expect(limiter.retryAfterS(loginKeys('bob', '192.168.1.2'))).toBeGreaterThan(0);
  });
});

describe('refresh sessions', () => {
  it('end-at-their-absolute-lifetime-however-often-they-rotate', async () => {
    const { openDb } = await import('../storage/db.js');
    const { UserStore } = await import('./users.js');
    const { RefreshTokens } = await import('./refresh-tokens.js');
    const db = await openDb({ dataDir: 'memory://' });
    try {
      const user = await new UserStore(db).create({
        username: 'a1',
        role: 'admin',
        passwordHash: 'x',
      });
      let now = Date.now();
      const day = 86_400_000;
      const refresh = new RefreshTokens(db, 30 * day, 90 * day, () => now);
      let issued = await refresh.start(user.id);
      for (let d = 0; d < 3; d++) {
        now += 29 * day;
        issued = { ...issued, ...(await refresh.rotate(issued.token)) };
      }
      now += 5 * day; // 92 days after the login, the token itself only 5 days old
      await expect(refresh.rotate(issued.token)).rejects.toMatchObject({ code: 'auth-expired' });
      expect(await refresh.isLive(issued.familyId)).toBe(false);
    } finally {
      await db.close();
    }
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

describe('production secrets', () => {
  it('name-every-weak-service-password-and-pass-strong-ones', async () => {
    const { parseConfig } = await import('../config/config.js');
    const { refuseWeakSecrets, weakSecrets } = await import('../config/production-secrets.js');
    const weakConfig = parseConfig({
      databaseUrl: 'postgres://jarvis:short@db:5432/jarvis',
      mqtt: { url: 'mqtt://broker:1883', username: 'hub', password: 'mqttpw' },
      rateLimit: { redisUrl: 'redis://redis:6379' },
      cluster: { redisUrl: 'redis://:short@redis:6379' },
    });
    expect(weakSecrets(weakConfig)).toEqual([
      expect.stringMatching(/external MQTT broker's password \(JARVIS_MQTT_PASSWORD\)/),
      expect.stringMatching(/PostgreSQL password in DATABASE_URL/),
      expect.stringMatching(/Redis password in JARVIS_REDIS_URL/),
      expect.stringMatching(/cluster Redis password in JARVIS_CLUSTER_REDIS_URL/),
    ]);
    expect(() => refuseWeakSecrets(weakConfig, { NODE_ENV: 'production' })).toThrow(
      /production mode: .*MQTT.*; .*PostgreSQL.*; .*Redis/,
    );
    expect(() => refuseWeakSecrets(weakConfig, {})).not.toThrow();
    const strong = parseConfig({
      databaseUrl: `postgres://jarvis:${encodeURIComponent('a long %database pass')}@db/jarvis`,
      mqtt: { url: 'mqtt://broker:1883', username: 'hub', password: 'a long mqtt password' },
      rateLimit: { redisUrl: 'redis://:a-long-redis-password@redis:6379' },
      cluster: { redisUrl: 'redis://:a-long-redis-password@redis:6379' },
    });
    expect(weakSecrets(strong)).toEqual([]);
  });
});

describe('secrets at rest', () => {
  it('are-sealed-with-the-data-key-and-refused-under-another', async () => {
    const { loadDataKey, SecretBox } = await import('./secret-box.js');
    const dir = await mkdtemp(join(tmpdir(), 'jarvis-datakey-'));
    try {
      const dataDir = join(dir, 'db');
      const box = await loadDataKey({ env: {}, dataDir });
      const sealed = box.seal('JBSWY3DPEHPK3PXP');
      expect(sealed).toMatch(/^v1:/);
      expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
      expect(box.seal('JBSWY3DPEHPK3PXP')).not.toBe(sealed); // a fresh nonce each time
      // The key file was made once: a restarted hub reads the same key.
      expect((await loadDataKey({ env: {}, dataDir })).open(sealed)).toBe('JBSWY3DPEHPK3PXP');
      expect(() => new SecretBox(Buffer.from('another key entirely')).open(sealed)).toThrow(
        /data key changed/,
      );
      // A value from before sealing is read as it is; a tampered one is refused.
      expect(box.open('JBSWY3DPEHPK3PXP')).toBe('JBSWY3DPEHPK3PXP');
      expect(() => box.open(`${sealed.slice(0, -2)}AA`)).toThrow(/cannot be decrypted/);
      const fromEnv = await loadDataKey({ env: { JARVIS_DATA_KEY: 'k'.repeat(40) }, dataDir });
      expect(fromEnv.open(fromEnv.seal('x'))).toBe('x');
      await expect(loadDataKey({ env: { JARVIS_DATA_KEY: 'short' }, dataDir })).rejects.toThrow(
        /JARVIS_DATA_KEY is too weak/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
