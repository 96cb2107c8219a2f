// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { session } from '../testing/fixtures';
import { createLiveSessions } from './live';

const start = (id: string, satelliteId = 'kitchen-1') =>
  ({
    type: 'session-start',
    sessionId: id,
    satelliteId,
    at: '2025-01-02T10:00:00.000Z',
    wake: { name: 'hey jarvis', score: 0.9 },
  }) as const;

describe('live sessions', () => {
  it('builds a session from its events, the final transcript replacing the partials', () => {
    const live = createLiveSessions();
    live.apply(start('s1'));
    live.apply({ type: 'transcript', sessionId: 's1', text: 'turn', final: false });
    expect(live.sessions.value[0]).toMatchObject({ partial: 'turn', transcript: null });
    live.apply({ type: 'transcript', sessionId: 's1', text: 'turn on the', final: false });
    expect(live.sessions.value[0]?.partial).toBe('turn on the');

    live.apply({ type: 'transcript', sessionId: 's1', text: 'turn on the light', final: true });
    live.apply({ type: 'intent', sessionId: 's1', name: 'light.on', slots: { room: 'kitchen' } });
    live.apply({ type: 'reply', sessionId: 's1', text: 'Done.' });
    expect(live.sessions.value[0]).toMatchObject({
      partial: '',
      transcript: 'turn on the light',
      intent: { name: 'light.on', slots: { room: 'kitchen' } },
      reply: 'Done.',
      outcome: null,
    });
  });

  it('ignores a partial that arrives after the final transcript', () => {
    const live = createLiveSessions();
    live.apply(start('s1'));
    live.apply({ type: 'transcript', sessionId: 's1', text: 'hello', final: true });
    live.apply({ type: 'transcript', sessionId: 's1', text: 'hel', final: false });
    expect(live.sessions.value[0]).toMatchObject({ transcript: 'hello', partial: '' });
  });

  it('fills outcome, action and timings from session-end', () => {
    const live = createLiveSessions();
    live.apply(start('s1'));
    live.apply({ type: 'transcript', sessionId: 's1', text: 'turn on the', final: false });
    const record = session({ id: 's1', timings: { sttMs: 210, totalMs: 900 } });
    live.apply({ type: 'session-end', session: record });
    expect(live.sessions.value[0]).toMatchObject({
      partial: '',
      transcript: record.transcript,
      outcome: 'ok',
      action: record.action,
      timings: { sttMs: 210, totalMs: 900 },
      intent: { name: 'light.on', slots: { room: 'kitchen' } },
    });
  });

  it('adds a session whose start it missed when the session ends', () => {
    const live = createLiveSessions();
    live.apply({ type: 'session-end', session: session({ id: 'late', outcome: 'error' }) });
    expect(live.sessions.value).toHaveLength(1);
    expect(live.sessions.value[0]).toMatchObject({
      id: 'late',
      outcome: 'error',
      wake: { name: 'hey jarvis', score: 0.91 },
    });
  });

  it('keeps the newest sessions first and only the last 20', () => {
    const live = createLiveSessions();
    for (let i = 1; i <= 25; i++) live.apply(start(`s${i}`));
    expect(live.sessions.value).toHaveLength(20);
    expect(live.sessions.value[0]?.id).toBe('s25');
    expect(live.sessions.value.at(-1)?.id).toBe('s6');
  });

  it('ignores events of sessions it does not know and duplicate starts', () => {
    const live = createLiveSessions();
    live.apply({ type: 'transcript', sessionId: 'nope', text: 'x', final: true });
    live.apply(start('s1'));
    live.apply(start('s1'));
    expect(live.sessions.value.map((s) => s.id)).toEqual(['s1']);
  });
});
