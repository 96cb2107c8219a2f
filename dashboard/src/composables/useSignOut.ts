/** Leaving the session, by choice or because the hub ended it. */
import { useRouter, type Router } from 'vue-router';
import { logout } from '../api/auth';
import { signedOut } from '../stores/auth';
import { liveSessions } from '../stores/live';
import { hubEvents } from './useHubEvents';

/** Forgets everything the session showed and goes to the login page. */
export async function leaveSession(router: Router, redirect?: string): Promise<void> {
  hubEvents.stop();
  liveSessions.clear();
  signedOut();
  await router.push(redirect ? { path: '/login', query: { redirect } } : '/login');
}

export function useSignOut(): () => Promise<void> {
  const router = useRouter();
  return async () => {
    try {
      await logout();
    } catch {
      // The tokens are forgotten either way; the hub ends the session when they expire.
    }
    await leaveSession(router);
  };
}
