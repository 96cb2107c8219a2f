/** The session history: search, filter, page, and the reply audio. */
import { api, type RequestOptions } from './client';
import type { Outcome, Session } from './types';

export interface SessionFilter {
  satellite?: string;
  outcome?: Outcome | '';
  /** Text searched in transcript and reply. */
  q?: string;
  limit?: number;
  /** ISO time: only sessions that started before it (the "older" page). */
  before?: string;
}

/** The query string for `GET /v1/sessions`; empty filters are left out. */
export function sessionQuery(filter: SessionFilter): string {
  const params = new URLSearchParams();
  const q = filter.q?.trim();
  if (filter.satellite) params.set('satellite', filter.satellite);
  if (filter.outcome) params.set('outcome', filter.outcome);
  if (q) params.set('q', q);
  if (filter.limit !== undefined) params.set('limit', String(filter.limit));
  if (filter.before) params.set('before', filter.before);
  const query = params.toString();
  return query === '' ? '' : `?${query}`;
}

export async function listSessions(
  filter: SessionFilter,
  options?: RequestOptions,
): Promise<Session[]> {
  const url = `/v1/sessions${sessionQuery(filter)}`;
  return (await api.get<{ sessions: Session[] }>(url, options)).sessions;
}

/** The reply audio as a blob (an <audio> element cannot send the Bearer header itself). */
export function fetchReplyAudio(id: string): Promise<Blob> {
  return api.blob(`/v1/sessions/${encodeURIComponent(id)}/reply.wav`);
}
