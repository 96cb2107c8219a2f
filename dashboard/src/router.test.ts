// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { createAppRouter } from './router';
import { safeRedirect, signedIn, signedOut } from './stores/auth';
import { tokens } from './testing/fetch-mock';

describe('router', () => {
  afterEach(() => signedOut());

  it('sends a visitor to the login page, remembering where they were going', async () => {
    const router = createAppRouter();
    await router.push('/history?q=lights');
    expect(router.currentRoute.value.path).toBe('/login');
    expect(router.currentRoute.value.query.redirect).toBe('/history?q=lights');
  });

  it('sends a visitor at / to the login page, to be placed by role afterwards', async () => {
    const router = createAppRouter();
    await router.push('/');
    expect(router.currentRoute.value.fullPath).toBe('/login');
    signedIn(tokens('a', 'r', 'admin'));
    await router.push('/no/such/page');
    expect(router.currentRoute.value.path).toBe('/satellites');
  });

  it('redirects a member away from admin pages to Live', async () => {
    signedIn(tokens('a', 'r', 'member'));
    const router = createAppRouter();
    for (const path of ['/satellites', '/enroll', '/users', '/system']) {
      await router.push(path);
      expect(router.currentRoute.value.path, path).toBe('/live');
    }
    await router.push('/devices');
    expect(router.currentRoute.value.path).toBe('/devices');
  });

  it('starts an admin on Satellites and keeps a logged-in user off the login page', async () => {
    signedIn(tokens('a', 'r', 'admin'));
    const router = createAppRouter();
    await router.push('/');
    expect(router.currentRoute.value.path).toBe('/satellites');
    await router.push('/login');
    expect(router.currentRoute.value.path).toBe('/satellites');
  });

  it('only returns to paths of this app after login', () => {
    expect(safeRedirect('/history')).toBe('/history');
    expect(safeRedirect('//evil.example')).toBeNull();
    expect(safeRedirect('/\\evil.example')).toBeNull();
    expect(safeRedirect('https://evil.example')).toBeNull();
    expect(safeRedirect(['/history'])).toBeNull();
  });
});
