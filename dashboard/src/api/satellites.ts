/** Satellites and their enrollment (admins only). */
import { api } from './client';
import type { EnrollmentCode, Satellite } from './types';

const path = (id: string): string => `/v1/satellites/${encodeURIComponent(id)}`;

export async function listSatellites(): Promise<Satellite[]> {
  return (await api.get<{ satellites: Satellite[] }>('/v1/satellites')).satellites;
}

export function updateSatellite(
  id: string,
  change: { name?: string; room?: string },
): Promise<Satellite> {
  return api.patch<Satellite>(path(id), change);
}

/** Revokes the satellite; the hub drops its connection. */
export function revokeSatellite(id: string): Promise<void> {
  return api.delete(path(id));
}

/** Rejects with code `not-online` when the satellite is offline. */
export function setVolume(id: string, change: { volume?: number; muted?: boolean }): Promise<void> {
  return api.post(`${path(id)}/volume`, change);
}

export interface EnrollmentRequest {
  room: string;
  name?: string;
  satelliteId?: string;
  ttlMinutes?: number;
}

export function createEnrollmentCode(request: EnrollmentRequest): Promise<EnrollmentCode> {
  return api.post<EnrollmentCode>('/v1/satellites/enrollment-codes', request);
}
