/** How the API and the live feed show a satellite: its record and, while connected, its state. */
import type { SatelliteConnection } from '../gateway/connection.js';
import type { SatelliteState } from '../mqtt/satellite-state.js';
import type { SatelliteRecord } from '../storage/satellites.js';

/** What its LEDs show, as the session goes (satellites light them the same way). */
export type LedState = 'off' | 'idle' | 'listening' | 'thinking' | 'speaking';

export function satelliteView(
  s: SatelliteRecord,
  live: {
    conn: SatelliteConnection | undefined;
    state: SatelliteState | undefined;
    phase: LedState | undefined;
  },
) {
  const { conn, state } = live;
  return {
    id: s.id,
    name: s.name,
    room: s.room,
    enrolledAt: s.enrolledAt.toISOString(),
    revokedAt: s.revokedAt?.toISOString() ?? null,
    online: conn !== undefined,
    lastSeen: conn ? new Date().toISOString() : (s.lastSeenAt?.toISOString() ?? null),
    software: conn?.about?.software ?? null,
    wakeEngine: conn ? (conn.wakeOnHub ? 'hub' : 'satellite') : null,
    wakeWords: conn?.about?.wakeWords ?? [],
    volume: state?.volume ?? 100,
    muted: state?.muted ?? false,
    listening: conn !== undefined && (state?.listening ?? false),
    hasLeds: conn?.about?.leds ?? false,
    ledState: conn ? (live.phase ?? 'idle') : 'off',
  };
}

export type SatelliteView = ReturnType<typeof satelliteView>;
