/** Timers and announcements. */
import { api } from './client';
import type { Timer } from './types';

export async function listTimers(): Promise<Timer[]> {
  return (await api.get<{ timers: Timer[] }>('/v1/timers')).timers;
}

export function cancelTimer(id: string): Promise<void> {
  return api.delete(`/v1/timers/${encodeURIComponent(id)}`);
}

/**
 * Speaks `text` in one room, or everywhere when room is empty. Resolves to the satellites that
 * will speak; rejects with code `no-listener` when none is online.
 */
export async function announce(text: string, room?: string): Promise<string[]> {
  const body = room ? { text, room } : { text };
  return (await api.post<{ satellites: string[] }>('/v1/announcements', body)).satellites;
}
