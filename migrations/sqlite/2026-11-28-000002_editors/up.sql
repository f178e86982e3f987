-- Editors: script tokens, revisions, audit fields, optimistic concurrency.

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    -- SHA-256 of the secret, hex; the secret itself is never stored.
    token_hash   TEXT NOT NULL UNIQUE,
    -- The secret's first characters, so people can tell tokens apart.
    prefix       TEXT NOT NULL,
    -- Space-separated scopes.
    scopes       TEXT NOT NULL,
    expires_at   TIMESTAMP,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- A post as it was before an update replaced it.
CREATE TABLE post_revisions (
    id                INTEGER PRIMARY KEY,
    post_id           INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    revision          INTEGER NOT NULL,
    title             TEXT NOT NULL,
    slug              TEXT NOT NULL,
    excerpt           TEXT NOT NULL,
    content           TEXT NOT NULL,
    status            TEXT NOT NULL,
    published_at      TIMESTAMP,
    author_id         INTEGER,
    featured_media_id INTEGER,
    featured          BOOLEAN NOT NULL,
    -- Comma-separated ids.
    category_ids      TEXT NOT NULL,
    tag_ids           TEXT NOT NULL,
    -- Who made this version, and when.
    edited_by         INTEGER REFERENCES users (id) ON DELETE SET NULL,
    edited_at         TIMESTAMP NOT NULL,
    UNIQUE (post_id, revision)
);

ALTER TABLE posts ADD COLUMN created_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE posts ADD COLUMN updated_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE posts ADD COLUMN published_by INTEGER REFERENCES users (id) ON DELETE SET NULL;

ALTER TABLE categories ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE categories ADD COLUMN created_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE categories ADD COLUMN updated_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE tags ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE tags ADD COLUMN created_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE tags ADD COLUMN updated_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE menus ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE menus ADD COLUMN created_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE menus ADD COLUMN updated_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE media ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE media ADD COLUMN updated_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE editions ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;

-- An item has at most one translation per edition.
CREATE UNIQUE INDEX posts_one_per_edition_in_group ON posts (translation_group, edition_id);
CREATE UNIQUE INDEX categories_one_per_edition_in_group ON categories (translation_group, edition_id);
CREATE UNIQUE INDEX tags_one_per_edition_in_group ON tags (translation_group, edition_id);
CREATE UNIQUE INDEX menus_one_per_edition_in_group ON menus (translation_group, edition_id);

-- Generated secrets (the JWT key when none is configured), shared by every
-- instance on this database.
CREATE TABLE secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Failed logins, for rate limiting by username and by client.
CREATE TABLE auth_failures (
    id        INTEGER PRIMARY KEY,
    username  TEXT NOT NULL,
    client    TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX auth_failures_username ON auth_failures (username, failed_at);
CREATE INDEX auth_failures_client ON auth_failures (client, failed_at);
CREATE INDEX auth_failures_time ON auth_failures (failed_at);
