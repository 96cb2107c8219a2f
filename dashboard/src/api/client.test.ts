// @vitest-environment happy-dom
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  emptyResponse,
  jsonResponse,
  mockFetch,
  tokens,
  type FetchCall,
} from '../testing/fetch-mock';
import { ApiClient, ApiError, REFRESH_TOKEN_KEY } from './client';

function client(handler: (call: FetchCall) => Response | Promise<Response>) {
  const mock = mockFetch(handler);
  const api = new ApiClient({ fetch: mock.fetch, storage: localStorage, refreshAhead: false });
  return { api, calls: mock.calls };
}

const expired = () => jsonResponse(401, { code: 'auth-expired', message: 'token expired' });

describe('ApiClient', () => {
  beforeEach(() => localStorage.clear());

  it('sends the access token as a Bearer header', async () => {
    const { api, calls } = client(() => jsonResponse(200, { ok: true }));
    api.acceptTokens(tokens('a1', 'r1'));
    expect(await api.get('/v1/me')).toEqual({ ok: true });
    expect(calls[0]?.authorization).toBe('Bearer a1');
    expect(localStorage.getItem(REFRESH_TOKEN_KEY)).toBe('r1');
  });

  it('refreshes once on auth-expired and retries with the new token', async () => {
    const { api, calls } = client((call) => {
      if (call.url === '/v1/auth/refresh') return jsonResponse(200, tokens('a2', 'r2'));
      return call.authorization === 'Bearer a2' ? jsonResponse(200, { id: 'u1' }) : expired();
    });
    api.acceptTokens(tokens('a1', 'r1'));

    expect(await api.get('/v1/me')).toEqual({ id: 'u1' });
    expect(calls.map((c) => c.url)).toEqual(['/v1/me', '/v1/auth/refresh', '/v1/me']);
    expect(calls[1]?.body).toEqual({ refreshToken: 'r1' });
    expect(calls[1]?.authorization).toBeNull();
    expect(localStorage.getItem(REFRESH_TOKEN_KEY)).toBe('r2');
  });

  it('does not retry more than once when the retry is refused too', async () => {
    const { api, calls } = client((call) =>
      call.url === '/v1/auth/refresh'
        ? jsonResponse(200, tokens('a2', 'r2'))
        : jsonResponse(401, { code: 'auth-invalid', message: 'bad token' }),
    );
    api.acceptTokens(tokens('a1', 'r1'));
    await expect(api.get('/v1/me')).rejects.toMatchObject({ code: 'auth-invalid' });
    expect(calls.map((c) => c.url)).toEqual(['/v1/me', '/v1/auth/refresh', '/v1/me']);
  });

  it('shares one refresh between concurrent calls', async () => {
    const { api, calls } = client((call) => {
      if (call.url === '/v1/auth/refresh') return jsonResponse(200, tokens('a2', 'r2'));
      return call.authorization === 'Bearer a2' ? jsonResponse(200, {}) : expired();
    });
    api.acceptTokens(tokens('a1', 'r1'));
    await Promise.all([api.get('/v1/a'), api.get('/v1/b'), api.get('/v1/c')]);
    expect(calls.filter((c) => c.url === '/v1/auth/refresh')).toHaveLength(1);
  });

  it('forgets the session and reports it lost when the refresh is refused', async () => {
    const { api } = client((call) =>
      call.url === '/v1/auth/refresh'
        ? jsonResponse(401, { code: 'auth-invalid', message: 'refresh token revoked' })
        : expired(),
    );
    const lost = vi.fn();
    api.onAuthLost(lost);
    api.acceptTokens(tokens('a1', 'r1'));

    await expect(api.get('/v1/me')).rejects.toBeInstanceOf(ApiError);
    expect(lost).toHaveBeenCalledOnce();
    expect(api.accessToken).toBeNull();
    expect(localStorage.getItem(REFRESH_TOKEN_KEY)).toBeNull();
  });

  it('keeps the session when the refresh fails for a passing reason', async () => {
    const { api } = client((call) =>
      call.url === '/v1/auth/refresh'
        ? jsonResponse(503, { code: 'storage-failed', message: 'database down', retryable: true })
        : expired(),
    );
    const lost = vi.fn();
    api.onAuthLost(lost);
    api.acceptTokens(tokens('a1', 'r1'));
    await expect(api.get('/v1/me')).rejects.toMatchObject({ code: 'storage-failed' });
    expect(lost).not.toHaveBeenCalled();
    expect(localStorage.getItem(REFRESH_TOKEN_KEY)).toBe('r1');
  });

  it('resumes after a reload from the stored refresh token alone', async () => {
    localStorage.setItem(REFRESH_TOKEN_KEY, 'r1');
    const { api, calls } = client((call) =>
      call.url === '/v1/auth/refresh'
        ? jsonResponse(200, tokens('a2', 'r2'))
        : jsonResponse(200, { kind: 'user' }),
    );
    expect(api.hasSession).toBe(true);
    await api.get('/v1/me');
    expect(calls.map((c) => [c.url, c.authorization])).toEqual([
      ['/v1/auth/refresh', null],
      ['/v1/me', 'Bearer a2'],
    ]);
  });

  it('uses a refresh token another tab rotated in the meantime', async () => {
    const { api, calls } = client((call) => {
      if (call.url !== '/v1/auth/refresh') return jsonResponse(200, {});
      const { refreshToken } = call.body as { refreshToken: string };
      if (refreshToken === 'r-other') return jsonResponse(200, tokens('a3', 'r3'));
      localStorage.setItem(REFRESH_TOKEN_KEY, 'r-other'); // the other tab won the race
      return jsonResponse(401, { code: 'auth-invalid', message: 'used refresh token' });
    });
    localStorage.setItem(REFRESH_TOKEN_KEY, 'r1');
    expect(await api.refresh()).toBe(true);
    expect(api.accessToken).toBe('a3');
    expect(calls).toHaveLength(2);
  });

  it('does not refresh for a wrong current password, and counts the guess once', async () => {
    const { api, calls } = client(() =>
      jsonResponse(401, { code: 'auth-invalid', message: 'the current password is wrong' }),
    );
    const lost = vi.fn();
    api.onAuthLost(lost);
    api.acceptTokens(tokens('a1', 'r1'));
    await expect(
      api.post('/v1/auth/password', { currentPassword: 'x' }, { refreshOnInvalid: false }),
    ).rejects.toThrow('the current password is wrong');
    expect(calls).toHaveLength(1);
    expect(lost).not.toHaveBeenCalled();
  });

  it('never refreshes for calls that log in', async () => {
    const { api, calls } = client(() =>
      jsonResponse(401, { code: 'auth-invalid', message: 'wrong username or password' }),
    );
    api.acceptTokens(tokens('a1', 'r1'));
    await expect(api.post('/v1/auth/login', {}, { auth: false })).rejects.toThrow(
      'wrong username or password',
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]?.authorization).toBeNull();
  });

  it("carries the hub's code, message and Retry-After into the error", async () => {
    const { api } = client(() =>
      jsonResponse(
        429,
        { code: 'rate-limited', message: 'too many attempts', retryable: true },
        { 'retry-after': '30' },
      ),
    );
    const err = await api.post('/v1/auth/login', {}, { auth: false }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      status: 429,
      code: 'rate-limited',
      message: 'too many attempts',
      retryable: true,
      retryAfterS: 30,
    });
  });

  it('reports an unreachable hub as a network error', async () => {
    const { api } = client(() => Promise.reject(new TypeError('Failed to fetch')));
    await expect(api.get('/v1/setup', { auth: false })).rejects.toMatchObject({
      code: 'network',
    });
  });

  it('resolves empty answers to undefined', async () => {
    const { api } = client(() => emptyResponse(204));
    api.acceptTokens(tokens('a1', 'r1'));
    expect(await api.delete('/v1/timers/t1')).toBeUndefined();
  });
});
