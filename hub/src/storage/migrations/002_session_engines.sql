-- Which engines served a session, and any hand-over from a failed engine to its fallback:
-- {"stt": "pocketsphinx", "tts": "espeak-ng-wasm:en-us", "fallbacks": [{"kind": "stt", "from": …, "to": …, "code": …}]}
ALTER TABLE sessions ADD COLUMN engines JSONB NOT NULL DEFAULT '{}'::jsonb;
