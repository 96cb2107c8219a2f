/** User management (admins only). */
import { api } from './client';
import type { Role, UserRecord } from './types';

export async function listUsers(): Promise<UserRecord[]> {
  return (await api.get<{ users: UserRecord[] }>('/v1/users')).users;
}

export function createUser(username: string, password: string, role: Role): Promise<unknown> {
  return api.post('/v1/users', { username, password, role });
}

export function updateUser(
  id: string,
  change: { role?: Role; disabled?: boolean },
): Promise<UserRecord> {
  return api.patch<UserRecord>(`/v1/users/${encodeURIComponent(id)}`, change);
}

export function deleteUser(id: string): Promise<void> {
  return api.delete(`/v1/users/${encodeURIComponent(id)}`);
}

export function resetTotp(id: string): Promise<void> {
  return api.post(`/v1/users/${encodeURIComponent(id)}/totp-reset`);
}
