-- Timers live on the hub, so they survive a satellite reconnect and a hub restart.
CREATE TABLE timers (
  id           TEXT PRIMARY KEY,
  satellite_id TEXT NOT NULL REFERENCES satellites(id),
  duration_ms  INTEGER NOT NULL,
  ends_at      TIMESTAMPTZ NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  cancelled_at TIMESTAMPTZ,
  rang_at      TIMESTAMPTZ
);

CREATE INDEX timers_pending ON timers (ends_at) WHERE cancelled_at IS NULL AND rang_at IS NULL;
