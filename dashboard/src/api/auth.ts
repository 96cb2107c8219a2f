/** Login, first-admin setup, and the logged-in user's own account. */
import { api } from './client';
import type { Me, Tokens } from './types';

/**
 * The hub's username rule as an HTML `pattern`: browsers compile it with the `v` flag, where a
 * bare `-` in a class is an error, and anchor it themselves.
 */
export const USERNAME_PATTERN = '[a-z0-9][a-z0-9._\\-]{1,31}';
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;

/** Whether the hub still waits for its first admin. */
export async function setupNeeded(): Promise<boolean> {
  return (await api.get<{ needed: boolean }>('/v1/setup', { auth: false })).needed;
}

export async function setupFirstAdmin(
  token: string,
  username: string,
  password: string,
): Promise<Tokens> {
  const tokens = await api.post<Tokens>(
    '/v1/setup',
    { token, username, password },
    { auth: false },
  );
  api.acceptTokens(tokens);
  return tokens;
}

/** Rejects with code `totp-required` when the account needs its one-time code too. */
export async function login(username: string, password: string, totp?: string): Promise<Tokens> {
  const body = totp === undefined ? { username, password } : { username, password, totp };
  const tokens = await api.post<Tokens>('/v1/auth/login', body, { auth: false });
  api.acceptTokens(tokens);
  return tokens;
}

export function fetchMe(): Promise<Me> {
  return api.get<Me>('/v1/me');
}

/** Ends the session on the hub; the tokens are forgotten even when the hub cannot be reached. */
export async function logout(): Promise<void> {
  try {
    await api.post('/v1/auth/logout');
  } finally {
    api.forget();
  }
}

/** Ends every session of the user, this one included. */
export async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
  await api.post(
    '/v1/auth/password',
    { currentPassword, newPassword },
    { refreshOnInvalid: false },
  );
  api.forget();
}
