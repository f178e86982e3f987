ALTER TABLE users DROP COLUMN kept_session;
ALTER TABLE users DROP COLUMN session_version;
