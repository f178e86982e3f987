-- Site settings per edition (src/content/site.rs): a NULL is "not set
-- here", and readers get the default edition's value instead.
CREATE TABLE site_settings (
    edition_id     BIGINT PRIMARY KEY REFERENCES editions (id) ON DELETE CASCADE,
    name           TEXT,
    tagline        TEXT,
    copyright      TEXT,
    logo_media_id  BIGINT REFERENCES media (id) ON DELETE SET NULL,
    icon_media_id  BIGINT REFERENCES media (id) ON DELETE SET NULL,
    -- A JSON array of {network, url}.
    social_links   TEXT,
    contact_email  TEXT,
    updated_at     TIMESTAMP NOT NULL
);

-- Preview tokens (src/content/previews.rs): each reads one post, whatever
-- its status, until it expires or the post's previews are deleted. Only
-- a hash of the token is kept.
CREATE TABLE post_previews (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id     BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    created_by  BIGINT REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL
);
CREATE INDEX post_previews_post ON post_previews (post_id);
CREATE INDEX post_previews_expiry ON post_previews (expires_at);
