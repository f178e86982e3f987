-- The change log: one row per change of public meaning (a post published,
-- a live post updated, a category renamed, ...), written in the same
-- transaction as the change by src/content/changes.rs. Ids only grow
-- (AUTOINCREMENT: never reused, even after old rows are pruned), in commit
-- order, so a reader can follow the log from the last id it saw.
-- Private changes (drafts, logins, token use) are not recorded.
CREATE TABLE changes (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    resource          TEXT NOT NULL,
    resource_id       BIGINT NOT NULL,
    edition           TEXT,
    action            TEXT NOT NULL,
    slug              TEXT,
    translation_group TEXT,
    surrogate_keys    TEXT NOT NULL,
    changed_at        TIMESTAMP NOT NULL
);
CREATE INDEX changes_changed_at ON changes (changed_at);
CREATE INDEX changes_resource ON changes (resource, resource_id);

-- The scheduler's question, "which scheduled posts are due?", without
-- reading the index of every post ever published.
CREATE INDEX posts_scheduled ON posts (published_at) WHERE status = 'scheduled';
