-- One-time, expiring codes an admin hands to a new satellite's provisioning; only hashes kept.
CREATE TABLE enrollment_codes (
  code_hash    TEXT PRIMARY KEY,
  room         TEXT NOT NULL,
  name         TEXT,
  -- Set when the code re-enrolls a known satellite (a replaced SD card); else any new id.
  satellite_id TEXT,
  created_by   TEXT,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  expires_at   TIMESTAMPTZ NOT NULL,
  used_at      TIMESTAMPTZ,
  used_by      TEXT
);
