-- Microphone frames lost between satellite and hub in a session (sequence gaps; issue 10).
ALTER TABLE sessions ADD COLUMN audio_frames_lost INTEGER NOT NULL DEFAULT 0;
