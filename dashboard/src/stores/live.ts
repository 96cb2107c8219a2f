/**
 * Sessions as they happen, built from the event stream: a session starts with the wake word,
 * partial transcripts replace each other until the final one, then intent and reply arrive and
 * `session-end` brings the full record with its timings.
 */
import { ref, type Ref } from 'vue';
import type { StreamEvent } from '../api/events';
import type { Outcome, Session, Timings } from '../api/types';

export interface LiveSession {
  id: string;
  satelliteId: string;
  startedAt: string;
  wake: { name: string; score: number | null } | null;
  /** The latest partial transcript; empty once the final one arrived. */
  partial: string;
  /** The final transcript. */
  transcript: string | null;
  intent: { name: string; slots: Record<string, unknown> } | null;
  action: Session['action'];
  reply: string | null;
  /** Null while the session runs. */
  outcome: Outcome | null;
  errorCode: string | null;
  timings: Timings;
}

export interface LiveSessions {
  /** Newest first. */
  readonly sessions: Ref<LiveSession[]>;
  apply(event: StreamEvent): void;
  clear(): void;
}

export const LIVE_LIMIT = 20;

function started(
  id: string,
  satelliteId: string,
  startedAt: string,
  wake: LiveSession['wake'],
): LiveSession {
  return {
    id,
    satelliteId,
    startedAt,
    wake,
    partial: '',
    transcript: null,
    intent: null,
    action: null,
    reply: null,
    outcome: null,
    errorCode: null,
    timings: {},
  };
}

export function createLiveSessions(limit = LIVE_LIMIT): LiveSessions {
  const sessions = ref<LiveSession[]>([]);
  const find = (id: string): LiveSession | undefined => sessions.value.find((s) => s.id === id);
  const add = (session: LiveSession): LiveSession => {
    sessions.value.unshift(session);
    if (sessions.value.length > limit) sessions.value.length = limit;
    // The reactive proxy, so that later changes re-render.
    return sessions.value[0] ?? session;
  };

  function apply(event: StreamEvent): void {
    switch (event.type) {
      case 'session-start':
        if (find(event.sessionId)) return;
        add(started(event.sessionId, event.satelliteId, event.at, event.wake));
        return;
      case 'transcript': {
        const session = find(event.sessionId);
        if (!session) return;
        if (event.final) {
          session.transcript = event.text;
          session.partial = '';
        } else if (session.transcript === null) {
          session.partial = event.text;
        }
        return;
      }
      case 'intent': {
        const session = find(event.sessionId);
        if (session) session.intent = { name: event.name, slots: event.slots };
        return;
      }
      case 'reply': {
        const session = find(event.sessionId);
        if (session) session.reply = event.text;
        return;
      }
      case 'session-end':
        finish(event.session);
        return;
      case 'ready':
      case 'error':
      case 'satellite':
      case 'device':
      case 'timers':
        return;
    }
  }

  /** Fills a session from its record; one whose start was missed is added whole. */
  function finish(record: Session): void {
    const wake = record.wakeWord ? { name: record.wakeWord, score: record.wakeScore } : null;
    const session =
      find(record.id) ?? add(started(record.id, record.satelliteId, record.startedAt, wake));
    session.partial = '';
    session.transcript = record.transcript ?? session.transcript;
    if (record.intent) session.intent = { name: record.intent, slots: record.slots ?? {} };
    session.action = record.action;
    session.reply = record.reply ?? session.reply;
    session.outcome = record.outcome;
    session.errorCode = record.errorCode;
    session.timings = record.timings;
  }

  return { sessions, apply, clear: () => (sessions.value = []) };
}

/** The app's one list, fed while logged in so that it survives page changes. */
export const liveSessions = createLiveSessions();
