/**
 * A session's io with the live feed listening in: what the hub tells the satellite (partial and
 * final transcripts, intent, reply) goes to the dashboard too, and the reply audio is kept for
 * playback. The satellite gets exactly what it got before.
 */
import type { LedState } from '../api/satellite-view.js';
import type { SessionIo } from '../pipeline/session.js';
import type { LiveEvents } from './live-events.js';
import type { ReplyAudio } from './reply-audio.js';

export function tapSession(
  io: SessionIo,
  sessionId: string,
  live: LiveEvents,
  replies: ReplyAudio,
  /** The session's phase as the satellite's LEDs show it. */
  onPhase: (phase: LedState) => void,
): SessionIo {
  return {
    send: (event) => {
      io.send(event);
      if (event.type === 'listening') onPhase(event.active ? 'listening' : 'thinking');
      else if (event.type === 'tts-start') onPhase('speaking');
      else if (event.type === 'tts-stop') onPhase('thinking');
      else if (event.type === 'session-end') onPhase('idle');
      if (event.type === 'transcript')
        live.publish({ type: 'transcript', sessionId, text: event.text, final: event.final });
      else if (event.type === 'intent')
        live.publish({ type: 'intent', sessionId, name: event.name, slots: event.slots });
      else if (event.type === 'reply') live.publish({ type: 'reply', sessionId, text: event.text });
    },
    sendAudio: (stream, chunk) => {
      io.sendAudio(stream, chunk);
      replies.add(sessionId, chunk);
    },
    nextStream: () => io.nextStream(),
  };
}
