-- Reader comments (src/content/comments.rs): threaded by parent_id (a
-- comment of the same post, depth limited), held as pending until a
-- moderator approves them unless an editor wrote them. The e-mail, the
-- client's address and user agent are for moderators only; the address
-- and user agent are emptied after NASHR_COMMENT_PRIVACY_DAYS.
-- posts.comment_count counts approved comments, kept by the same
-- transactions that change them.
CREATE TABLE comments (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id        BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    parent_id      BIGINT REFERENCES comments (id),
    depth          INTEGER NOT NULL DEFAULT 0,
    author_name    TEXT NOT NULL,
    author_email   TEXT NOT NULL,
    author_url     TEXT NOT NULL DEFAULT '',
    user_id        BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- What was written (plain text) and the safe HTML shown for it.
    source         TEXT NOT NULL,
    content        TEXT NOT NULL,
    status         TEXT NOT NULL,
    -- A hash of post, author and text: the same comment twice is refused.
    fingerprint    TEXT NOT NULL,
    client_address TEXT NOT NULL DEFAULT '',
    user_agent     TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX comments_post ON comments (post_id, status, created_at, id);
CREATE INDEX comments_status ON comments (status, id);
CREATE INDEX comments_parent ON comments (parent_id);
CREATE INDEX comments_fingerprint ON comments (fingerprint);
CREATE INDEX comments_client ON comments (client_address, created_at);

-- Whether readers may comment on a post (WordPress's comment_status).
ALTER TABLE posts ADD COLUMN comments_open BOOLEAN NOT NULL DEFAULT TRUE;
