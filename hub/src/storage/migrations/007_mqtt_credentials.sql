-- Broker logins for devices and integrations, made in the API, each with its own topics.
CREATE TABLE mqtt_credentials (
  username      TEXT PRIMARY KEY,
  secret_hash   TEXT NOT NULL,
  publish       JSONB NOT NULL,
  subscribe     JSONB NOT NULL,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  revoked_at    TIMESTAMPTZ
);
