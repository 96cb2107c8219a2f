/** Who is logged in. The tokens themselves live in the API client. */
import { computed, shallowRef } from 'vue';
import { fetchMe } from '../api/auth';
import { api } from '../api/client';
import type { Me, Tokens } from '../api/types';

export const currentUser = shallowRef<Me | null>(null);
export const isAdmin = computed(() => currentUser.value?.role === 'admin');

let restoring: Promise<void> | null = null;

/** After a reload: resumes the session from the stored refresh token, once. */
export function restoreSession(): Promise<void> {
  restoring ??= (async () => {
    if (currentUser.value !== null || !api.hasSession) return;
    try {
      currentUser.value = await fetchMe();
    } catch {
      // Expired or unreachable: the router sends the user to the login page.
      currentUser.value = null;
    }
  })();
  return restoring;
}

export function signedIn(tokens: Tokens): void {
  currentUser.value = { kind: 'user', ...tokens.user };
}

export function signedOut(): void {
  currentUser.value = null;
  restoring = null;
}

/** Where a user lands after login: admins manage satellites, members watch. */
export function homePath(user: Me | null = currentUser.value): string {
  return user?.role === 'admin' ? '/satellites' : '/live';
}

/**
 * A same-app path to return to after login; anything else is ignored, including `//host` and
 * `/\host`, which browsers read as another origin.
 */
export function safeRedirect(value: unknown): string | null {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : null;
}
