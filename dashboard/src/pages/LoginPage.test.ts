// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api } from '../api/client';
import { currentUser, signedOut } from '../stores/auth';
import { jsonResponse, mockFetch, tokens, type FetchCall } from '../testing/fetch-mock';
import { testRouter } from '../testing/router';
import LoginPage from './LoginPage.vue';

const byId = (id: string) => `[data-testid="${id}"]`;

async function page(handler: (call: FetchCall) => Response, path = '/login') {
  const mock = mockFetch((call) =>
    call.url === '/v1/setup' && call.method === 'GET'
      ? jsonResponse(200, { needed: false })
      : handler(call),
  );
  vi.stubGlobal('fetch', mock.fetch);
  const router = await testRouter(path);
  const wrapper = mount(LoginPage, { global: { plugins: [router] }, attachTo: document.body });
  await flushPromises();
  return { wrapper, router, calls: mock.calls };
}

async function logIn(wrapper: Awaited<ReturnType<typeof page>>['wrapper']) {
  await wrapper.get(byId('login-username')).setValue('alice');
  await wrapper.get(byId('login-password')).setValue('correct horse battery');
  await wrapper.get(byId('login-form')).trigger('submit');
  await flushPromises();
}

describe('LoginPage', () => {
  beforeEach(() => {
    api.forget();
    signedOut();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    document.body.innerHTML = '';
  });

  it('logs in and goes to the satellites page', async () => {
    const { wrapper, router, calls } = await page(() => jsonResponse(200, tokens('a1', 'r1')));
    expect(wrapper.find(byId('login-totp')).exists()).toBe(false);
    await logIn(wrapper);
    expect(calls.at(-1)).toMatchObject({
      method: 'POST',
      url: '/v1/auth/login',
      body: { username: 'alice', password: 'correct horse battery' },
    });
    expect(currentUser.value).toMatchObject({ username: 'alice', role: 'admin' });
    expect(api.accessToken).toBe('a1');
    expect(router.currentRoute.value.path).toBe('/satellites');
  });

  it('sends a member to Live, or back where the login interrupted', async () => {
    const member = await page(() => jsonResponse(200, tokens('a1', 'r1', 'member')));
    await logIn(member.wrapper);
    expect(member.router.currentRoute.value.path).toBe('/live');
    member.wrapper.unmount();

    signedOut();
    const back = await page(
      () => jsonResponse(200, tokens('a1', 'r1')),
      '/login?redirect=/history',
    );
    await logIn(back.wrapper);
    expect(back.router.currentRoute.value.path).toBe('/history');
  });

  it('asks for the 6-digit code on totp-required and sends it with the password', async () => {
    const { wrapper, calls } = await page((call) =>
      (call.body as { totp?: string }).totp === '123456'
        ? jsonResponse(200, tokens('a1', 'r1'))
        : jsonResponse(401, { code: 'totp-required', message: 'one-time code required' }),
    );
    await logIn(wrapper);
    const totp = wrapper.get(byId('login-totp'));
    expect(wrapper.find(byId('login-error')).exists()).toBe(false);
    expect(document.activeElement).toBe(totp.element);

    await totp.setValue('123456');
    await wrapper.get(byId('login-form')).trigger('submit');
    await flushPromises();
    expect(calls.at(-1)?.body).toEqual({
      username: 'alice',
      password: 'correct horse battery',
      totp: '123456',
    });
    expect(currentUser.value?.username).toBe('alice');
  });

  it("shows the server's message when the login is refused", async () => {
    const { wrapper } = await page(() =>
      jsonResponse(401, { code: 'auth-invalid', message: 'wrong username or password' }),
    );
    await logIn(wrapper);
    expect(wrapper.get(byId('login-error')).text()).toBe('wrong username or password');
    expect(wrapper.get(byId('login-error')).attributes('role')).toBe('alert');
    expect(currentUser.value).toBeNull();
  });

  it('says how long to wait when rate limited', async () => {
    const { wrapper } = await page(() =>
      jsonResponse(
        429,
        { code: 'rate-limited', message: 'too many attempts' },
        { 'retry-after': '60' },
      ),
    );
    await logIn(wrapper);
    expect(wrapper.get(byId('login-error')).text()).toBe('too many attempts Try again in 60 s.');
  });

  it('offers the first-admin setup while no user exists', async () => {
    const mock = mockFetch((call) =>
      call.method === 'GET'
        ? jsonResponse(200, { needed: true })
        : jsonResponse(201, tokens('a1', 'r1')),
    );
    vi.stubGlobal('fetch', mock.fetch);
    const router = await testRouter('/login');
    const wrapper = mount(LoginPage, { global: { plugins: [router] } });
    await flushPromises();
    expect(wrapper.find(byId('login-form')).exists()).toBe(false);
    await wrapper.get(byId('setup-token')).setValue(' tok-123 ');
    await wrapper.get(byId('setup-username')).setValue('admin');
    await wrapper.get(byId('setup-password')).setValue('a long admin password');
    await wrapper.get(byId('setup-form')).trigger('submit');
    await flushPromises();
    expect(mock.calls.at(-1)).toMatchObject({
      method: 'POST',
      url: '/v1/setup',
      body: { token: 'tok-123', username: 'admin', password: 'a long admin password' },
    });
    expect(router.currentRoute.value.path).toBe('/satellites');
  });
});
