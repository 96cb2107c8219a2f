-- Satellites enrolled with the hub; the private key never leaves the satellite.
CREATE TABLE satellites (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  room        TEXT NOT NULL,
  public_key  TEXT NOT NULL,
  enrolled_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  revoked_at  TIMESTAMPTZ
);

-- One row per wake-up: what was heard, understood, done and said, with stage timings.
CREATE TABLE sessions (
  id           TEXT PRIMARY KEY,
  satellite_id TEXT NOT NULL REFERENCES satellites(id),
  started_at   TIMESTAMPTZ NOT NULL,
  ended_at     TIMESTAMPTZ,
  wake_word    TEXT,
  wake_score   DOUBLE PRECISION,
  transcript   TEXT,
  stt_source   TEXT,
  intent       TEXT,
  slots        JSONB,
  action       JSONB,
  reply        TEXT,
  outcome      TEXT,
  error_code   TEXT,
  timings      JSONB NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX sessions_satellite_started ON sessions (satellite_id, started_at DESC);
