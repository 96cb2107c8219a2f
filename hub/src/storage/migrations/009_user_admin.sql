-- Admins can disable a user (logins and tokens refused, history kept) or delete one; a deleted
-- user's sessions and refresh tokens go with it.
ALTER TABLE users ADD COLUMN disabled_at TIMESTAMPTZ;
ALTER TABLE refresh_families DROP CONSTRAINT refresh_families_user_id_fkey;
ALTER TABLE refresh_families ADD CONSTRAINT refresh_families_user_id_fkey
  FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE;
ALTER TABLE refresh_tokens DROP CONSTRAINT refresh_tokens_family_id_fkey;
ALTER TABLE refresh_tokens ADD CONSTRAINT refresh_tokens_family_id_fkey
  FOREIGN KEY (family_id) REFERENCES refresh_families(id) ON DELETE CASCADE;
