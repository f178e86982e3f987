-- Sessions a user's password change, reset or disabling ends: a login
-- token (JWT) carries the session_version it was issued under and stops
-- working once the version moves on. kept_session is the one login (by
-- its jti) that survives its own user's password change.
ALTER TABLE users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN kept_session TEXT;
