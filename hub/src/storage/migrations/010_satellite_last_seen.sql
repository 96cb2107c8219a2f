-- When each satellite was last connected, for the dashboard (kept across hub restarts).
ALTER TABLE satellites ADD COLUMN last_seen_at TIMESTAMPTZ;
