/** Sample API records for component tests. */
import type { Satellite, Session } from '../api/types';

export function satellite(overrides: Partial<Satellite> = {}): Satellite {
  return {
    id: 'kitchen-1',
    name: 'Kitchen',
    room: 'kitchen',
    enrolledAt: '2025-01-01T10:00:00.000Z',
    revokedAt: null,
    online: true,
    lastSeen: '2025-01-02T10:00:00.000Z',
    software: '0.1.0',
    wakeEngine: 'satellite',
    wakeWords: ['hey jarvis'],
    volume: 60,
    muted: false,
    listening: false,
    hasLeds: true,
    ledState: 'idle',
    ...overrides,
  };
}

export function session(overrides: Partial<Session> = {}): Session {
  return {
    id: 's1',
    satelliteId: 'kitchen-1',
    startedAt: '2025-01-02T10:00:00.000Z',
    endedAt: '2025-01-02T10:00:03.000Z',
    wakeWord: 'hey jarvis',
    wakeScore: 0.91,
    transcript: 'turn on the kitchen light',
    sttSource: 'final',
    intent: 'light.on',
    slots: { room: 'kitchen' },
    action: { topic: 'home/kitchen/light/set', payload: { state: 'ON' } },
    reply: 'Kitchen light is on.',
    outcome: 'ok',
    errorCode: null,
    timings: { endpointMs: 400, sttMs: 200, intentMs: 20, actionMs: 30, ttsFirstAudioMs: 150 },
    engines: { stt: 'pocketsphinx', tts: 'espeak-ng' },
    hasAudio: true,
    ...overrides,
  };
}
