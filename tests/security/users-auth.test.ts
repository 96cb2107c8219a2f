/**
 * Hostile input against users' authentication, over real HTTP on a real hub: setup-token misuse,
 * password guessing, forged / expired / wrong-audience / `none` / key-confusion access tokens,
 * refresh-token reuse, logout and password change ending sessions, role checks, and injection
 * strings in every string parameter. Each case gets its documented error; the hub keeps serving.
 */
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stepAt, totpCode } from '../../hub/src/auth/totp.js';
import { startStack, type Stack } from '../support/stack.js';

const SECRET = 'users-auth-test-secret-0123456789abcdef';
const ADMIN = { username: 'alice', password: 'correct horse battery staple' };
const MEMBER = { username: 'bob', password: 'bob has a long passphrase' };

let stack: Stack;
beforeAll(async () => {
  // Many failed logins come from this one address: the per-IP brake is raised for the suite.
  stack = await startStack({
    env: { JARVIS_AUTH_SECRET: SECRET },
    // The suite stands in for a reverse proxy: X-Forwarded-For picks the client's address.
    config: { auth: { loginMaxFailuresPerIp: 100 }, trustProxy: ['127.0.0.1', '::1'] },
  });
});
afterAll(async () => {
  await stack?.close();
});

interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: { id: string; username: string; role: string };
}

async function call(
  path: string,
  init: { method?: string; body?: unknown; token?: string; raw?: string; from?: string } = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (init.from) headers['x-forwarded-for'] = init.from;
  if (init.token) headers['authorization'] = `Bearer ${init.token}`;
  if (init.body !== undefined || init.raw !== undefined)
    headers['content-type'] = 'application/json';
  const res = await fetch(`${stack.hub.url()}${path}`, {
    method: init.method ?? (init.body !== undefined || init.raw !== undefined ? 'POST' : 'GET'),
    headers,
    ...(init.raw !== undefined
      ? { body: init.raw }
      : init.body !== undefined
        ? { body: JSON.stringify(init.body) }
        : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: res.headers,
  };
}
const login = (who: { username: string; password: string; totp?: string }, from?: string) =>
  call('/v1/auth/login', { body: who, ...(from ? { from } : {}) });
const tokensOf = (r: { body: Record<string, unknown> }) => r.body as unknown as Tokens;

/** An access token signed as the hub would, with some claim or the key changed. */
async function craft(
  claims: Record<string, unknown>,
  options: { secret?: string; expiresIn?: number; audience?: string; issuer?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: 'admin', ver: 0, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(options.issuer ?? stack.hub.config.hubId)
    .setAudience(options.audience ?? 'jarvis-api')
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 300))
    .sign(new TextEncoder().encode(options.secret ?? SECRET));
}

let admin: Tokens;
const expectServing = async () => expect((await call('/health')).status).toBe(200);

describe('first admin and logins', () => {
  it('takes-the-setup-token-once-and-refuses-a-wrong-one', async () => {
    expect(stack.setupToken()).toMatch(/^[\w-]{32}$/);
    const wrong = await call('/v1/setup', { body: { token: 'guess', ...ADMIN } });
    expect(wrong).toMatchObject({ status: 401, body: { code: 'auth-invalid' } });
    const weak = await call('/v1/setup', {
      body: { token: stack.setupToken(), username: 'alice', password: 'short' },
    });
    expect(weak).toMatchObject({ status: 400, body: { code: 'bad-request' } });
    const ok = await call('/v1/setup', { body: { token: stack.setupToken(), ...ADMIN } });
    expect(ok.status).toBe(201);
    admin = tokensOf(ok);
    expect(admin.user).toMatchObject({ username: 'alice', role: 'admin' });
    const again = await call('/v1/setup', { body: { token: stack.setupToken(), ...ADMIN } });
    expect(again).toMatchObject({ status: 403, body: { code: 'forbidden' } });
  });

  it('creates-a-member-and-keeps-admin-routes-from-it', async () => {
    const created = await call('/v1/users', {
      token: admin.accessToken,
      body: { ...MEMBER, role: 'member' },
    });
    expect(created).toMatchObject({ status: 201, body: { username: 'bob', role: 'member' } });
    const dup = await call('/v1/users', {
      token: admin.accessToken,
      body: { ...MEMBER, role: 'member' },
    });
    expect(dup).toMatchObject({ status: 409, body: { code: 'conflict' } });
    const bob = tokensOf(await login(MEMBER));
    expect((await call('/v1/me', { token: bob.accessToken })).body).toMatchObject({
      username: 'bob',
      role: 'member',
    });
    for (const path of ['/v1/users', '/v1/audit'])
      expect(await call(path, { token: bob.accessToken })).toMatchObject({
        status: 403,
        body: { code: 'forbidden' },
      });
    const escalate = await call('/v1/users', {
      token: bob.accessToken,
      body: { username: 'mallory', password: 'mallory wants admin', role: 'admin' },
    });
    expect(escalate.status).toBe(403);
    // A member may use the home API.
    expect((await call('/v1/timers', { token: bob.accessToken })).status).toBe(200);
  });

  it('answers-a-wrong-password-and-an-unknown-user-alike-then-stops-a-guesser', async () => {
    const wrong = await login({ username: 'bob', password: 'not bobs password' });
    const unknown = await login({ username: 'nobody', password: 'not anyones password' });
    expect(wrong).toMatchObject({ status: 401, body: { code: 'auth-invalid' } });
    expect(unknown.body).toEqual(wrong.body);
    // Four more failures for bob (five in all): locked, even with the right password.
    for (let i = 0; i < 4; i++) await login({ username: 'bob', password: `guess number ${i}` });
    const locked = await login(MEMBER);
    expect(locked).toMatchObject({ status: 429, body: { code: 'rate-limited' } });
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    await expectServing();
  });
});

describe('a guesser elsewhere', () => {
  it('cannot-lock-a-user-out-of-logging-in-from-home', async () => {
    await call('/v1/users', {
      token: admin.accessToken,
      body: { username: 'hugo', password: 'hugo has a passphrase', role: 'member' },
    });
    const hugo = { username: 'hugo', password: 'hugo has a passphrase' };
    for (let i = 0; i < 6; i++)
      await login({ username: 'hugo', password: `guess ${i} xx` }, '203.0.113.9');
    // The guesser's own address is paused for hugo, even with the right password…
    expect((await login(hugo, '203.0.113.9')).status).toBe(429);
    // …hugo at home is not.
    expect((await login(hugo, '192.168.1.20')).status).toBe(200);
    // Addresses of one IPv6 /64 count as one: rotating through them does not help.
    for (let i = 0; i < 5; i++)
      await login({ username: 'hugo', password: `guess ${i} yy` }, `2001:db8:1:2::${i + 1}`);
    expect((await login(hugo, '2001:db8:1:2:ffff::9')).status).toBe(429);
    expect((await login(hugo, '2001:db8:1:3::1')).status).toBe(200);
    // A guesser spread over many addresses still meets the any-address brake (50).
    for (let i = 0; i < 45; i++)
      await login({ username: 'hugo', password: `spread ${i} zz` }, `198.51.100.${i + 1}`);
    expect((await login(hugo, '192.168.1.20')).status).toBe(429);
    await expectServing();
  });
});

describe('user administration', () => {
  it('lets-an-admin-change-roles-disable-delete-and-reset-two-factor-but-not-lose-the-last-admin', async () => {
    const ivy = { username: 'ivy', password: 'ivy has a passphrase' };
    const made = await call('/v1/users', {
      token: admin.accessToken,
      body: { ...ivy, role: 'member' },
    });
    const id = made.body['id'] as string;
    const ivyTokens = tokensOf(await login(ivy));
    // A member cannot manage users.
    expect(
      await call(`/v1/users/${id}`, {
        method: 'PATCH',
        token: ivyTokens.accessToken,
        body: { role: 'admin' },
      }),
    ).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    // Promoted: her old access token (member) stops, a refresh gives an admin one.
    const promoted = await call(`/v1/users/${id}`, {
      method: 'PATCH',
      token: admin.accessToken,
      body: { role: 'admin' },
    });
    expect(promoted).toMatchObject({ status: 200, body: { role: 'admin', disabled: false } });
    expect((await call('/v1/me', { token: ivyTokens.accessToken })).status).toBe(401);
    const refreshed = tokensOf(
      await call('/v1/auth/refresh', { body: { refreshToken: ivyTokens.refreshToken } }),
    );
    expect(refreshed.user.role).toBe('admin');
    // Disabled: her session ends and she cannot log in; enabled again, she can.
    const me = (await call('/v1/me', { token: admin.accessToken })).body['id'] as string;
    expect(
      await call(`/v1/users/${me}`, {
        method: 'PATCH',
        token: admin.accessToken,
        body: { disabled: true },
      }),
    ).toMatchObject({ status: 409, body: { code: 'conflict' } });
    expect(
      (
        await call(`/v1/users/${id}`, {
          method: 'PATCH',
          token: admin.accessToken,
          body: { disabled: true },
        })
      ).body,
    ).toMatchObject({ disabled: true });
    expect((await call('/v1/me', { token: refreshed.accessToken })).status).toBe(401);
    expect(
      (await call('/v1/auth/refresh', { body: { refreshToken: refreshed.refreshToken } })).status,
    ).toBe(401);
    expect(await login(ivy)).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    await call(`/v1/users/${id}`, {
      method: 'PATCH',
      token: admin.accessToken,
      body: { disabled: false },
    });
    expect((await login(ivy)).status).toBe(200);
    // The last admin who can log in may not be demoted by another admin…
    await call(`/v1/users/${id}`, {
      method: 'PATCH',
      token: admin.accessToken,
      body: { role: 'member' },
    });
    expect(
      await call(`/v1/users/${me}`, {
        method: 'PATCH',
        token: tokensOf(await login(ivy)).accessToken,
        body: { role: 'member' },
      }),
    ).toMatchObject({ status: 403 }); // ivy is a member again
    expect(
      await call(`/v1/users/${me}`, {
        method: 'PATCH',
        token: admin.accessToken,
        body: { role: 'member' },
      }),
    ).toMatchObject({ status: 409, body: { code: 'conflict' } });
    // An empty change, an unknown field and a non-uuid id are schema errors; an unknown id 404.
    for (const [path, body] of [
      [`/v1/users/${id}`, {}],
      [`/v1/users/${id}`, { role: 'owner' }],
      [`/v1/users/${id}`, { disabled: true, admin: true }],
      ['/v1/users/..%2F..%2Fetc%2Fpasswd', { disabled: true }],
    ] as const)
      expect(
        (await call(path, { method: 'PATCH', token: admin.accessToken, body })).status,
        JSON.stringify(body),
      ).toBe(400);
    expect(
      (
        await call('/v1/users/00000000-0000-4000-8000-000000000000', {
          method: 'DELETE',
          token: admin.accessToken,
        })
      ).status,
    ).toBe(404);
    // Two-factor reset: the admin turns off ivy's factor; her sessions end.
    const back = tokensOf(await login(ivy));
    const setup = await call('/v1/auth/totp', {
      token: back.accessToken,
      body: { password: ivy.password },
    });
    expect(setup.status).toBe(200);
    const secret = setup.body['secret'] as string;
    // At rest the secret is sealed with the data key, not readable from a database copy.
    const [stored] = await stack.hub.db.query<{ totp_secret: string }>(
      'SELECT totp_secret FROM users WHERE id = $1',
      [id],
    );
    expect(stored?.totp_secret).toMatch(/^v1:/);
    expect(stored?.totp_secret).not.toContain(secret);
    const enable = await call('/v1/auth/totp/enable', {
      token: back.accessToken,
      body: { code: totpCode(secret, stepAt(Date.now())) },
    });
    expect(enable.status).toBe(204);
    expect(await login(ivy)).toMatchObject({ status: 401, body: { code: 'totp-required' } });
    expect(
      (await call(`/v1/users/${id}/totp-reset`, { method: 'POST', token: admin.accessToken }))
        .status,
    ).toBe(204);
    const users = (await call('/v1/users', { token: admin.accessToken })).body['users'] as {
      id: string;
      totpEnabled: boolean;
    }[];
    expect(users.find((u) => u.id === id)?.totpEnabled).toBe(false);
    const plain = await login(ivy);
    expect(plain.status).toBe(200);
    // Deleted: gone from the list, her tokens dead, her name free; not yourself.
    expect(
      (await call(`/v1/users/${me}`, { method: 'DELETE', token: admin.accessToken })).status,
    ).toBe(409);
    expect(
      (await call(`/v1/users/${id}`, { method: 'DELETE', token: admin.accessToken })).status,
    ).toBe(204);
    expect((await call('/v1/me', { token: tokensOf(plain).accessToken })).status).toBe(401);
    expect(await login(ivy)).toMatchObject({ status: 401 });
    const audit = (await call('/v1/audit?limit=50', { token: admin.accessToken })).body[
      'entries'
    ] as { action: string; target?: string }[];
    for (const action of ['user-update', 'totp-reset', 'user-delete'])
      expect(
        audit.some((e) => e.action === action && e.target === id),
        action,
      ).toBe(true);
    await expectServing();
  });
});

describe('login bursts and setup races', () => {
  it('count-simultaneous-guesses-before-any-of-them-is-checked', async () => {
    await call('/v1/users', {
      token: admin.accessToken,
      body: { username: 'dave', password: 'dave has a passphrase', role: 'member' },
    });
    const burst = await Promise.all(
      Array.from({ length: 15 }, (_, i) => login({ username: 'dave', password: `guess ${i} xx` })),
    );
    const statuses = burst.map((r) => r.status);
    // Five guesses at most reach the password check; the rest are paused.
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(10);
  });

  it('makes-no-second-first-admin', async () => {
    // As if another replica still held its own setup token: the database says setup is done.
    const again = await call('/v1/setup', {
      body: { token: 'irrelevant', username: 'eve', password: 'eve wants to be admin' },
    });
    expect(again.status).toBeGreaterThanOrEqual(401);
    expect((await login({ username: 'eve', password: 'eve wants to be admin' })).status).toBe(401);
  });
});

describe('access tokens', () => {
  it('refuses-forged-expired-wrong-audience-none-and-key-confusion-tokens', async () => {
    const me = await call('/v1/me', { token: admin.accessToken });
    expect(me).toMatchObject({ status: 200, body: { username: 'alice', role: 'admin' } });
    const sub = admin.user.id;
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({ sub, role: 'admin', ver: 0, aud: 'jarvis-api', exp: 2e9 }),
    ).toString('base64url');
    const cases: [string, string, string][] = [
      [
        'forged',
        await craft({ sub }, { secret: 'some-other-secret-0123456789abcdef' }),
        'auth-invalid',
      ],
      ['expired', await craft({ sub }, { expiresIn: -60 }), 'auth-expired'],
      ['wrong audience', await craft({ sub }, { audience: 'someone-else' }), 'auth-invalid'],
      ['wrong issuer', await craft({ sub }, { issuer: 'another-hub' }), 'auth-invalid'],
      ['alg none', `${header}.${payload}.`, 'auth-invalid'],
      [
        'EdDSA instead of HS256',
        await new SignJWT({ sub, role: 'admin', ver: 0 })
          .setProtectedHeader({ alg: 'EdDSA' })
          .setAudience('jarvis-api')
          .setIssuer(stack.hub.config.hubId)
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(privateKey),
        'auth-invalid',
      ],
      // Right signature, but no live session behind it.
      ['no session', await craft({ sub, sid: 'made-up-session' }), 'auth-invalid'],
      ['garbage', 'not.a.jwt', 'auth-invalid'],
    ];
    for (const [what, token, code] of cases) {
      const r = await call('/v1/me', { token });
      expect(r.status, what).toBe(401);
      expect(r.body, what).toMatchObject({ code });
      expect(r.headers.get('www-authenticate'), what).toContain('invalid_token');
    }
    expect(await call('/v1/me')).toMatchObject({ status: 401, body: { code: 'auth-missing' } });
    await expectServing();
  });
});

describe('sessions', () => {
  it('rotates-refresh-tokens-and-revokes-the-family-on-reuse', async () => {
    const first = tokensOf(await login(ADMIN));
    const next = await call('/v1/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(next.status).toBe(200);
    const second = tokensOf(next);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    // The old token again: stolen. Every token of the family dies, the new access token too.
    const reuse = await call('/v1/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(reuse).toMatchObject({ status: 401, body: { code: 'auth-replayed' } });
    expect(
      await call('/v1/auth/refresh', { body: { refreshToken: second.refreshToken } }),
    ).toMatchObject({ status: 401, body: { code: 'auth-invalid' } });
    expect((await call('/v1/me', { token: second.accessToken })).status).toBe(401);
    // Other sessions of the same user are untouched.
    expect((await call('/v1/me', { token: admin.accessToken })).status).toBe(200);
  });

  it('ends-a-session-on-logout-and-all-on-a-password-change', async () => {
    const phone = tokensOf(await login(ADMIN));
    expect(
      (await call('/v1/auth/logout', { method: 'POST', token: phone.accessToken })).status,
    ).toBe(204);
    expect((await call('/v1/me', { token: phone.accessToken })).status).toBe(401);
    expect(
      (await call('/v1/auth/refresh', { body: { refreshToken: phone.refreshToken } })).status,
    ).toBe(401);

    const laptop = tokensOf(await login(ADMIN));
    const badCurrent = await call('/v1/auth/password', {
      token: laptop.accessToken,
      body: { currentPassword: 'wrong wrong wrong', newPassword: 'a brand new passphrase' },
    });
    expect(badCurrent).toMatchObject({ status: 401, body: { code: 'auth-invalid' } });
    const changed = await call('/v1/auth/password', {
      token: laptop.accessToken,
      body: { currentPassword: ADMIN.password, newPassword: 'a brand new passphrase' },
    });
    expect(changed.status).toBe(204);
    for (const t of [laptop, admin])
      expect((await call('/v1/me', { token: t.accessToken })).status).toBe(401);
    expect((await login(ADMIN)).status).toBe(401);
    admin = tokensOf(await login({ username: 'alice', password: 'a brand new passphrase' }));
    expect(admin.accessToken).toBeTruthy();
  });
});

describe('two-factor login', () => {
  it('needs-a-fresh-code-once-turned-on-and-refuses-replays', async () => {
    const carol = { username: 'carol', password: 'carol has two factors' };
    await call('/v1/users', { token: admin.accessToken, body: { ...carol, role: 'member' } });
    const session = tokensOf(await login(carol));
    const other = tokensOf(await login(carol));
    // A token alone cannot turn it on: the password again.
    expect(
      await call('/v1/auth/totp', {
        token: session.accessToken,
        body: { password: 'guess guess guess' },
      }),
    ).toMatchObject({ status: 401 });
    expect((await call('/v1/auth/totp', { token: session.accessToken, body: {} })).status).toBe(
      400,
    );
    const setup = await call('/v1/auth/totp', {
      token: session.accessToken,
      body: { password: carol.password },
    });
    expect(setup.status).toBe(200);
    const secret = setup.body['secret'] as string;
    expect(setup.body['uri']).toContain(`secret=${secret}`);
    // One step fixed for the whole test: a code stays good one step either side of now.
    const step = stepAt(Date.now());
    const code = (offset = 0) => totpCode(secret, step + offset);
    expect(
      await call('/v1/auth/totp/enable', { token: session.accessToken, body: { code: '000000' } }),
    ).toMatchObject({ status: 401 });
    expect(
      (await call('/v1/auth/totp/enable', { token: session.accessToken, body: { code: code() } }))
        .status,
    ).toBe(204);
    // Turning it on ended carol's other session, not this one.
    expect((await call('/v1/me', { token: other.accessToken })).status).toBe(401);
    expect((await call('/v1/me', { token: session.accessToken })).status).toBe(200);
    // The password alone no longer logs in; a wrong code or the used one neither.
    expect(await login(carol)).toMatchObject({ status: 401, body: { code: 'totp-required' } });
    expect(await login({ ...carol, totp: '123456' })).toMatchObject({ status: 401 });
    expect((await login({ ...carol, totp: code() })).status).toBe(401); // used to enable
    const next = await login({ ...carol, totp: code(1) });
    expect(next.status).toBe(200);
    expect((await login({ ...carol, totp: code(1) })).status).toBe(401); // replay
    expect(await login({ ...carol, totp: 'abcdef' })).toMatchObject({ status: 400 });
  });
});

describe('the audit log', () => {
  it('records-logins-failures-reuse-and-changes-without-secrets', async () => {
    const r = await call('/v1/audit?limit=500', { token: admin.accessToken });
    expect(r.status).toBe(200);
    const entries = r.body['entries'] as { action: string; outcome: string; target?: string }[];
    const seen = (action: string, outcome: string) =>
      entries.some((e) => e.action === action && e.outcome === outcome);
    for (const [action, outcome] of [
      ['setup', 'denied'],
      ['setup', 'ok'],
      ['user-create', 'ok'],
      ['login', 'ok'],
      ['login', 'denied'],
      ['refresh-reuse', 'denied'],
      ['logout', 'ok'],
      ['password-change', 'denied'],
      ['password-change', 'ok'],
    ])
      expect(seen(action!, outcome!), `${action} ${outcome}`).toBe(true);
    const text = JSON.stringify(entries);
    for (const secret of [
      ADMIN.password,
      MEMBER.password,
      'a brand new passphrase',
      SECRET,
      admin.refreshToken,
    ])
      expect(text).not.toContain(secret);
    const logins = await call('/v1/audit?action=login&limit=5', { token: admin.accessToken });
    expect(
      (logins.body['entries'] as { action: string }[]).every((e) => e.action === 'login'),
    ).toBe(true);
  });
});

describe('injection strings', () => {
  const HOSTILE = [
    "' OR '1'='1",
    "alice'; DROP TABLE users; --",
    '../../../../etc/passwd',
    '..%2f..%2fetc%2fpasswd',
    '%00',
    '<script>alert(1)</script>',
    '${jndi:ldap://x}',
    'a'.repeat(5000),
  ];

  it('are-refused-or-harmless-in-every-string-parameter', async () => {
    for (const s of HOSTILE) {
      const tag = s.slice(0, 30);
      // Bodies: a login with it as username or password is a plain failure or a schema error.
      for (const body of [
        { username: s, password: 'whatever whatever' },
        { username: 'nobody', password: s },
      ]) {
        const r = await login(body);
        expect([400, 401, 429], tag).toContain(r.status);
        expect(typeof r.body['code'], tag).toBe('string');
      }
      for (const [path, body] of [
        ['/v1/setup', { token: s, username: 'x1', password: 'long enough password' }],
        ['/v1/auth/refresh', { refreshToken: s }],
        ['/v1/users', { username: s, password: 'long enough password', role: 'member' }],
        ['/v1/announcements', { text: 'hi', room: s }],
        ['/v1/announcements', { text: 'hi', satellite: s }],
      ] as const) {
        const r = await call(path, { body, token: admin.accessToken });
        expect(r.status, `${path} ${tag}`).toBeGreaterThanOrEqual(400);
        expect(r.status, `${path} ${tag}`).toBeLessThan(500);
      }
      // Query strings and path parameters.
      const q = encodeURIComponent(s);
      for (const path of [
        `/v1/audit?action=${q}`,
        `/v1/audit?actor=${q}`,
        `/v1/timers?satellite=${q}`,
        `/v1/timers/${q}`,
      ]) {
        const r = await call(path, {
          token: admin.accessToken,
          ...(path.startsWith('/v1/timers/') ? { method: 'DELETE' } : {}),
        });
        expect(r.status, `${path}`).toBeLessThan(500);
        expect(JSON.stringify(r.body)).not.toMatch(/at .*\.ts:\d+|stack|SELECT|syntax error/i);
      }
    }
    // The users table is still there and alice still logs in.
    expect((await login({ username: 'alice', password: 'a brand new passphrase' })).status).toBe(
      200,
    );
    await expectServing();
  });
});

describe('HTTP hygiene', () => {
  it('sends-security-headers-and-cors-only-to-configured-origins', async () => {
    const cors = await startStack({ config: { corsOrigins: ['https://dash.example'] } });
    try {
      const get = (origin: string) => fetch(`${cors.hub.url()}/v1/me`, { headers: { origin } });
      const ok = await get('https://dash.example');
      expect(ok.status).toBe(401); // CORS is not authentication
      expect(ok.headers.get('access-control-allow-origin')).toBe('https://dash.example');
      for (const [name, value] of [
        ['x-content-type-options', 'nosniff'],
        ['x-frame-options', 'DENY'],
        ['cache-control', 'no-store'],
      ])
        expect(ok.headers.get(name!), name).toBe(value);
      const other = await get('https://evil.example');
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      const preflight = (origin: string) =>
        fetch(`${cors.hub.url()}/v1/timers`, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'GET' },
        });
      const allowed = await preflight('https://dash.example');
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
      const refused = await preflight('https://evil.example');
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
      expect((await fetch(`${cors.hub.url()}/health`)).headers.get('x-frame-options')).toBe('DENY');
    } finally {
      await cors.close();
    }
  });
});
